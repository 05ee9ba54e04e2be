"""A local OAuth2 identity provider for tests: authorize → code → token → userinfo, over real HTTP.

It checks what a real provider checks (client id and secret, redirect URI, single-use codes) so the
real provider code in infra/oauth.py is exercised. The test picks who signs in with `login_as`.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Header, HTTPException, Query
from fastapi.responses import RedirectResponse

CLIENTS = {"google": ("google-client", "google-secret"), "facebook": ("fb-client", "fb-secret")}


def fake_idp_app() -> FastAPI:
    app = FastAPI()
    codes: dict[str, dict[str, Any]] = {}
    tokens: dict[str, dict[str, Any]] = {}

    @app.get("/{provider}/authorize")
    def authorize(provider: str, client_id: str, redirect_uri: str, state: str, response_type: str,
                  login_as: str, subject: str, verified: bool = True, first: str = "An",
                  last: str = "Nguyen") -> RedirectResponse:
        if CLIENTS[provider][0] != client_id or response_type != "code":
            raise HTTPException(400, "bad client")
        code = secrets.token_urlsafe(16)
        codes[code] = {"provider": provider, "redirect_uri": redirect_uri, "email": login_as, "subject": subject,
                       "verified": verified, "first": first, "last": last}
        return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}", status_code=302)

    @app.post("/{provider}/token")
    def token(provider: str, grant_type: Annotated[str, Form()], code: Annotated[str, Form()],
              redirect_uri: Annotated[str, Form()], client_id: Annotated[str, Form()],
              client_secret: Annotated[str, Form()]) -> dict[str, Any]:
        grant = codes.pop(code, None)  # single use
        if (grant is None or grant["provider"] != provider or grant["redirect_uri"] != redirect_uri
                or (client_id, client_secret) != CLIENTS[provider] or grant_type != "authorization_code"):
            raise HTTPException(400, "invalid_grant")
        access = secrets.token_urlsafe(16)
        tokens[access] = grant
        return {"access_token": access, "token_type": "Bearer", "expires_in": 3600}

    @app.get("/{provider}/userinfo")
    def userinfo(provider: str, authorization: Annotated[str, Header()],
                 fields: Annotated[str | None, Query()] = None) -> dict[str, Any]:
        grant = tokens.get(authorization.removeprefix("Bearer "))
        if grant is None:
            raise HTTPException(401, "invalid token")
        if provider == "google":
            return {"sub": grant["subject"], "email": grant["email"], "email_verified": grant["verified"],
                    "given_name": grant["first"], "family_name": grant["last"]}
        return {"id": grant["subject"], "email": grant["email"], "first_name": grant["first"],
                "last_name": grant["last"]}

    return app

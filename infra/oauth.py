"""OAuth2 authorization-code providers (Google, Facebook) behind one interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from domain.shared.errors import DomainError
from infra.settings import OAuthProviderSettings


class OAuthFailed(DomainError):
    status_code = 400
    code = "OAUTH_FAILED"


@dataclass(frozen=True)
class SocialIdentity:
    subject: str
    email: str
    email_verified: bool
    first_name: str
    last_name: str


@dataclass(frozen=True)
class OAuthProvider:
    name: str
    config: OAuthProviderSettings

    @property
    def enabled(self) -> bool:
        return bool(self.config.client_id)

    def authorization_url(self, *, state: str, redirect_uri: str) -> str:
        query = {"client_id": self.config.client_id, "redirect_uri": redirect_uri, "response_type": "code",
                 "scope": self.config.scope, "state": state}
        return f"{self.config.authorize_url}?{urlencode(query)}"

    async def identify(self, *, code: str, redirect_uri: str, http: httpx.AsyncClient) -> SocialIdentity:
        """Trade the code for an access token, then read the user's profile with it."""
        try:
            token = await http.post(self.config.token_url, data={
                "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "client_id": self.config.client_id, "client_secret": self.config.client_secret.get_secret_value(),
            }, headers={"Accept": "application/json"})
            token.raise_for_status()
            access_token = token.json()["access_token"]
            info = await http.get(self.config.userinfo_url, headers={"Authorization": f"Bearer {access_token}"})
            info.raise_for_status()
            return self._identity(info.json())
        except (httpx.HTTPError, KeyError, ValueError) as e:
            raise OAuthFailed(f"Signing in with {self.name.title()} failed; please try again.") from e

    def _identity(self, data: dict[str, Any]) -> SocialIdentity:
        if self.name == "google":
            return SocialIdentity(subject=str(data["sub"]), email=data["email"],
                                  email_verified=bool(data.get("email_verified")),
                                  first_name=data.get("given_name", ""), last_name=data.get("family_name", ""))
        # Facebook returns only an account's confirmed primary email.
        if not data.get("email"):
            raise OAuthFailed("Facebook did not share an email address; allow it and try again.")
        return SocialIdentity(subject=str(data["id"]), email=data["email"], email_verified=True,
                              first_name=data.get("first_name", ""), last_name=data.get("last_name", ""))

"""Which URLs a simulator may call back or send a browser to: only our own webhook and return routes.

A request names its callback and redirect URLs (MoMo's ipnUrl/redirectUrl, ZaloPay's callback_url and
embed_data.redirecturl, VNPay's vnp_ReturnUrl). Honouring any URL would make the simulator a tool for
server-side request forgery and open redirects, so a URL is accepted only under a configured one."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _parts(url: str) -> tuple[str, str, int, str] | None:
    try:
        parts: SplitResult = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username is not None or parts.password is not None:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme], parts.path or "/"


def under(url: object, allowed: Iterable[str | None]) -> bool:
    """Whether `url` has the scheme, host and port of one of `allowed` and a path at or below its path
    (segment by segment: /webhook/momo admits /webhook/momo/x, not /webhook/momox). Query strings are free."""
    if not isinstance(url, str):
        return False
    found = _parts(url)
    if found is None:
        return False
    for base in filter(None, allowed):
        want = _parts(base)
        if want is None or found[:3] != want[:3]:
            continue
        prefix = want[3].rstrip("/")
        if found[3] == want[3] or found[3].rstrip("/") == prefix or found[3].startswith(prefix + "/"):
            return True
    return False

"""The simulators' pages: a checkout page with the order and two buttons, and an error page."""

from __future__ import annotations

import asyncio
from html import escape

from fastapi.responses import HTMLResponse, JSONResponse

from infra.gateways.sandbox.store import Operation, SandboxStore

_STYLE = ("body{font-family:sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem}"
          "dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem}"
          "button{font-size:1.1rem;padding:.6rem 1.4rem;margin-right:1rem}")


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}"
                        f"</title><style>{_STYLE}</style></head><body>{body}</body></html>", status_code=status_code)


def checkout_page(*, gateway: str, merchant: str, order_ref: str, amount: int, description: str) -> HTMLResponse:
    """The order and two buttons; the form posts `action=pay|cancel` back to this same URL."""
    rows = [("Merchant", merchant), ("Order", order_ref), ("Amount", f"{amount:,} VND"), ("Description", description)]
    details = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    return _page(f"{gateway} sandbox checkout", (
        f"<h1>{escape(gateway)} sandbox</h1><p>A local simulator: no money moves.</p><dl>{details}</dl>"
        "<form method=\"post\"><button name=\"action\" value=\"pay\">Pay</button>"
        "<button name=\"action\" value=\"cancel\">Cancel</button></form>"))


def error_page(gateway: str, code: str, message: str, status_code: int = 400) -> HTMLResponse:
    return _page(f"{gateway} sandbox error", f"<h1>{escape(gateway)} sandbox</h1><p>Error {escape(code)}: "
                 f"{escape(message)}</p>", status_code)


async def api_faults(store: SandboxStore, order_ref: str | None, operation: Operation) -> JSONResponse | None:
    """Apply the delay switch, and answer 503 when the operation is switched to fail."""
    faults = await store.faults(order_ref)
    if faults.delay_ms:
        await asyncio.sleep(faults.delay_ms / 1000)
    if operation in faults.fail_with_5xx:
        return JSONResponse({"message": "Service unavailable (sandbox fault switch)"}, status_code=503)
    return None

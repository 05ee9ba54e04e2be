"""Dev SMTP server that keeps every mail, with an inbox page and a JSON API to read them.

Run as `python -m infra.mailbox --smtp-port 1025 --http-port 8025 --dir .cinema/mail`.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse


def _parse(raw: bytes, envelope_to: list[str]) -> dict[str, Any]:
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    text = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    return {
        "id": uuid.uuid4().hex,
        "receivedAt": datetime.now(UTC).isoformat(),
        "from": str(msg.get("From", "")),
        "to": envelope_to,
        "subject": str(msg.get("Subject", "")),
        "text": text.get_content() if text else "",
        "html": html_part.get_content() if html_part else "",
    }


class MailStore:
    """Messages as one JSON file each, so they survive restarts and are easy to inspect."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def save(self, message: dict[str, Any]) -> None:
        name = f"{message['receivedAt'].replace(':', '')}-{message['id']}.json"
        (self.folder / name).write_text(json.dumps(message, ensure_ascii=False))

    def list(self, to: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        found = []
        for path in sorted(self.folder.glob("*.json"), reverse=True):
            message = json.loads(path.read_text())
            if to is None or any(to.lower() == addr.lower() for addr in message["to"]):
                found.append(message)
            if len(found) >= limit:
                break
        return found

    def clear(self) -> None:
        for path in self.folder.glob("*.json"):
            path.unlink()


class _Handler:
    def __init__(self, store: MailStore) -> None:
        self.store = store

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        self.store.save(_parse(envelope.original_content or envelope.content, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


def inbox_app(store: MailStore) -> FastAPI:
    app = FastAPI(title="Cinema dev mailbox")

    @app.get("/api/messages")
    def messages(to: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Mails received, newest first; `to` filters by recipient."""
        return store.list(to=to, limit=limit)

    @app.delete("/api/messages", status_code=204)
    def clear() -> None:
        store.clear()

    @app.get("/messages/{message_id}", response_class=HTMLResponse)
    def show(message_id: str) -> str:
        for message in store.list(limit=10_000):
            if message["id"] == message_id:
                body = message["html"] or f"<pre>{html.escape(message['text'])}</pre>"
                return (f"<h2>{html.escape(message['subject'])}</h2><p>From {html.escape(message['from'])} "
                        f"to {html.escape(', '.join(message['to']))} at {message['receivedAt']}</p><hr>{body}")
        raise HTTPException(404, "no such message")

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        rows = "".join(
            f"<tr><td>{m['receivedAt'][:19]}</td><td>{html.escape(', '.join(m['to']))}</td>"
            f"<td><a href='/messages/{m['id']}'>{html.escape(m['subject'])}</a></td></tr>"
            for m in store.list()
        )
        return (
            "<html><head><title>Cinema mailbox</title></head><body><h1>Cinema dev mailbox</h1>"
            "<table border=1 cellpadding=4><tr><th>Received (UTC)</th><th>To</th><th>Subject</th></tr>"
            f"{rows or '<tr><td colspan=3>No mail yet</td></tr>'}</table></body></html>"
        )

    return app


async def _serve(smtp_port: int, http_port: int, folder: Path) -> None:
    store = MailStore(folder)
    controller = Controller(_Handler(store), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        config = uvicorn.Config(inbox_app(store), host="127.0.0.1", port=http_port, log_level="warning")
        await uvicorn.Server(config).serve()
    finally:
        controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    parser.add_argument("--dir", type=Path, default=Path(".cinema/mail"))
    args = parser.parse_args()
    asyncio.run(_serve(args.smtp_port, args.http_port, args.dir))


if __name__ == "__main__":
    main()

"""Sending mail over SMTP (the embedded mailbox locally, a real relay in production)."""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class Mailer:
    host: str
    port: int
    sender: str

    async def send(self, *, to: str, subject: str, text: str, html: str | None = None) -> None:
        """Send one mail; runs the blocking smtplib call in a thread."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(text)
        if html:
            message.add_alternative(html, subtype="html")
        await asyncio.to_thread(self._deliver, message)

    def _deliver(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
            smtp.send_message(message)

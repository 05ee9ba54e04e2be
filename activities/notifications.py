"""Notification activities: sending mail over SMTP."""

from __future__ import annotations

from temporalio import activity

from domain.notifications.schemas import OutgoingMail
from infra.mail import Mailer


class NotificationActivities:
    def __init__(self, mailer: Mailer) -> None:
        self._mailer = mailer

    @activity.defn
    async def send_email(self, mail: OutgoingMail) -> None:
        """Deliver one mail. At-least-once: Temporal retries until the SMTP server accepts it."""
        await self._mailer.send(to=mail.to, subject=mail.subject, text=mail.text, html=mail.html)

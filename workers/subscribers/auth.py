"""The auth service's mail sender: user.registered → the verification mail, user.password_reset.requested →
the reset mail, user.registration.repeated → the "you already have an account" mail. The link's secret is
derived from the event id (domain/auth/tokens.py `mailed_secret`), so it is never stored; each mail is one
SendMailWorkflow `mail-{eventId}`, retried until delivered.

And the reset desk: user.password_reset.asked (any email, so the API's answer says nothing) → an active
account with that email gets a reset token and its event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from domain.auth import service as auth_service
from domain.auth.mails import account_exists_mail, reset_password_mail, verification_mail
from domain.auth.tokens import mailed_secret
from domain.contracts.events import (
    EventEnvelope,
    PasswordResetAsked,
    PasswordResetRequested,
    RegistrationRepeated,
    Topic,
    UserRegistered,
)
from domain.contracts.queues import TaskQueue
from domain.contracts.workflow_ids import mail_workflow_id
from domain.notifications.schemas import OutgoingMail
from domain.shared.time import utcnow
from infra.events.consumer import Subscription
from workers.subscribers import temporal_call
from workflows.mail import SendMailWorkflow


@dataclass(frozen=True)
class MailLinks:
    key: str  # the secret the links' tokens are derived with (the JWT secret)
    app_url: str  # where the links point (the reset page; the API answers GET /api/auth/verify-email)
    verify_ttl: timedelta
    reset_ttl: timedelta


def _hours(ttl: timedelta) -> int:
    return max(int(ttl.total_seconds() // 3600), 1)


def compose(event: EventEnvelope, links: MailLinks) -> OutgoingMail | None:
    data, secret = event.payload(), mailed_secret(links.key, event.event_id)
    if isinstance(data, UserRegistered):
        return verification_mail(to=data.email, link=f"{links.app_url}/api/auth/verify-email?token={secret}",
                                 hours=_hours(links.verify_ttl))
    if isinstance(data, PasswordResetRequested):
        return reset_password_mail(to=data.email, link=f"{links.app_url}/reset-password?token={secret}",
                                   hours=_hours(links.reset_ttl))
    if isinstance(data, RegistrationRepeated):
        return account_exists_mail(to=data.email, sign_in=links.app_url, forgot=f"{links.app_url}/forgot-password")
    return None


def auth_mails(temporal: Client, links: MailLinks) -> Subscription:
    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        mail = compose(event, links)
        if mail is None:
            return
        async with temporal_call(f"mailing {event.event_type}"):
            await temporal.start_workflow(SendMailWorkflow.run, mail, id=mail_workflow_id(str(event.event_id)),
                                          task_queue=TaskQueue.NOTIFICATIONS)

    return Subscription(group="auth.mails", schema="auth", handle=handle,
                        topics=(Topic.USER_REGISTERED, Topic.PASSWORD_RESET_REQUESTED, Topic.REGISTRATION_REPEATED))


def password_resets(links: MailLinks) -> Subscription:
    """user.password_reset.asked → a reset token and user.password_reset.requested for an active account."""

    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        data = event.payload()
        assert isinstance(data, PasswordResetAsked)
        account = await auth_service.account_by_email(session, email=data.email)
        if account is None or not account.is_active:
            return
        await auth_service.request_password_reset(session, account=account, ttl=links.reset_ttl,
                                                  now=utcnow(), key=links.key)

    return Subscription(group="auth.password-resets", schema="auth", handle=handle,
                        topics=(Topic.PASSWORD_RESET_ASKED,))

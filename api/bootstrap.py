"""Start-up tasks of the API: the first Admin from CINEMA_ADMIN_EMAIL / CINEMA_ADMIN_PASSWORD."""

from __future__ import annotations

import logging

from domain.auth import service as auth_service
from domain.shared.roles import Role
from domain.shared.time import utcnow
from infra.db import SessionMaker, unit_of_work
from infra.settings import Settings

log = logging.getLogger("cinema.bootstrap")


async def ensure_first_admin(sessionmaker: SessionMaker, settings: Settings) -> None:
    """Create the configured Admin when missing; an existing account with that email is left as it is."""
    if not (settings.admin_email and settings.admin_password):
        return
    try:
        async with unit_of_work(sessionmaker) as session:
            _, created = await auth_service.ensure_account(
                session, email=settings.admin_email, password=settings.admin_password.get_secret_value(),
                role=Role.ADMIN, now=utcnow(), first_name="Admin")
    except Exception:  # noqa: BLE001 - the API still starts; /health shows what is down
        log.exception("could not ensure the first Admin %s (is the database migrated?)", settings.admin_email)
        return
    if created:
        log.info("created the first Admin %s", settings.admin_email)

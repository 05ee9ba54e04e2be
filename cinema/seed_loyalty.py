"""Demo members for `cinema seed`, one in every tier: a verified customer account, the 12-month spend that earns
its tier (recorded three weeks ago, as booking.confirmed would have), and the points of that spend. Found again
on a rerun and left as they are: the spend and points are keyed by a demo booking id derived from the email."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.auth import service as auth_service
from domain.promotions import loyalty, membership
from domain.promotions.models import SpendKind
from domain.shared.roles import Role
from domain.users.models import MembershipTier

if TYPE_CHECKING:
    from cinema.seed import Seeded

# Beside cinema.seed's one account per role (`…@cinema.example`), under a subdomain of the same reserved name.
DEMO_DOMAIN = "members.cinema.example"
_BOOKINGS = uuid.UUID("0b7a3c51-7f0e-4f55-a7f4-5d9e2a6c1b38")  # names the demo bookings behind the spend
# (tier, email's local part, password, first name, 12-month net spend in VND)
MEMBERS: tuple[tuple[MembershipTier, str, str, str, int], ...] = (
    (MembershipTier.BRONZE, "bronze", "Bronze@123", "Đồng", 650_000),
    (MembershipTier.SILVER, "silver", "Silver@123", "Bạc", 2_400_000),
    (MembershipTier.GOLD, "gold", "Gold@123", "Vàng", 6_200_000),
    (MembershipTier.PLATINUM, "platinum", "Platinum@123", "Bạch Kim", 12_500_000),
)


def _seeded(name: str, created: bool) -> Seeded:
    from cinema.seed import Seeded  # cinema.seed imports this module to register its step

    return Seeded(kind="loyalty member", name=name, created=created)


async def seed_loyalty(session: AsyncSession, now: datetime) -> list[Seeded]:
    """Ensure one demo customer per tier, with the spend that earns it and its points."""
    seeded = []
    for tier, local, password, first_name, spend in MEMBERS:
        email = f"{local}@{DEMO_DOMAIN}"
        account, created = await auth_service.ensure_account(session, email=email, password=password,
                                                             role=Role.CUSTOMER, now=now, first_name=first_name,
                                                             last_name=f"Hội viên {tier.value}")
        booking_id = uuid.uuid5(_BOOKINGS, email)
        if await membership.record_spend(session, user_id=account.id, booking_id=booking_id, kind=SpendKind.PAID,
                                         amount=spend, at=now - timedelta(days=21)):
            await membership.upgrade_after_booking(session, user_id=account.id, day=membership.local_day(now))
            await loyalty.earn(session, user_id=account.id, booking_id=booking_id, amount_paid=spend)
            created = True
        seeded.append(_seeded(f"{email} / {password} — {tier.value}, {spend:,} ₫ in 12 months", created))
    return seeded

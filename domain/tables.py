"""Imports every context's tables so SQLModel's metadata (and Alembic) see them all."""

from domain.auth import models as auth_models  # noqa: F401
from domain.bookings import models as bookings_models  # noqa: F401
from domain.cinemas import models as cinemas_models  # noqa: F401
from domain.fnb import models as fnb_models  # noqa: F401
from domain.movies import models as movies_models  # noqa: F401
from domain.payments import models as payments_models  # noqa: F401
from domain.promotions import models as promotions_models  # noqa: F401
from domain.shared import outbox as outbox_tables  # noqa: F401
from domain.shared.models import metadata
from domain.showtimes import models as showtimes_models  # noqa: F401
from domain.users import models as users_models  # noqa: F401

# One PostgreSQL schema per service (BRIEF §4); later contexts fill theirs in.
SCHEMAS = outbox_tables.SERVICE_SCHEMAS

__all__ = ["SCHEMAS", "metadata"]

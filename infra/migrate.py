"""`cinema migrate`: Alembic `upgrade head` against the configured database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["url"] = url
    config.attributes["configure_logging"] = False
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    """Apply every migration. Each context's migrations branch from the platform revision (no
    cross-schema foreign keys, so their order does not matter), hence `heads`."""
    command.upgrade(alembic_config(url), revision)

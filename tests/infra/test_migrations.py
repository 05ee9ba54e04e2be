"""The migrations create exactly what the models describe (no drift), in one schema per service."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from domain.tables import SCHEMAS, metadata
from infra.db import SessionMaker


def _diff(connection: Any) -> list[Any]:
    context = MigrationContext.configure(connection, opts={
        "include_schemas": True, "compare_type": True,
        "include_object": lambda obj, name, type_, reflected, other: not (type_ == "table"
                                                                          and name == "alembic_version")})
    return compare_metadata(context, metadata)


async def test_models_and_migrations_agree(sessionmaker: SessionMaker) -> None:
    async with sessionmaker() as session:
        connection = await session.connection()
        assert await connection.run_sync(_diff) == []


async def test_every_service_has_its_schema(sessionmaker: SessionMaker) -> None:
    async with sessionmaker() as session:
        connection = await session.connection()
        found = set((await connection.execute(text("SELECT schema_name FROM information_schema.schemata"))).scalars())
    assert set(SCHEMAS) <= found

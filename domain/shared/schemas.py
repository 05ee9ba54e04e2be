"""API schema base: camelCase JSON (BRIEF §4) over snake_case Python, and the page envelope."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

T = TypeVar("T")


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class Page(ApiModel, Generic[T]):
    """One page of a list: `items`, the `total` count, and the `page`/`pageSize` asked for."""

    items: list[T]
    total: int
    page: int
    page_size: int


# Past it the offset would overflow PostgreSQL's bigint (a 500); no list is browsed that deep.
MAX_PAGE = 10_000


class PageParams(ApiModel):
    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=20, ge=1, le=100)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

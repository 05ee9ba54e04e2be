"""Contracts of the nightly loyalty review (LoyaltyReviewWorkflow and its activity): pure Pydantic."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field


class LoyaltyReviewRun(BaseModel):
    """One run of the review. `day` is the local day reviewed (None: the local day the run starts, which a
    Schedule's runs use); giving it re-runs a day reproducibly. `only_users` limits the run to these members
    (an operator's re-check, the tests)."""

    day: date | None = None
    page_size: int = Field(default=200, gt=0, le=2000)
    only_users: list[uuid.UUID] | None = None
    after: uuid.UUID | None = None  # where a run continued-as-new picks up
    reviewed: int = 0  # totals so far, carried across continue-as-new
    tier_changes: int = 0
    expired_points: int = 0


class ReviewPageInput(BaseModel):
    day: date
    after: uuid.UUID | None = None
    limit: int
    only_users: list[uuid.UUID] | None = None


class ReviewPageResult(BaseModel):
    next_after: uuid.UUID | None
    reviewed: int
    tier_changes: int
    expired_points: int


class LoyaltyReviewResult(BaseModel):
    day: date
    reviewed: int
    tier_changes: int
    expired_points: int

"""Time promotions as values ("Khuyến mãi theo thời gian"): what pricing applies, and the promotions
service stores. Pure, so both services (and workflows) may use it; neither imports the other."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, Field


class Promotion(BaseModel):
    """A time-based promotion. Every condition that is set must hold; unset conditions always hold."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    percent_off: int = Field(ge=1, le=90)
    valid_from: date | None = None  # local purchase date, inclusive
    valid_until: date | None = None  # local purchase date, inclusive
    min_days_ahead: int | None = Field(default=None, ge=0)  # early bird: bought this long before the start
    weekdays: frozenset[int] | None = None  # showtime's local weekday, 0 = Monday
    starts_from: time | None = None  # showtime's local start time, inclusive
    starts_before: time | None = None  # showtime's local start time, exclusive

    def applies(self, *, starts_local: datetime, now_local: datetime) -> bool:
        today = now_local.date()
        if (self.valid_from and today < self.valid_from) or (self.valid_until and today > self.valid_until):
            return False
        if self.min_days_ahead is not None and starts_local - now_local < timedelta(days=self.min_days_ahead):
            return False
        if self.weekdays is not None and starts_local.weekday() not in self.weekdays:
            return False
        start = starts_local.timetz().replace(tzinfo=None)
        if self.starts_from is not None and start < self.starts_from:
            return False
        return not (self.starts_before is not None and start >= self.starts_before)

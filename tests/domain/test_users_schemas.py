"""Input rules of the users context: Vietnamese phone numbers, names, dates of birth."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from domain.shared.phone import normalize_vn_phone
from domain.users.schemas import PreferencesUpdate, ProfileUpdate


class TestPhone:
    @pytest.mark.parametrize(("raw", "stored"), [
        ("0912345678", "+84912345678"),
        ("091 234 5678", "+84912345678"),
        ("+84 91-234-5678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("0381234567", "+84381234567"),
        ("(028) 3822 1234", "+842838221234"),  # Ho Chi Minh City landline
    ])
    def test_accepted_and_stored_in_e164(self, raw: str, stored: str) -> None:
        assert normalize_vn_phone(raw) == stored

    @pytest.mark.parametrize("raw", ["", "091234567", "09123456789", "0112345678", "+1 415 555 0100",
                                     "+8491234567a", "0061234567"])
    def test_refused(self, raw: str) -> None:
        with pytest.raises(ValueError):
            normalize_vn_phone(raw)


class TestProfileUpdate:
    def test_only_sent_fields_are_set(self) -> None:
        update = ProfileUpdate.model_validate({"firstName": " Lan ", "gender": None})
        assert update.model_dump(exclude_unset=True) == {"first_name": "Lan", "gender": None}

    @pytest.mark.parametrize("born", [date.today() + timedelta(days=2), date(1899, 12, 31)])
    def test_date_of_birth_bounds(self, born: date) -> None:
        with pytest.raises(ValidationError):
            ProfileUpdate.model_validate({"dateOfBirth": born.isoformat()})

    @pytest.mark.parametrize("body", [{"email": "x@example.com"}, {"loyaltyPoints": 1},
                                      {"firstName": "a\nb"}])
    def test_refused(self, body: dict[str, object]) -> None:
        with pytest.raises(ValidationError):
            ProfileUpdate.model_validate(body)


def test_preference_lists_drop_duplicates_in_order() -> None:
    update = PreferencesUpdate.model_validate({"favoriteGenres": ["Drama", "Action", "Drama"]})
    assert update.favorite_genres == ["Drama", "Action"]

"""Pure movie rules: status from dates, search input, slugs, trending order, body validation."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from domain.movies.errors import InvalidMovieDates
from domain.movies.models import MovieStatus
from domain.movies.rules import check_dates, escape_like, normalize_query, slugify, status_on, trending_key
from domain.movies.schemas import GenreCreate, MovieCreate, MovieQuery, MovieUpdate, ReviewCreate

RELEASE, END = date(2026, 3, 1), date(2026, 4, 15)


class TestStatusOn:
    @pytest.mark.parametrize(("today", "expected"), [
        (date(2026, 2, 28), MovieStatus.COMING), (RELEASE, MovieStatus.SHOWING),
        (date(2026, 4, 1), MovieStatus.SHOWING), (END, MovieStatus.SHOWING),
        (date(2026, 4, 16), MovieStatus.ENDED)])
    def test_follows_the_dates(self, today: date, expected: MovieStatus) -> None:
        assert status_on(today, RELEASE, END) is expected

    def test_without_an_end_date_it_keeps_showing(self) -> None:
        assert status_on(date(2030, 1, 1), RELEASE, None) is MovieStatus.SHOWING


class TestDates:
    def test_end_before_release_is_refused(self) -> None:
        with pytest.raises(InvalidMovieDates) as err:
            check_dates(END, RELEASE)
        assert err.value.status_code == 422 and err.value.details[0]["field"] == "endDate"

    @pytest.mark.parametrize("end", [None, RELEASE, END])
    def test_same_day_or_later_is_fine(self, end: date | None) -> None:
        check_dates(RELEASE, end)


class TestSearchInput:
    def test_decomposed_accents_are_composed(self) -> None:
        decomposed = "La\u0323\u0302t Ma\u0323\u0306t"  # "Lật Mặt" typed with combining marks
        assert normalize_query(decomposed) == "Lật Mặt"

    def test_whitespace_is_collapsed(self) -> None:
        assert normalize_query("  dao \t  pho ") == "dao pho"

    def test_like_wildcards_are_escaped(self) -> None:
        assert escape_like(r"100%_a\b") == r"100\%\_a\\b"


class TestSlugify:
    @pytest.mark.parametrize(("name", "slug"), [
        ("Hành động", "hanh-dong"), ("Đam mê", "dam-me"), ("Tâm lý - Tình cảm", "tam-ly-tinh-cam"),
        ("Sci-Fi", "sci-fi"), ("  Hoạt hình 3D ", "hoat-hinh-3d")])
    def test_vietnamese_names(self, name: str, slug: str) -> None:
        assert slugify(name) == slug

    def test_genre_without_slug_gets_one(self) -> None:
        assert GenreCreate(name="Kinh dị").slug == "kinh-di"

    def test_genre_name_without_letters_needs_a_slug(self) -> None:
        with pytest.raises(ValidationError):
            GenreCreate(name="!!!")


class TestTrending:
    def _key(self, rating: float, count: int, sold: int = 0, released: date = RELEASE) -> Any:
        return trending_key(rating=rating, review_count=count, release_date=released, tickets_sold=sold)

    def test_many_good_reviews_beat_one_perfect_one(self) -> None:
        assert self._key(4.6, 100) > self._key(5.0, 1)

    def test_no_reviews_sit_at_the_prior(self) -> None:
        assert self._key(0.0, 0) > self._key(1.5, 20)
        assert self._key(0.0, 0) < self._key(4.0, 3)

    def test_tickets_sold_come_first(self) -> None:
        assert self._key(2.0, 1, sold=50) > self._key(5.0, 500, sold=49)

    def test_ties_go_to_more_reviews_then_newer(self) -> None:
        assert self._key(3.0, 10) > self._key(3.0, 2)
        assert self._key(0.0, 0, released=date(2026, 3, 5)) > self._key(0.0, 0)


def _movie(**fields: Any) -> dict[str, Any]:
    return {"title": "Mai", "duration": 131, "releaseDate": "2024-02-10", "language": "vi",
            "ageRating": "T18",
            **fields}


class TestMovieBodies:
    def test_minimal_create(self) -> None:
        body = MovieCreate.model_validate(_movie(country="vn", language="VI"))
        assert (body.country, body.language, body.status, body.cast) == ("VN", "vi", None, [])

    @pytest.mark.parametrize(("fields", "field"), [
        ({"title": "  "}, "title"), ({"duration": 0}, "duration"), ({"duration": 601}, "duration"),
        ({"ageRating": "R"}, "ageRating"), ({"endDate": "2024-02-09"}, "endDate"),
        ({"language": "vie"}, "language"),
        ({"posterUrl": "javascript:alert(1)"}, "posterUrl"), ({"status": "Soon"}, "status"),
        ({"rating": 5}, "rating"), ({"genreIds": ["not-a-uuid"]}, "genreIds"),
    ])
    def test_bad_create_fields(self, fields: dict[str, Any], field: str) -> None:
        with pytest.raises(ValidationError) as err:
            MovieCreate.model_validate(_movie(**fields))
        assert {str(e["loc"][0]) for e in err.value.errors()} == {field}

    @pytest.mark.parametrize("field", ["title", "duration", "releaseDate", "ageRating", "genreIds", "cast"])
    def test_update_may_leave_out_but_not_null(self, field: str) -> None:
        assert MovieUpdate.model_validate({}).model_dump(exclude_unset=True) == {}
        with pytest.raises(ValidationError):
            MovieUpdate.model_validate({field: None})

    def test_update_may_clear_optional_fields(self) -> None:
        update = MovieUpdate.model_validate({"endDate": None, "posterUrl": None, "originalTitle": None})
        assert update.model_dump(exclude_unset=True) == {"end_date": None, "poster_url": None,
                                                         "original_title": None}

    @pytest.mark.parametrize("rating", [0, 6, 3.5, "five"])
    def test_review_stars_are_whole_one_to_five(self, rating: Any) -> None:
        with pytest.raises(ValidationError):
            ReviewCreate.model_validate({"rating": rating})

    def test_blank_search_is_no_search(self) -> None:
        assert MovieQuery.model_validate({"q": "   "}).q is None

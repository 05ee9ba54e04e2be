"""Pure auth rules: roles order, password policy, tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.auth.passwords import hash_password, password_problem, verify_password
from domain.auth.tokens import decode_access_token, hash_secret, issue_access_token, new_secret
from domain.shared.errors import Unauthorized
from domain.shared.roles import Role

SECRET = "unit-secret-0123456789abcdef0123456789abcdef"


class TestRoles:
    def test_each_role_includes_the_ones_below(self) -> None:
        assert Role.ADMIN.at_least(Role.MANAGER) and Role.MANAGER.at_least(Role.STAFF)
        assert Role.STAFF.at_least(Role.CUSTOMER) and Role.CUSTOMER.at_least(Role.CUSTOMER)

    def test_lower_roles_do_not_reach_higher_ones(self) -> None:
        assert not Role.CUSTOMER.at_least(Role.STAFF)
        assert not Role.MANAGER.at_least(Role.ADMIN)


class TestPasswords:
    @pytest.mark.parametrize("password", ["short1!", "onlyletters", "1234567890", "x" * 129])
    def test_weak_passwords_are_refused_with_a_reason(self, password: str) -> None:
        assert password_problem(password)

    def test_good_password_is_accepted_and_verifies(self) -> None:
        assert password_problem("Rạp-phim-2026") is None
        hashed = hash_password("Rạp-phim-2026")
        assert hashed.startswith("$argon2id$")
        assert verify_password(hashed, "Rạp-phim-2026") and not verify_password(hashed, "rạp-phim-2026")

    def test_garbage_hash_does_not_verify(self) -> None:
        assert not verify_password("not-a-hash", "whatever")


class TestAccessTokens:
    now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)

    def _issue(self, **kw: object) -> str:
        token, _ = issue_access_token(user_id=uuid.UUID(int=7), role=Role.STAFF, secret=SECRET, issuer="cinema",
                                      now=kw.get("now", datetime.now(UTC)),  # type: ignore[arg-type]
                                      ttl=timedelta(minutes=15))
        return token

    def test_round_trip(self) -> None:
        claims = decode_access_token(self._issue(), secret=SECRET, issuer="cinema")
        assert claims.user_id == uuid.UUID(int=7) and claims.role is Role.STAFF

    def test_expired(self) -> None:
        with pytest.raises(Unauthorized, match="expired"):
            decode_access_token(self._issue(now=self.now), secret=SECRET, issuer="cinema")

    def test_other_issuer_or_secret(self) -> None:
        with pytest.raises(Unauthorized):
            decode_access_token(self._issue(), secret=SECRET, issuer="someone-else")
        with pytest.raises(Unauthorized):
            decode_access_token(self._issue(), secret=SECRET[::-1], issuer="cinema")


def test_secrets_are_random_and_only_hashes_are_kept() -> None:
    a, b = new_secret(), new_secret()
    assert a != b and len(a) >= 40
    assert hash_secret(a) == hash_secret(a) and hash_secret(a) != a and len(hash_secret(a)) == 64

"""Request and response bodies of the auth routes (camelCase JSON)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import EmailStr, Field, field_validator

from domain.auth.passwords import password_problem
from domain.shared.roles import Role
from domain.shared.schemas import ApiModel


def _strong(password: str) -> str:
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    return password


class RegisterRequest(ApiModel):
    email: EmailStr
    password: str = Field(max_length=128)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)

    _password_rule = field_validator("password")(_strong)


class LoginRequest(ApiModel):
    email: EmailStr
    password: str = Field(min_length=1, max_length=128)


class RefreshRequest(ApiModel):
    refresh_token: str = Field(min_length=10, max_length=200)


class LogoutRequest(ApiModel):
    refresh_token: str | None = Field(default=None, max_length=200)


class ForgotPasswordRequest(ApiModel):
    email: EmailStr


class ResetPasswordRequest(ApiModel):
    token: str = Field(min_length=10, max_length=200)
    new_password: str = Field(max_length=128)

    _password_rule = field_validator("new_password")(_strong)


class VerifyEmailRequest(ApiModel):
    token: str = Field(min_length=10, max_length=200)


class AccountPublic(ApiModel):
    id: uuid.UUID
    email: str
    role: Role
    email_verified: bool


class TokenResponse(ApiModel):
    access_token: str
    token_type: str = "Bearer"
    expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    user: AccountPublic


class Message(ApiModel):
    message: str

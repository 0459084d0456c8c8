"""Bodies for signing in, users, and API tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from pixelwise.api.schemas.common import RequestBody, ResponseBody
from pixelwise.domain.permissions import OrgRole


class LoginIn(RequestBody):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class UserOut(ResponseBody):
    id: int
    email: str
    name: str
    org_role: OrgRole
    is_active: bool
    created_at: datetime


class LoginOut(ResponseBody):
    user: UserOut
    csrf_token: str = Field(description="Send in the X-CSRF-Token header on unsafe requests.")
    expires_at: datetime


class UserCreateIn(RequestBody):
    email: str = Field(max_length=320)
    password: str = Field(min_length=8, max_length=1024)
    name: str = Field("", max_length=200)
    org_role: OrgRole = OrgRole.MEMBER


class UserUpdateIn(RequestBody):
    name: str | None = Field(None, max_length=200)
    org_role: OrgRole | None = None
    is_active: bool | None = None
    password: str | None = Field(None, min_length=8, max_length=1024)


class MeUpdateIn(RequestBody):
    name: str | None = Field(None, max_length=200)
    password: str | None = Field(None, min_length=8, max_length=1024)
    current_password: str | None = Field(None, max_length=1024)


class TokenCreateIn(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    expires_in_days: int | None = Field(None, ge=1, le=3650)


class TokenOut(ResponseBody):
    id: int
    name: str
    prefix: str = Field(description="First characters of the token, to recognise it.")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(ResponseBody):
    token: str = Field(description="The secret; shown this once, keep it safe.")
    info: TokenOut

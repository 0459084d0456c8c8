"""Password hashing with argon2id (argon2-cffi); cost taken from settings."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pixelwise.domain.errors import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 1024


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)


def check_strength(password: str) -> None:
    """InvalidInput for a password too short or too long to accept."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            f"The password must have at least {MIN_LENGTH} characters.", field="password"
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInput(
            f"The password must have at most {MAX_LENGTH} characters.", field="password"
        )


def hash_password(password: str, *, time_cost: int, memory_kib: int) -> str:
    return str(_hasher(time_cost, memory_kib).hash(password))


def verify_password(stored: str | None, password: str, *, time_cost: int, memory_kib: int) -> bool:
    """True when `password` matches; a missing or unreadable hash never matches."""
    if not stored:
        # Spend the same time as a real check so response time does not reveal the account.
        _hasher(time_cost, memory_kib).hash(password)
        return False
    try:
        return bool(_hasher(time_cost, memory_kib).verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False

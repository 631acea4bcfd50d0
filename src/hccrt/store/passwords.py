"""Password hashing (argon2id) and the password rule.

A password has at least :data:`MIN_PASSWORD_LENGTH` characters and must not be a common one:
it is refused when it is among the 30 000 most common passwords of the list that zxcvbn ships
(MIT licence) or when zxcvbn scores it below 3 of 4 ("safely unguessable" needs 3), which
catches a common word with a year or a keyboard walk. The check runs when a password is set,
never at sign-in.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from hccrt.errors import InputError

MIN_PASSWORD_LENGTH = 12
MIN_ZXCVBN_SCORE = 3
PASSWORD_PROFILES = {
    "rfc9106-low-memory": profiles.RFC_9106_LOW_MEMORY,
    "cheapest-for-tests": profiles.CHEAPEST,
}
_state: dict[str, PasswordHasher] = {
    "hasher": PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
}


def use_password_profile(name: str) -> None:
    """Choose the argon2 parameters for new hashes (default ``rfc9106-low-memory``).

    ``cheapest-for-tests`` exists only to keep test suites fast. Stored hashes carry their own
    parameters, so changing the profile never locks anyone out.
    """
    if name not in PASSWORD_PROFILES:
        raise InputError("password profile", "unknown", name, f"use {', '.join(PASSWORD_PROFILES)}")
    _state["hasher"] = PasswordHasher.from_parameters(PASSWORD_PROFILES[name])
    _dummy_hash.cache_clear()


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password_rule(password: str, context: tuple[str, ...] = ()) -> None:
    """Refuse a short or common password.

    Parameters
    ----------
    password
        The new password.
    context
        Words the password must not be built from (the user name).

    Raises
    ------
    InputError
        Shorter than :data:`MIN_PASSWORD_LENGTH`, in the common-password list, or scored below
        :data:`MIN_ZXCVBN_SCORE` by zxcvbn. The message never shows the password.
    """
    fix = "choose a longer passphrase of several unrelated words"
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            "password", f"shorter than {MIN_PASSWORD_LENGTH} characters", "(hidden)", fix
        )
    if password.casefold() in _common_passwords():
        raise InputError("password", "is a commonly used password", "(hidden)", fix)
    if zxcvbn(password[:100], user_inputs=list(context))["score"] < MIN_ZXCVBN_SCORE:
        raise InputError(
            "password", "easy to guess (a common word, name, date or pattern)", "(hidden)", fix
        )


def hash_password(password: str, context: tuple[str, ...] = ()) -> str:
    """argon2id hash of a password that passes :func:`check_password_rule`."""
    check_password_rule(password, context)
    return _state["hasher"].hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches the stored hash."""
    try:
        return _state["hasher"].verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return _state["hasher"].hash("no account has this password: hccrt timing equaliser")


def verify_against_nobody(password: str) -> bool:
    """Spend the time of one real verification and fail (unknown or inactive user name), so
    that the response time does not tell which user names exist."""
    verify_password(_dummy_hash(), password)
    return False

"""User names that cannot pass for one another.

A user name is 3-64 letters, digits, ``.``, ``_`` or ``-`` of one script (no Cyrillic ``а``
among Latin letters), and its *key* -- Unicode NFKC, case-folded, every character replaced by
its Latin look-alike from the Unicode confusables table (confusable-homoglyphs) -- must differ
from every other account's key, so neither ``Admin`` nor an all-Cyrillic ``аdmіn`` can be
created beside ``admin``.
"""

from __future__ import annotations

import unicodedata

from confusable_homoglyphs import confusables

from hccrt.errors import InputError

_FIX = "choose another user name"


def _latin_lookalike(char: str) -> str:
    if char.isascii():
        return char
    found = confusables.is_confusable(char, greedy=True, preferred_aliases=["latin"])
    for entry in found or ():
        for glyph in entry["homoglyphs"]:
            if glyph["c"].isascii():
                return str(glyph["c"]).casefold()
    return char


def name_key(username: str) -> str:
    """The comparison key of a user name (NFKC, case-folded, Latin look-alikes)."""
    folded = unicodedata.normalize("NFKC", username).casefold()
    return "".join(_latin_lookalike(c) for c in folded)


def check_username(username: str, existing: list[str]) -> None:
    """Refuse a malformed, mixed-script or look-alike user name.

    Parameters
    ----------
    username
        The new name.
    existing
        The names of all accounts.

    Raises
    ------
    InputError
        Wrong length or characters, several scripts, or the same key as an existing name.
    """
    if (
        not (3 <= len(username) <= 64)
        or not all(c.isalnum() or c in "._-" for c in username)
        or unicodedata.normalize("NFKC", username) != username
    ):
        raise InputError(
            "username", "must be 3-64 letters, digits, '.', '_' or '-'", username, _FIX
        )
    if confusables.is_mixed_script(username, allowed_aliases=["COMMON"]):
        raise InputError("username", "mixes letters of several scripts", username, _FIX)
    key = name_key(username)
    for other in existing:
        if other == username:
            raise InputError("username", "already exists", username, _FIX)
        if name_key(other) == key:
            raise InputError("username", f"looks like the existing {other!r}", username, _FIX)

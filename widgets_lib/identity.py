"""Learner codes: issue, normalise, check and hash.

A code is the only key to a learner's work, so it is a secret: random, long
enough not to be guessed, stored only as a hash, and easy to copy by hand
(no 0/O, 1/I/L, 2/Z, 5/S look-alikes).
"""

from __future__ import annotations

import hashlib
import secrets
from urllib.parse import parse_qs

ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 12
_GROUP = 4


class CodeError(ValueError):
    """A code that cannot be one of ours; the message is for the learner."""


def new_code() -> str:
    """A fresh code such as ``K7PM-3XQA-9TRE`` (about 57 bits of randomness)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return format_code(raw)


def format_code(raw: str) -> str:
    """Group a normalised code in fours for reading aloud and copying."""
    return "-".join(raw[i : i + _GROUP] for i in range(0, len(raw), _GROUP))


def normalise_code(text: str) -> str:
    """Turn what a learner typed into the canonical code, or raise :class:`CodeError`.

    Spaces, dashes and case do not matter.
    """
    if text is None:
        raise CodeError("Please type your learner code.")
    cleaned = "".join(ch for ch in str(text).upper() if ch not in " -_\t\r\n")
    if not cleaned:
        raise CodeError("Please type your learner code.")
    if len(cleaned) != CODE_LENGTH:
        raise CodeError(
            f"A learner code has {CODE_LENGTH} letters and digits (like K7PM-3XQA-9TRE); "
            f"this one has {len(cleaned)}."
        )
    bad = sorted({ch for ch in cleaned if ch not in ALPHABET})
    if bad:
        raise CodeError(
            "A learner code never contains " + ", ".join(repr(ch) for ch in bad) + ". Please check it."
        )
    return format_code(cleaned)


def code_key(code: str) -> str:
    """The stored identifier of a learner who signs in with ``code``."""
    return _hash("code", normalise_code(code))


def hub_key(username: str) -> str:
    """The stored identifier of a JupyterHub user."""
    return _hash("hub", username)


def _hash(kind: str, value: str) -> str:
    return hashlib.sha256(f"course-learner:{kind}:{value}".encode()).hexdigest()


def code_from_query(query_string: str | None) -> str | None:
    """The raw ``learner`` value of a page's query string, if any."""
    if not query_string:
        return None
    values = parse_qs(query_string.lstrip("?")).get("learner")
    return values[0] if values else None

"""Learner codes: issue, normalise, check and hash.

A code is the only key to a learner's work, so it is a secret: random, long
enough not to be guessed, stored only as a keyed hash (HMAC under the server's
secret, :mod:`widgets_lib.secret`: a copy of the database cannot check a guess),
and easy to copy by hand (no 0/O, 1/I/L, 2/Z, 5/S look-alikes).

Databases made before the keyed hash hold unkeyed SHA-256 forms (``legacy_*``): the store
rewrites a row to the keyed form the first time its code is used (:meth:`Store.find_learner`).
"""

from __future__ import annotations

import hashlib
import secrets
from urllib.parse import parse_qs

from . import CourseError
from .secret import keyed_hash

ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 12
_GROUP = 4


class CodeError(CourseError):
    """A code that cannot be one of ours; the message is for the learner."""


def new_code() -> str:
    """A fresh code such as ``K7PM-3XQA-9TRE`` (about 57 bits of randomness)."""
    return _fresh(CODE_LENGTH)


def format_code(raw: str) -> str:
    """Group a normalised code in fours for reading aloud and copying."""
    return "-".join(raw[i : i + _GROUP] for i in range(0, len(raw), _GROUP))


def normalise_code(text: str) -> str:
    """Turn what a learner typed into the canonical code, or raise :class:`CodeError`.

    Spaces, dashes and case do not matter.
    """
    return _normalise(text, CODE_LENGTH, "learner code", "K7PM-3XQA-9TRE")


def _normalise(text: str | None, length: int, what: str, example: str) -> str:
    cleaned = "".join(ch for ch in str(text or "").upper() if ch not in " -_\t\r\n")
    if not cleaned:
        raise CodeError(f"Please type your {what}.")
    if len(cleaned) != length:
        raise CodeError(
            f"A {what} has {length} letters and digits (like {example}); this one has {len(cleaned)}."
        )
    bad = sorted({ch for ch in cleaned if ch not in ALPHABET})
    if bad:
        raise CodeError(
            f"A {what} never contains " + ", ".join(repr(ch) for ch in bad) + ". Please check it."
        )
    return format_code(cleaned)


# -- cohorts ------------------------------------------------------------------------
# A join code is handed to a whole cohort: knowing it only lets someone add their own work
# to that cohort. A tutor key opens the cohort's dashboard, so it is long and kept secret.
JOIN_LENGTH = 8
TUTOR_KEY_LENGTH = 20


def _fresh(length: int) -> str:
    return format_code("".join(secrets.choice(ALPHABET) for _ in range(length)))


def new_join_code() -> str:
    """A cohort's join code such as ``HX4M-9QTA`` (about 38 bits)."""
    return _fresh(JOIN_LENGTH)


def new_tutor_key() -> str:
    """A tutor key such as ``K7PM-3XQA-9TRE-MW4C-HJ8N`` (about 95 bits)."""
    return _fresh(TUTOR_KEY_LENGTH)


def normalise_join_code(text: str) -> str:
    return _normalise(text, JOIN_LENGTH, "cohort join code", "HX4M-9QTA")


def normalise_tutor_key(text: str) -> str:
    return _normalise(text, TUTOR_KEY_LENGTH, "tutor key", "K7PM-3XQA-9TRE-MW4C-HJ8N")


def join_key(code: str) -> str:
    """The stored form of a join code (the code itself is never stored)."""
    return keyed_hash("join", normalise_join_code(code))


def tutor_key_hash(key: str) -> str:
    """The stored form of a tutor key."""
    return keyed_hash("tutor", normalise_tutor_key(key))


def legacy_tutor_key_hash(key: str) -> str:
    """A tutor key's stored form before keyed hashes, to find and rewrite an old cohort."""
    return _hash("tutor", normalise_tutor_key(key))


def code_key(code: str) -> str:
    """The stored identifier of a learner who signs in with ``code``."""
    return keyed_hash("learner", normalise_code(code))


def legacy_code_key(code: str) -> str:
    """A learner's identifier before keyed hashes, to find and rewrite an old learner."""
    return _hash("code", normalise_code(code))


def hub_key(username: str) -> str:
    """The stored identifier of a JupyterHub user (a user name is not a secret: no key needed)."""
    return _hash("hub", username)


def _hash(kind: str, value: str) -> str:
    return hashlib.sha256(f"course-learner:{kind}:{value}".encode()).hexdigest()


def code_from_query(query_string: str | None, name: str = "learner") -> str | None:
    """The raw value of ``name`` (``learner``, ``cohort``, ``key``) in a page's query string, if any."""
    if not query_string:
        return None
    values = parse_qs(query_string.lstrip("?")).get(name)
    return values[0] if values else None

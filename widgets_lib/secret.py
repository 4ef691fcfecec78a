"""The server's secret: the key of every keyed hash the course stores or compares.

Codes (learner codes, join codes, tutor keys) and visitors' addresses are kept only as keyed
hashes (HMAC-SHA256) under this secret, so a copy of the database alone is worth nothing: a guess
cannot be checked without the secret, which never enters the database.

Where it comes from, first found:

* ``COURSE_SECRET``: the secret itself (at least 32 characters), for deployments that hand out
  secrets through the environment (every kernel and the server must see the same value);
* ``COURSE_SECRET_FILE``: a file holding it;
* otherwise ``secret.key`` in the per-user configuration folder, created on first use with 32
  random bytes, readable by its owner only.

Losing the secret makes every stored code unusable: back it up with the database, but not in the
same place (README, "Security").
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from functools import lru_cache
from pathlib import Path

from widgets_lib import CourseError

MIN_CHARS = 32
_BYTES = 32


def secret_path() -> Path:
    """The file the secret is read from (and created in when it does not exist)."""
    named = os.environ.get("COURSE_SECRET_FILE")
    if named:
        return Path(named)
    from platformdirs import user_config_dir

    return Path(user_config_dir("school-capacity-course", appauthor=False)) / "secret.key"


def _read_or_create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # O_EXCL: of two processes starting at once, one creates and both read the same bytes
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(_BYTES) + "\n")
    for _ in range(50):  # the creator may not have written it yet
        text = path.read_text(encoding="utf-8").strip()
        if text:
            break
        time.sleep(0.02)
    if len(text) < MIN_CHARS:
        raise CourseError(f"The course's secret in {path} is shorter than {MIN_CHARS} characters.")
    return text.encode("utf-8")


@lru_cache(maxsize=1)
def server_secret() -> bytes:
    """The secret's bytes (read once per process)."""
    given = os.environ.get("COURSE_SECRET")
    if given is not None:
        if len(given.strip()) < MIN_CHARS:
            raise CourseError(f"COURSE_SECRET must be at least {MIN_CHARS} characters long.")
        return given.strip().encode("utf-8")
    return _read_or_create(secret_path())


def keyed_hash(purpose: str, text: str) -> str:
    """HMAC-SHA256 of ``text`` under the server's secret, hex; ``purpose`` ("learner", "join",
    "tutor", "client"...) keeps the hashes of different kinds of thing apart."""
    message = f"{purpose}\x00{text}".encode()
    return hmac.new(server_secret(), message, hashlib.sha256).hexdigest()

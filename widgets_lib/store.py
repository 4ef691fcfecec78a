"""The course's one store: learners, their answers and the history of every answer.

``COURSE_DB_URL`` chooses the database: by default an SQLite file in the
user's data directory (outside the repository), or ``postgresql://…`` for
many users. Every save is one small transaction that updates the current
answer and appends a revision, so nothing a learner typed is ever lost.

A revision is stored as the change from the answer's previous revision when that is much
smaller than the value (a network of 1,000 schools is over 600 KB; one edit of it changes a few
lines), with a full copy first and at least every ``FULL_EVERY``-th revision, so reading one
back takes a bounded number of rows. See :func:`_lines` for the change's format.

SQLite: WAL journal, ``BEGIN IMMEDIATE`` for every write and a busy timeout,
no pooling inside kernels (plain ``BEGIN`` fails most writes under concurrency:
tests/reliability/test_store_concurrency.py).
"""

from __future__ import annotations

import contextlib
import difflib
import json
import logging
import os
import time
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.pool import NullPool

from . import CourseError

if TYPE_CHECKING:
    from .survey import Survey
    from .throttle import Tally

metadata = sa.MetaData()

learners = sa.Table(
    "learners",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True, comment="hash of the code or hub user"),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
)

answers = sa.Table(
    "answers",
    metadata,
    sa.Column("learner_id", sa.String(64), sa.ForeignKey("learners.id"), primary_key=True),
    sa.Column("activity", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
    sa.Column(
        "rev",
        sa.Integer,
        nullable=False,
        server_default="1",
        comment="1 when first saved, one more at every save: what a page saw, to compare on save",
    ),
)

revisions = sa.Table(
    "revisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("learner_id", sa.String(64), sa.ForeignKey("learners.id"), nullable=False),
    sa.Column("activity", sa.String(64), nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("saved_at", sa.String(32), nullable=False),
    sa.Column(
        "kind",
        sa.String(8),
        nullable=False,
        server_default="full",
        comment="full: value is the answer's JSON text; delta: the change from the previous revision",
    ),
    sa.Index("ix_revisions_learner", "learner_id", "activity", "key"),
)

# Cohorts (issue 5): a tutor's group. Codes and keys are stored only as hashes.
cohorts = sa.Table(
    "cohorts",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column(
        "join_code",
        sa.String(16),
        nullable=False,
        comment="empty: a join code is stored only as join_key (older databases held it here, "
        "rehashed when the store opens)",
    ),
    sa.Column("join_key", sa.String(64), nullable=False, unique=True),
    sa.Column("tutor_key", sa.String(64), nullable=False, unique=True),
    sa.Column(
        "owner",
        sa.String(64),
        nullable=True,
        comment="hub key of the tutor who made it, under JupyterHub",
    ),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("closed_at", sa.String(32), nullable=True),
)

memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column("learner_id", sa.String(64), sa.ForeignKey("learners.id"), primary_key=True),
    sa.Column("cohort_id", sa.String(16), sa.ForeignKey("cohorts.id"), nullable=False, index=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("share_reflections", sa.Boolean, nullable=False),
    sa.Column("joined_at", sa.String(32), nullable=False),
)

merges = sa.Table(
    "merges",
    metadata,
    sa.Column("cohort_id", sa.String(16), sa.ForeignKey("cohorts.id"), primary_key=True),
    sa.Column("spelling", sa.String(200), primary_key=True),
    sa.Column("same_as", sa.String(200), nullable=False),
)

# What each learner's saved work takes (issue 15: one visitor filled the disk), kept up to date by
# every save so the quota is checked without adding up a learner's rows each time. A learner
# without a row (saved before this table) is counted once, on their next save.
usage = sa.Table(
    "usage",
    metadata,
    sa.Column("learner_id", sa.String(64), sa.ForeignKey("learners.id"), primary_key=True),
    sa.Column("answer_bytes", sa.BigInteger, nullable=False, comment="UTF-8 bytes of answers"),
    sa.Column("history_bytes", sa.BigInteger, nullable=False, comment="bytes of revisions"),
    sa.Column("history_rows", sa.Integer, nullable=False),
)

# Recent wrong guesses of codes by one visitor (widgets_lib.throttle): keyed by a keyed hash of the
# kind of code and the visitor, so the table names nobody; rows are forgotten after a quiet period.
guesses = sa.Table(
    "guesses",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure", sa.Float, nullable=False, comment="epoch seconds"),
    sa.Column("next_at", sa.Float, nullable=False, comment="no guess is answered before this"),
)

# Survey links a learner sent to partner schools, and the answers that came back
# (widgets_lib.survey). A link's token is stored only as a keyed hash; an answer is a partner's JSON.
surveys = sa.Table(
    "surveys",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "learner_id", sa.String(64), sa.ForeignKey("learners.id"), nullable=False, index=True
    ),
    sa.Column("token_key", sa.String(64), nullable=False, unique=True),
    sa.Column("schools", sa.Text, nullable=False, comment="JSON list of the names it asks about"),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("expires_at", sa.String(32), nullable=False),
    sa.Column("revoked_at", sa.String(32), nullable=True),
)

survey_responses = sa.Table(
    "survey_responses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("survey_id", sa.String(32), sa.ForeignKey("surveys.id"), nullable=False, index=True),
    sa.Column("visitor", sa.String(64), nullable=False, comment="keyed hash of survey and address"),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("received_at", sa.String(32), nullable=False),
)

# Columns added since the first version, for databases made before them: (table, column, SQL definition).
ADDED_COLUMNS = (
    ("answers", "rev", "INTEGER NOT NULL DEFAULT 1"),
    ("revisions", "kind", "VARCHAR(8) NOT NULL DEFAULT 'full'"),
)

BUSY_TIMEOUT_S = 30
FULL, DELTA = "full", "delta"
FULL_EVERY = 50  # a full copy at least every 50th revision of an answer: reading one back reads at most 50 rows
DELTA_MIN_CHARS = (
    1024  # a smaller value is stored whole: its change would save a few hundred bytes at most
)
LINE_WIDTH = 200  # an array or object longer than this (as compact JSON) gets one line per item: never change
LINE_DEPTH = 20  # nor this: an array or object nested deeper stays on one line, so laying out never recurses far
log = logging.getLogger("widgets_lib")


class StoreError(RuntimeError):
    """The database could not be reached or written; the message is for the learner."""


class QuotaError(CourseError):
    """A save refused because the learner's saved work would pass the course's quota; nothing of
    it was written and everything saved before is kept. The message says what to do."""


def _megabytes(name: str, default: float) -> int:
    """A quota in bytes from the environment variable ``name`` (megabytes, decimals allowed)."""
    text = os.environ.get(name, "").strip()
    try:
        value = float(text) if text else default
    except ValueError:
        log.warning("%s=%r is not a number of megabytes; using %s", name, text, default)
        value = default
    return int(value * 1_000_000)


@dataclass(frozen=True)
class Quota:
    """How much one learner may keep (see the README's settings): the current answers, and the
    history of revisions, in bytes and in rows. A 1,000-school network is about 700 KB.

    The answers' limit is firm: a save that would pass it is refused with :class:`QuotaError`.
    The history's is kept by thinning: when a save would pass it, the learner's oldest
    revisions are deleted (whole runs from a full copy to the next, never the latest run of an
    answer, so every answer's recent history still reads back) until the history is under
    ``THIN_TO`` of the limit. Being able to go on saving matters more than the oldest versions of
    an answer; only when the latest runs alone fill the history is a save refused.
    """

    answer_bytes: int = 25_000_000
    history_bytes: int = 50_000_000
    history_rows: int = 50_000

    @classmethod
    def from_env(cls) -> Quota:
        rows = os.environ.get("COURSE_QUOTA_HISTORY_ROWS", "").strip()
        return cls(
            answer_bytes=_megabytes("COURSE_QUOTA_ANSWERS_MB", cls.answer_bytes / 1e6),
            history_bytes=_megabytes("COURSE_QUOTA_HISTORY_MB", cls.history_bytes / 1e6),
            history_rows=int(rows) if rows.isdigit() else cls.history_rows,
        )


THIN_TO = 0.8  # thinning leaves the history at 80% of its limit, so it happens now and then


class SaveConflict(StoreError):
    """The answer was saved elsewhere (another tab or computer) since this page loaded it: not overwritten."""

    def __init__(self, stored_rev: int) -> None:
        super().__init__(
            "this work was changed in another tab or on another computer, so this was not saved."
        )
        self.stored_rev = stored_rev


@dataclass(frozen=True)
class Saved:
    """One current answer: its value, its revision number (0: never saved) and when it was saved."""

    value: Any
    rev: int
    saved_at: str


@dataclass(frozen=True)
class Revision:
    value: Any
    saved_at: str


@dataclass(frozen=True)
class Cohort:
    id: str
    name: str
    join_code: str = field(compare=False)  # "" once stored: only the cohort just made knows it
    owner: str | None
    created_at: str
    closed_at: str | None

    @property
    def open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class Membership:
    learner_id: str
    cohort_id: str
    display_name: str
    share_reflections: bool
    joined_at: str


def values_and_times(
    saved: dict[str, dict[str, Saved]],
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Answers by activity and key, and when each activity last changed."""
    values = {
        activity: {key: answer.value for key, answer in keys.items()}
        for activity, keys in saved.items()
    }
    updated = {
        activity: max(answer.saved_at for answer in keys.values())
        for activity, keys in saved.items()
    }
    return values, updated


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def default_url() -> str:
    """``COURSE_DB_URL``, or an SQLite file in the per-user data directory."""
    url = os.environ.get("COURSE_DB_URL")
    if url:
        return url
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("school-capacity-course", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'course.db'}"


def _make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, poolclass=NullPool, connect_args={"timeout": BUSY_TIMEOUT_S})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute(
                "PRAGMA secure_delete = ON"
            )  # deleted text is overwritten, not left in free pages
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):  # pragma: no cover - exercised by every test
            # Reads stay deferred: with WAL a writer's lock must never block them.
            reading = conn.get_execution_options().get("course_read", False)
            conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return sa.create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=2)


def _upsert(dialect: str):
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:  # pragma: no cover - only the two documented databases are supported
        raise StoreError(f"Unsupported database: {dialect}")
    return insert


# -- revisions stored as changes ----------------------------------------------------------------------
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_recent_layouts: tuple[tuple[str, list[str]], ...] = ()  # see _lines_of


def _lines(value: Any, depth: int = 0) -> list[str]:
    """``value`` as JSON text cut into lines, the unit a change is made of.

    An array or object whose compact JSON is longer than ``LINE_WIDTH`` gets one line per item
    (keys in the order they come), recursively down to ``LINE_DEPTH``; anything shorter is one
    line. So each school or link of a network is one line and an edit changes a few lines, while
    a long text stays whole. Joined with newlines, the lines are JSON again, that parses to ``value``.

    Part of the stored format: a change is read back against the lines computed now from the
    revision before it, so this layout, ``LINE_WIDTH`` and ``LINE_DEPTH`` must never change; a new
    layout needs a new kind of revision.
    """
    if not isinstance(value, (dict, list)) or depth == LINE_DEPTH:
        return [_compact(value)]
    if 2 * len(value) <= LINE_WIDTH:  # else it cannot fit: do not encode it all for nothing
        line = _compact(value)
        if len(line) <= LINE_WIDTH:
            return [line]
    if isinstance(value, dict):
        opening, closing = "{", "}"
        items = [_keyed(key, _lines(item, depth + 1)) for key, item in value.items()]
    else:
        opening, closing = "[", "]"
        items = [_lines(item, depth + 1) for item in value]
    lines = [opening]
    for number, item in enumerate(items):
        lines += [*item[:-1], item[-1] + ("," if number < len(items) - 1 else "")]
    return [*lines, closing]


def _keyed(key: str, lines: list[str]) -> list[str]:
    return [_compact(key) + ":" + lines[0], *lines[1:]]


def _lines_of(text: str) -> list[str]:
    """:func:`_lines` of a JSON text. The last two are kept: a save lays out its value before it
    takes the write lock, and the next save of the answer starts from it (laying out a network of
    1,000 schools takes tens of milliseconds). The lists kept are never changed."""
    global _recent_layouts
    for seen, lines in _recent_layouts:
        if seen == text:
            return lines
    lines = _lines(json.loads(text))
    _recent_layouts = (*_recent_layouts[-1:], (text, lines))
    return lines


def _change(old_text: str, new_text: str) -> str:
    """The change from one JSON text to another, as compact JSON: a list of steps over the old
    text's :func:`_lines`, in order: ``n > 0`` copies the next n lines, ``-n`` skips n lines and
    a string is a new line. Lines the two share at both ends are counted first (cheap), and
    difflib compares the rest, so the same two values always give the same change."""
    old, new = _lines_of(old_text), _lines_of(new_text)
    start, end = _shared_ends(old, new)
    matcher = difflib.SequenceMatcher(
        None, old[start : len(old) - end], new[start : len(new) - end]
    )
    steps: list[int | str] = [start]
    for tag, old_from, old_to, new_from, new_to in matcher.get_opcodes():
        if tag == "equal":
            steps.append(old_to - old_from)
            continue
        if old_to > old_from:
            steps.append(old_from - old_to)
        steps.extend(new[start + new_from : start + new_to])
    steps.append(end)
    return _compact([step for step in steps if step != 0])


def _shared_ends(old: list[str], new: list[str]) -> tuple[int, int]:
    """How many lines the two share at their start, and then at their end."""
    most = min(len(old), len(new))
    start = 0
    while start < most and old[start] == new[start]:
        start += 1
    end = 0
    while end < most - start and old[-1 - end] == new[-1 - end]:
        end += 1
    return start, end


def _patched(old: list[str], change: str) -> list[str]:
    """The lines of a revision from those of the one before and :func:`_change`'s text; a change
    that does not fit those lines exactly (the wrong revision before it) raises ValueError."""
    lines: list[str] = []
    at = 0
    for step in json.loads(change):
        if isinstance(step, str):
            lines.append(step)
            continue
        if type(step) is not int or step == 0 or at + abs(step) > len(old):
            raise ValueError(f"a step that does not fit the revision before it: {step!r}")
        if step > 0:
            lines += old[at : at + step]
        at += abs(step)
    if at != len(old):
        raise ValueError("the change ends before the revision before it does")
    return lines


def _revision_text(
    conn: sa.Connection, answer: tuple[str, str, str], previous: str | None, text: str
) -> tuple[str, str]:
    """The kind and the text of a new revision whose value is ``text``: the change from
    ``previous`` (the answer's latest revision) when that is at most half as long, else a copy.

    A copy when the value is small, when the answer has no revision (a database from before
    revisions, or nothing before) or when the last ``FULL_EVERY - 1`` revisions are changes.
    """
    if previous is None or len(text) < DELTA_MIN_CHARS:
        return FULL, text
    learner_id, activity, key = answer
    kinds = (
        conn.execute(
            sa.select(revisions.c.kind)
            .where(
                revisions.c.learner_id == learner_id,
                revisions.c.activity == activity,
                revisions.c.key == key,
            )
            .order_by(revisions.c.id.desc())
            .limit(FULL_EVERY - 1)
        )
        .scalars()
        .all()
    )
    copy_due = len(kinds) == FULL_EVERY - 1 and all(kind == DELTA for kind in kinds)
    if not kinds or copy_due:
        return FULL, text
    change = _change(previous, text)
    return (DELTA, change) if 2 * len(change) <= len(text) else (FULL, text)


class _Rebuild:
    """Saved values from revision rows read in the order they were written.

    Call it with each row's answer (anything that tells answers apart), kind and stored text:
    a change is applied to the lines of the same answer's previous revision.
    """

    def __init__(self) -> None:
        self._previous: dict[
            Hashable, str | list[str]
        ] = {}  # the text, or lines once a change needed them

    def __call__(self, answer: Hashable, kind: str, stored: str) -> Any:
        if kind != DELTA:
            self._previous[answer] = stored
            return json.loads(stored)
        before = self._previous.get(answer)
        try:
            if before is None:
                raise ValueError("a change without the revision before it")
            lines = _patched(
                before if isinstance(before, list) else _lines(json.loads(before)), stored
            )
            value = json.loads("\n".join(lines))
        except (ValueError, TypeError) as exc:
            log.error("revision history of %r could not be rebuilt: %s", answer, exc)
            raise StoreError(
                "Part of the history of this work is damaged, so it could not be read back."
            ) from exc
        self._previous[answer] = lines
        return value


def _school_names(value: Any) -> list[str]:
    """The school names in a saved value that is a network (``record.network_to_value``)."""
    schools = value.get("schools") if isinstance(value, dict) else None
    if not isinstance(schools, list):
        return []
    return [s["name"] for s in schools if isinstance(s, dict) and isinstance(s.get("name"), str)]


@dataclass
class Usage:
    """What one learner's saved work takes: bytes of current answers, bytes and rows of history."""

    answer_bytes: int
    history_bytes: int
    history_rows: int

    def add(self, answer_bytes: int, history_bytes: int, history_rows: int) -> None:
        self.answer_bytes += answer_bytes
        self.history_bytes += history_bytes
        self.history_rows += history_rows


def _full(limit: int, history: bool = False) -> str:
    what = "The history of your saved work" if history else "Your saved work"
    return (
        f"{what} has reached the course's limit of {limit / 1e6:g} MB, so this was not saved. "
        "Everything saved before is kept. Make this shorter, or remove work you no longer need "
        "(a large imported network, for example), then try again; if you need more room, ask "
        "whoever runs the course."
    )


def _octets(dialect: str) -> Callable[[sa.ColumnElement], sa.ColumnElement]:
    """The SQL for a text's size in bytes (``length`` counts characters)."""
    if dialect == "postgresql":
        return sa.func.octet_length
    return lambda column: sa.func.length(sa.cast(column, sa.LargeBinary))


def _thin(
    conn: sa.Connection,
    learner_id: str,
    answer: tuple[str, str],
    octets: Callable[[sa.ColumnElement], sa.ColumnElement],
    bytes_over: int,
    rows_over: int,
) -> tuple[int, int]:
    """Delete the learner's oldest runs of revisions (a full copy and the changes after it) until
    ``bytes_over`` bytes and ``rows_over`` rows are freed, or nothing more may go; return what
    was freed. The latest run of each answer stays (changes read back from it), except for
    ``answer``, whose next revision is a full copy."""
    rows = conn.execute(
        sa.select(
            revisions.c.id,
            revisions.c.activity,
            revisions.c.key,
            revisions.c.kind,
            octets(revisions.c.value),
        )
        .where(revisions.c.learner_id == learner_id)
        .order_by(revisions.c.id)
    ).all()
    runs: list[tuple[tuple[str, str], list[int], list[int]]] = []  # answer, ids, [bytes]
    latest: dict[tuple[str, str], int] = {}  # answer → index of its latest run
    for row_id, activity, key, kind, size in rows:
        which = (activity, key)
        if kind != DELTA or which not in latest:
            latest[which] = len(runs)
            runs.append((which, [], [0]))
        _which, ids, total = runs[latest[which]]
        ids.append(row_id)
        total[0] += int(size or 0)
    keep = {index for which, index in latest.items() if which != answer}
    doomed: list[int] = []
    freed_bytes = freed_rows = 0
    for index, (_which, ids, total) in enumerate(runs):
        if freed_bytes >= bytes_over and freed_rows >= rows_over:
            break
        if index in keep:
            continue
        doomed += ids
        freed_bytes += total[0]
        freed_rows += len(ids)
    for start in range(0, len(doomed), 500):
        conn.execute(revisions.delete().where(revisions.c.id.in_(doomed[start : start + 500])))
    if doomed:
        log.info("thinned %d old revisions of a learner's history (quota)", len(doomed))
    return freed_bytes, freed_rows


class Store:
    """Read and write one learner's answers. Safe to share across threads and processes."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_url()
        self.quota = Quota.from_env()
        self.engine = _make_engine(self.url)
        self._insert = _upsert(self.engine.dialect.name)
        try:
            metadata.create_all(self.engine, checkfirst=True)
        except sa.exc.DBAPIError as exc:
            # Two first processes may race to create the tables; the loser retries once.
            # (PostgreSQL reports it as DuplicateTable or as a unique violation in pg_type.)
            if "already exists" not in str(exc):
                raise StoreError(_friendly(exc)) from exc
            with _guard(contextlib.nullcontext()):
                metadata.create_all(self.engine, checkfirst=True)
        self._add_missing_columns()
        self._hash_join_codes()

    def _add_missing_columns(self) -> None:
        """Bring a database made by an older version up to date (people keep their SQLite files).

        Looked at with a read first, so a read-only database still opens and an up-to-date one
        is never locked; the write checks again, as another process may have just done it.
        Existing rows get the column's default: an old revision is a full copy.
        """

        def missing(conn: sa.Connection) -> list[tuple[str, str, str]]:
            inspector = sa.inspect(conn)
            return [
                (table, column, definition)
                for table, column, definition in ADDED_COLUMNS
                if column not in {found["name"] for found in inspector.get_columns(table)}
            ]

        with self._read() as conn:
            if not missing(conn):
                return
        with self._write() as conn:  # SQLite: BEGIN IMMEDIATE, so two first processes take turns
            if_new = " IF NOT EXISTS" if self.engine.dialect.name == "postgresql" else ""
            for table, column, definition in missing(conn):
                conn.exec_driver_sql(
                    f"ALTER TABLE {table} ADD COLUMN{if_new} {column} {definition}"
                )

    def _hash_join_codes(self) -> None:
        """Replace the join codes older databases kept in plain text by their keyed hash.

        A read first, as for columns, so a read-only or up-to-date database is never locked; the
        write reads the rows again under its lock, as another process may have just done it.
        """
        from .identity import CodeError, join_key

        plain = sa.select(cohorts.c.id, cohorts.c.join_code).where(cohorts.c.join_code != "")
        with self._read() as conn:
            if conn.execute(plain.limit(1)).first() is None:
                return
        with self._write() as conn:
            for cohort_id, code in conn.execute(plain).all():
                try:
                    values = {"join_key": join_key(code), "join_code": ""}
                except CodeError:  # not a code we made: nobody can join with it
                    values = {"join_code": ""}
                conn.execute(cohorts.update().where(cohorts.c.id == cohort_id).values(**values))

    # -- learners -------------------------------------------------------------
    def ensure_learner(self, learner_id: str, kind: str) -> None:
        """Create the learner row if it does not exist yet."""
        stmt = self._insert(learners).values(id=learner_id, kind=kind, created_at=now())
        with self._write() as conn:
            conn.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))

    def learner_exists(self, learner_id: str) -> bool:
        with self._read() as conn:
            row = conn.execute(sa.select(learners.c.id).where(learners.c.id == learner_id))
            return row.first() is not None

    def find_learner(self, learner_id: str, legacy_id: str | None = None) -> bool:
        """Whether a learner is stored under ``learner_id``; if not, one stored under the unkeyed
        ``legacy_id`` of an older version is moved to ``learner_id`` (every row that refers to it,
        in one transaction) and found: nobody loses their work when codes become keyed hashes."""
        if self.learner_exists(learner_id):
            return True
        if legacy_id is None or not self.learner_exists(legacy_id):
            return False
        referring = [
            column
            for table in metadata.sorted_tables
            for column in table.columns
            if any(key.target_fullname == "learners.id" for key in column.foreign_keys)
        ]
        with self._write() as conn:
            old = conn.execute(sa.select(*learners.c).where(learners.c.id == legacy_id)).first()
            if old is None:  # another page moved it a moment ago
                return self._learner_in(conn, learner_id)
            conn.execute(
                learners.insert().values(id=learner_id, kind=old.kind, created_at=old.created_at)
            )
            for column in referring:
                conn.execute(
                    column.table.update()
                    .where(column == legacy_id)
                    .values({column.name: learner_id})
                )
            conn.execute(learners.delete().where(learners.c.id == legacy_id))
        return True

    @staticmethod
    def _learner_in(conn: sa.Connection, learner_id: str) -> bool:
        return (
            conn.execute(sa.select(learners.c.id).where(learners.c.id == learner_id)).first()
            is not None
        )

    # -- answers --------------------------------------------------------------
    def save(
        self, learner_id: str, activity: str, key: str, value: Any, expected_rev: int | None = None
    ) -> Saved:
        """Save one answer now and append it to the history.

        With ``expected_rev`` (the revision the page loaded, 0 when there was none) the answer is
        written only if the stored one is still that revision, checked in the same statement:
        otherwise :class:`SaveConflict` is raised and nothing is written. ``None`` saves
        unconditionally (progress marks, drafts).

        The answer being replaced is read first, in the same transaction (and locked, on
        PostgreSQL, so no other save slips in between): it is the answer's latest revision, which
        the new revision may be stored as a change from.
        """
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        stamp = now()
        where = (
            answers.c.learner_id == learner_id,
            answers.c.activity == activity,
            answers.c.key == key,
        )
        insert = self._insert(answers).values(
            learner_id=learner_id, activity=activity, key=key, value=text, updated_at=stamp, rev=1
        )
        if expected_rev is None:
            stmt = insert.on_conflict_do_update(
                index_elements=["learner_id", "activity", "key"],
                set_={
                    "value": insert.excluded.value,
                    "updated_at": insert.excluded.updated_at,
                    "rev": answers.c.rev + 1,
                },
            )
        elif expected_rev == 0:
            stmt = insert.on_conflict_do_nothing(index_elements=["learner_id", "activity", "key"])
        else:
            stmt = (
                answers.update()
                .where(*where, answers.c.rev == expected_rev)
                .values(value=text, updated_at=stamp, rev=answers.c.rev + 1)
            )
        if expected_rev != 0 and len(text) >= DELTA_MIN_CHARS:
            _lines_of(
                text
            )  # the slow part of working out the change, done before the write lock is taken
        size = len(text.encode("utf-8"))
        with self._write() as conn:
            # The learner's usage row is locked first, before any answer row: every save of one
            # learner then takes its locks in the same order (PostgreSQL found deadlocks between
            # two saves that locked an answer and the usage row the other way round).
            used = self._usage(conn, learner_id)
            previous = (
                None
                if expected_rev == 0
                else conn.execute(
                    sa.select(answers.c.value).where(*where).with_for_update()
                ).scalar()
            )
            grows = size - (0 if previous is None else len(previous.encode("utf-8")))
            if grows > 0 and used.answer_bytes + grows > self.quota.answer_bytes:
                raise QuotaError(_full(self.quota.answer_bytes))
            rev = conn.execute(stmt.returning(answers.c.rev)).scalar()
            if rev is None:  # the row is not at the expected revision: leave it as it is
                stored = conn.execute(sa.select(answers.c.rev).where(*where)).scalar()
                conflict = SaveConflict(stored or 0)
            else:
                conflict = None
                kind, stored_text = _revision_text(
                    conn, (learner_id, activity, key), previous, text
                )
                kind, stored_text = self._make_room(
                    conn, learner_id, (activity, key), used, kind, stored_text, text
                )
                used.add(grows, len(stored_text.encode("utf-8")), 1)
                self._write_usage(conn, learner_id, used)
                conn.execute(
                    revisions.insert().values(
                        learner_id=learner_id,
                        activity=activity,
                        key=key,
                        value=stored_text,
                        saved_at=stamp,
                        kind=kind,
                    )
                )
        if conflict is not None:
            raise conflict
        return Saved(value, rev, stamp)

    def discard(self, learner_id: str, activity: str, key: str, rev: int) -> bool:
        """Remove a current answer if it is still at ``rev`` (its history stays); True if removed."""
        where = (
            answers.c.learner_id == learner_id,
            answers.c.activity == activity,
            answers.c.key == key,
            answers.c.rev == rev,
        )
        with self._write() as conn:
            value = conn.execute(sa.select(answers.c.value).where(*where)).scalar()
            if value is None:
                return False
            used = self._usage(conn, learner_id)
            conn.execute(answers.delete().where(*where))
            used.add(-len(value.encode("utf-8")), 0, 0)
            self._write_usage(conn, learner_id, used)
            return True

    # -- the learner's quota (issue 15) -----------------------------------------------
    def _usage(self, conn: sa.Connection, learner_id: str) -> Usage:
        """What the learner's saved work takes now, read (and locked, on PostgreSQL) in the
        save's transaction; counted from their rows the first time (work saved before quotas)."""
        query = sa.select(usage.c.answer_bytes, usage.c.history_bytes, usage.c.history_rows).where(
            usage.c.learner_id == learner_id
        )
        row = conn.execute(query.with_for_update()).first()
        if row is not None:
            return Usage(*row)
        octets = _octets(self.engine.dialect.name)
        answer_bytes = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(octets(answers.c.value)), 0)).where(
                answers.c.learner_id == learner_id
            )
        ).scalar()
        history_bytes, history_rows = conn.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(octets(revisions.c.value)), 0), sa.func.count()
            ).where(revisions.c.learner_id == learner_id)
        ).one()
        if conn.execute(sa.select(learners.c.id).where(learners.c.id == learner_id)).first():
            conn.execute(
                self._insert(usage)
                .values(
                    learner_id=learner_id,
                    answer_bytes=int(answer_bytes),
                    history_bytes=int(history_bytes),
                    history_rows=int(history_rows),
                )
                .on_conflict_do_nothing(index_elements=["learner_id"])
            )
            row = conn.execute(query.with_for_update()).first()
            if row is not None:  # another save counted first (PostgreSQL)
                return Usage(*row)
        return Usage(int(answer_bytes), int(history_bytes), int(history_rows))

    def _write_usage(self, conn: sa.Connection, learner_id: str, used: Usage) -> None:
        conn.execute(
            usage.update()
            .where(usage.c.learner_id == learner_id)
            .values(
                answer_bytes=max(used.answer_bytes, 0),
                history_bytes=max(used.history_bytes, 0),
                history_rows=max(used.history_rows, 0),
            )
        )

    def _make_room(
        self,
        conn: sa.Connection,
        learner_id: str,
        answer: tuple[str, str],
        used: Usage,
        kind: str,
        stored: str,
        text: str,
    ) -> tuple[str, str]:
        """The kind and text of the new revision, once the history has room for it (see
        :class:`Quota`): if it would pass the limit, the revision is a full copy (so every older
        run of this answer may go) and the oldest runs are thinned out; :class:`QuotaError` if
        that is not enough."""
        quota = self.quota
        if (
            used.history_bytes + len(stored.encode("utf-8")) <= quota.history_bytes
            and used.history_rows + 1 <= quota.history_rows
        ):
            return kind, stored
        kind, stored = FULL, text
        new = len(stored.encode("utf-8"))
        freed_bytes, freed_rows = _thin(
            conn,
            learner_id,
            answer,
            _octets(self.engine.dialect.name),
            bytes_over=used.history_bytes + new - int(THIN_TO * quota.history_bytes),
            rows_over=used.history_rows + 1 - int(THIN_TO * quota.history_rows),
        )
        used.add(0, -freed_bytes, -freed_rows)
        if (
            used.history_bytes + new > quota.history_bytes
            or used.history_rows >= quota.history_rows
        ):
            raise QuotaError(_full(quota.history_bytes, history=True))
        return kind, stored

    def load_saved(
        self, learner_id: str, activities: list[str] | None = None
    ) -> dict[str, dict[str, Saved]]:
        """Current answers with their revisions, by activity and key: of ``activities``, or all."""
        query = sa.select(
            answers.c.activity, answers.c.key, answers.c.value, answers.c.rev, answers.c.updated_at
        ).where(answers.c.learner_id == learner_id)
        if activities is not None:
            query = query.where(answers.c.activity.in_(activities))
        found: dict[str, dict[str, Saved]] = {}
        with self._read() as conn:
            for activity, key, value, rev, stamp in conn.execute(query):
                found.setdefault(activity, {})[key] = Saved(json.loads(value), rev, stamp)
        return found

    def load(self, learner_id: str, activity: str) -> dict[str, Any]:
        """Every current answer of one activity, by key."""
        return {
            key: saved.value
            for key, saved in self.load_saved(learner_id, [activity]).get(activity, {}).items()
        }

    def load_everything(self, learner_id: str) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
        """Every current answer of a learner by activity and key, and when each activity last changed."""
        return values_and_times(self.load_saved(learner_id))

    def history(self, learner_id: str, activity: str, key: str) -> list[Revision]:
        """Every saved value of one answer, oldest first."""
        query = (
            sa.select(revisions.c.kind, revisions.c.value, revisions.c.saved_at)
            .where(
                revisions.c.learner_id == learner_id,
                revisions.c.activity == activity,
                revisions.c.key == key,
            )
            .order_by(revisions.c.id)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        rebuild = _Rebuild()
        return [Revision(rebuild(key, kind, stored), stamp) for kind, stored, stamp in rows]

    # -- cohorts --------------------------------------------------------------
    def create_cohort(
        self,
        cohort_id: str,
        name: str,
        join_code: str,
        join_key: str,
        tutor_key: str,
        owner: str | None = None,
    ) -> Cohort:
        """A new cohort; ``join_code`` is not stored (only its hash ``join_key``), only returned
        in the Cohort, for the page that shows it once."""
        stamp = now()
        with self._write() as conn:
            conn.execute(
                cohorts.insert().values(
                    id=cohort_id,
                    name=name,
                    join_code="",
                    join_key=join_key,
                    tutor_key=tutor_key,
                    owner=owner,
                    created_at=stamp,
                )
            )
        return Cohort(cohort_id, name, join_code, owner, stamp, None)

    def _cohort_where(self, *conditions) -> Cohort | None:
        query = sa.select(
            cohorts.c.id,
            cohorts.c.name,
            cohorts.c.join_code,
            cohorts.c.owner,
            cohorts.c.created_at,
            cohorts.c.closed_at,
        ).where(*conditions)
        with self._read() as conn:
            row = conn.execute(query).first()
        return Cohort(*row) if row else None

    def cohort(self, cohort_id: str) -> Cohort | None:
        return self._cohort_where(cohorts.c.id == cohort_id)

    def cohort_by_join_key(self, join_key: str) -> Cohort | None:
        return self._cohort_where(cohorts.c.join_key == join_key)

    def cohort_by_tutor_key(self, tutor_key: str, legacy_key: str | None = None) -> Cohort | None:
        """The cohort whose (hashed) tutor key this is; a cohort of an older version found by the
        unkeyed ``legacy_key`` has its key rewritten to ``tutor_key`` on the way."""
        found = self._cohort_where(cohorts.c.tutor_key == tutor_key)
        if found is not None or legacy_key is None:
            return found
        with self._write() as conn:
            conn.execute(
                cohorts.update()
                .where(cohorts.c.tutor_key == legacy_key)
                .values(tutor_key=tutor_key)
            )
        return self._cohort_where(cohorts.c.tutor_key == tutor_key)

    def set_join_key(self, cohort_id: str, join_key: str) -> None:
        """Give a cohort a new join code (its hash): the old code stops working, members stay."""
        with self._write() as conn:
            conn.execute(
                cohorts.update().where(cohorts.c.id == cohort_id).values(join_key=join_key)
            )

    # -- wrong guesses (widgets_lib.throttle) -------------------------------------------------
    def tally_guesses(
        self, key: str, change: Callable[[Tally], Tally], forget_before: float
    ) -> Tally:
        """Apply ``change`` to one visitor's tally of wrong guesses in one write transaction (so
        kernels guessing at once take turns), and forget tallies quiet since ``forget_before``."""
        from .throttle import Tally

        with self._write() as conn:
            row = conn.execute(
                sa.select(guesses.c.failures, guesses.c.last_failure, guesses.c.next_at)
                .where(guesses.c.key == key)
                .with_for_update()
            ).first()
            new = change(Tally(*row) if row else Tally())
            values = {
                "failures": new.failures,
                "last_failure": new.last_failure,
                "next_at": new.next_at,
            }
            stmt = self._insert(guesses).values(key=key, **values)
            conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_=values))
            conn.execute(
                guesses.delete().where(
                    guesses.c.last_failure < forget_before, guesses.c.next_at < forget_before
                )
            )
        return new

    def cohorts_owned(self, owner: str) -> list[Cohort]:
        query = (
            sa.select(
                cohorts.c.id,
                cohorts.c.name,
                cohorts.c.join_code,
                cohorts.c.owner,
                cohorts.c.created_at,
                cohorts.c.closed_at,
            )
            .where(cohorts.c.owner == owner)
            .order_by(cohorts.c.created_at)
        )
        with self._read() as conn:
            return [Cohort(*row) for row in conn.execute(query)]

    def close_cohort(self, cohort_id: str) -> None:
        with self._write() as conn:
            conn.execute(
                cohorts.update()
                .where(cohorts.c.id == cohort_id, cohorts.c.closed_at.is_(None))
                .values(closed_at=now())
            )

    def join(
        self, learner_id: str, cohort_id: str, display_name: str, share_reflections: bool
    ) -> Membership:
        """Join (or switch to) a cohort; a learner belongs to one cohort at a time."""
        stamp = now()
        values = dict(
            learner_id=learner_id,
            cohort_id=cohort_id,
            display_name=display_name,
            share_reflections=share_reflections,
            joined_at=stamp,
        )
        stmt = self._insert(memberships).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["learner_id"],
            set_={
                k: getattr(stmt.excluded, k)
                for k in ("cohort_id", "display_name", "share_reflections", "joined_at")
            },
        )
        with self._write() as conn:
            conn.execute(stmt)
        return Membership(**values)

    def set_sharing(self, learner_id: str, share_reflections: bool) -> None:
        with self._write() as conn:
            conn.execute(
                memberships.update()
                .where(memberships.c.learner_id == learner_id)
                .values(share_reflections=share_reflections)
            )

    def leave(self, learner_id: str) -> None:
        with self._write() as conn:
            conn.execute(memberships.delete().where(memberships.c.learner_id == learner_id))

    def membership(self, learner_id: str) -> Membership | None:
        with self._read() as conn:
            row = conn.execute(
                sa.select(*memberships.c).where(memberships.c.learner_id == learner_id)
            ).first()
        return Membership(**row._mapping) if row else None

    def members(self, cohort_id: str) -> list[Membership]:
        query = (
            sa.select(*memberships.c)
            .where(memberships.c.cohort_id == cohort_id)
            .order_by(memberships.c.joined_at)
        )
        with self._read() as conn:
            return [Membership(**row._mapping) for row in conn.execute(query)]

    def load_cohort(
        self, cohort_id: str
    ) -> list[tuple[Membership, dict[str, dict[str, Any]], dict[str, str]]]:
        """Every member with all their current answers (by activity and key) and when each activity changed.

        Two queries whatever the cohort's size, read in one transaction so the picture is consistent.
        """
        query = (
            sa.select(
                answers.c.learner_id,
                answers.c.activity,
                answers.c.key,
                answers.c.value,
                answers.c.updated_at,
            )
            .join(memberships, memberships.c.learner_id == answers.c.learner_id)
            .where(memberships.c.cohort_id == cohort_id)
        )
        found: dict[str, tuple[dict[str, dict[str, Any]], dict[str, str]]] = {}
        with self._read() as conn:
            people = [
                Membership(**row._mapping)
                for row in conn.execute(
                    sa.select(*memberships.c)
                    .where(memberships.c.cohort_id == cohort_id)
                    .order_by(memberships.c.joined_at)
                )
            ]
            for learner_id, activity, key, value, stamp in conn.execute(query):
                values, updated = found.setdefault(learner_id, ({}, {}))
                values.setdefault(activity, {})[key] = json.loads(value)
                updated[activity] = max(updated.get(activity, ""), stamp)
        return [(person, *found.get(person.learner_id, ({}, {}))) for person in people]

    def merges(self, cohort_id: str) -> dict[str, str]:
        with self._read() as conn:
            return dict(
                conn.execute(
                    sa.select(merges.c.spelling, merges.c.same_as).where(
                        merges.c.cohort_id == cohort_id
                    )
                ).all()
            )

    def add_merge(self, cohort_id: str, spelling: str, same_as: str) -> None:
        stmt = self._insert(merges).values(cohort_id=cohort_id, spelling=spelling, same_as=same_as)
        stmt = stmt.on_conflict_do_update(
            index_elements=["cohort_id", "spelling"], set_={"same_as": stmt.excluded.same_as}
        )
        with self._write() as conn:
            conn.execute(stmt)

    def remove_merge(self, cohort_id: str, spelling: str) -> None:
        with self._write() as conn:
            conn.execute(
                merges.delete().where(
                    merges.c.cohort_id == cohort_id, merges.c.spelling == spelling
                )
            )

    # -- survey links and partners' answers (widgets_lib.survey) -------------------------
    def create_survey(self, survey: Survey, most: int) -> None:
        """Store a new survey link and stop the learner's other open links (one link is open at a
        time); :class:`~widgets_lib.survey.SurveyError` when they already have ``most``."""
        from .survey import SurveyError, token_key

        with self._write() as conn:
            made = conn.execute(
                sa.select(sa.func.count())
                .select_from(surveys)
                .where(surveys.c.learner_id == survey.learner_id)
            ).scalar_one()
            if made >= most:
                raise SurveyError(
                    f"You have made {made} survey links, the most the course keeps: delete the "
                    "answers of an old link to make room."
                )
            conn.execute(
                surveys.update()
                .where(surveys.c.learner_id == survey.learner_id, surveys.c.revoked_at.is_(None))
                .values(revoked_at=survey.created_at)
            )
            conn.execute(
                surveys.insert().values(
                    id=survey.id,
                    learner_id=survey.learner_id,
                    token_key=token_key(survey.token),
                    schools=json.dumps(list(survey.schools), ensure_ascii=False),
                    created_at=survey.created_at,
                    expires_at=survey.expires_at,
                    revoked_at=None,
                )
            )

    @staticmethod
    def _survey(row: Any) -> Survey:
        from .survey import Survey

        return Survey(
            row.id,
            row.learner_id,
            tuple(json.loads(row.schools)),
            row.created_at,
            row.expires_at,
            row.revoked_at,
        )

    def survey_by_token(self, token: str) -> Survey | None:
        """The survey a link's token opens (open or not), or None."""
        from .survey import token_key

        with self._read() as conn:
            row = conn.execute(
                sa.select(*surveys.c).where(surveys.c.token_key == token_key(token))
            ).first()
        return self._survey(row) if row else None

    def surveys_of(self, learner_id: str) -> list[Survey]:
        """A learner's survey links, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(*surveys.c)
                .where(surveys.c.learner_id == learner_id)
                .order_by(surveys.c.created_at, surveys.c.id)
            ).all()
        return [self._survey(row) for row in rows]

    def revoke_survey(self, learner_id: str, survey_id: str, at: str) -> None:
        """Stop one of the learner's links (another learner's id changes nothing)."""
        with self._write() as conn:
            conn.execute(
                surveys.update()
                .where(
                    surveys.c.id == survey_id,
                    surveys.c.learner_id == learner_id,
                    surveys.c.revoked_at.is_(None),
                )
                .values(revoked_at=at)
            )

    def add_response(
        self,
        survey_id: str,
        visitor: str,
        value: str,
        received_at: str,
        limits: tuple[int, int, int],
    ) -> None:
        """Keep a partner's answer, unless the survey, this visitor or the learner already has as
        many as ``limits`` (per survey, per visitor, per learner) allow: counted in the write, so
        answers sent at once cannot pass a limit together (:class:`~widgets_lib.survey.SurveyError`)."""
        from .survey import SurveyError

        per_survey, per_visitor, per_learner = limits
        with self._write() as conn:
            learner_id = conn.execute(
                sa.select(surveys.c.learner_id).where(surveys.c.id == survey_id).with_for_update()
            ).scalar_one()
            counts = conn.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.sum(sa.case((survey_responses.c.survey_id == survey_id, 1), else_=0)),
                    sa.func.sum(
                        sa.case(
                            (
                                sa.and_(
                                    survey_responses.c.survey_id == survey_id,
                                    survey_responses.c.visitor == visitor,
                                ),
                                1,
                            ),
                            else_=0,
                        )
                    ),
                )
                .select_from(survey_responses.join(surveys))
                .where(surveys.c.learner_id == learner_id)
            ).one()
            total, of_survey, of_visitor = (int(n or 0) for n in counts)
            if of_visitor >= per_visitor:
                raise SurveyError(
                    f"This survey has already received {of_visitor} answers from your connection, "
                    "the most it takes from one place. Thank you: nothing more is needed."
                )
            if of_survey >= per_survey or total >= per_learner:
                raise SurveyError(
                    "This survey has received as many answers as it can keep. Thank you: please "
                    "tell the person who sent it."
                )
            conn.execute(
                survey_responses.insert().values(
                    survey_id=survey_id, visitor=visitor, value=value, received_at=received_at
                )
            )

    def responses_of(self, learner_id: str) -> list[tuple[int, str, str, str]]:
        """The answers to a learner's links: (id, survey id, JSON text, received at), in order."""
        with self._read() as conn:
            return [
                tuple(row)
                for row in conn.execute(
                    sa.select(
                        survey_responses.c.id,
                        survey_responses.c.survey_id,
                        survey_responses.c.value,
                        survey_responses.c.received_at,
                    )
                    .join(surveys)
                    .where(surveys.c.learner_id == learner_id)
                    .order_by(survey_responses.c.id)
                )
            ]

    def delete_response(self, learner_id: str, response_id: int) -> None:
        """Delete one answer to one of the learner's links (another learner's is left alone)."""
        theirs = sa.select(surveys.c.id).where(surveys.c.learner_id == learner_id)
        with self._write() as conn:
            conn.execute(
                survey_responses.delete().where(
                    survey_responses.c.id == response_id,
                    survey_responses.c.survey_id.in_(theirs),
                )
            )

    def _delete_surveys(self, conn: sa.Connection, learner_id: str) -> None:
        theirs = sa.select(surveys.c.id).where(surveys.c.learner_id == learner_id)
        conn.execute(survey_responses.delete().where(survey_responses.c.survey_id.in_(theirs)))
        conn.execute(surveys.delete().where(surveys.c.learner_id == learner_id))

    # -- a learner's own data -----------------------------------------------------
    def export_learner(self, learner_id: str) -> dict[str, Any]:
        """Everything stored about one learner: their row, membership, current answers and full history."""
        with self._read() as conn:
            learner = conn.execute(
                sa.select(*learners.c).where(learners.c.id == learner_id)
            ).first()
            member = conn.execute(
                sa.select(
                    memberships.c.cohort_id,
                    memberships.c.display_name,
                    memberships.c.share_reflections,
                    memberships.c.joined_at,
                    cohorts.c.name.label("cohort_name"),
                )
                .join(cohorts, cohorts.c.id == memberships.c.cohort_id)
                .where(memberships.c.learner_id == learner_id)
            ).first()
            current = conn.execute(
                sa.select(answers.c.activity, answers.c.key, answers.c.value, answers.c.updated_at)
                .where(answers.c.learner_id == learner_id)
                .order_by(answers.c.activity, answers.c.key)
            ).all()
            history = conn.execute(
                sa.select(
                    revisions.c.activity,
                    revisions.c.key,
                    revisions.c.kind,
                    revisions.c.value,
                    revisions.c.saved_at,
                )
                .where(revisions.c.learner_id == learner_id)
                .order_by(revisions.c.id)
            ).all()
        rebuild = _Rebuild()
        return {
            "learner": {"kind": learner.kind, "created_at": learner.created_at}
            if learner
            else None,
            "cohort": dict(member._mapping) if member else None,
            "answers": [
                {"activity": a, "key": k, "value": json.loads(v), "updated_at": t}
                for a, k, v, t in current
            ],
            "history": [
                {"activity": a, "key": k, "value": rebuild((a, k), kind, v), "saved_at": t}
                for a, k, kind, v, t in history
            ],
            "surveys": self._export_surveys(learner_id),
        }

    def _export_surveys(self, learner_id: str) -> list[dict[str, Any]]:
        """A learner's survey links (without their secret) and the answers partners sent."""
        answers_by_survey: dict[str, list[dict[str, Any]]] = {}
        for _id, survey_id, value, received_at in self.responses_of(learner_id):
            answers_by_survey.setdefault(survey_id, []).append(
                {"answer": json.loads(value), "received_at": received_at}
            )
        return [
            {
                "schools": list(survey.schools),
                "created_at": survey.created_at,
                "expires_at": survey.expires_at,
                "stopped_at": survey.revoked_at,
                "answers": answers_by_survey.get(survey.id, []),
            }
            for survey in self.surveys_of(learner_id)
        ]

    def delete_learner(self, learner_id: str) -> None:
        """Remove a learner from every table and the history, so their text cannot be read back from the file.

        SQLite overwrites deleted rows (``secure_delete``) and the WAL, which still holds old
        page images, is checkpointed and truncated. PostgreSQL removes the rows at once; the
        space they used is reclaimed by VACUUM (see the deployment guide).
        """
        with self._write() as conn:
            self._forget_in_merges(conn, learner_id)
            for table in (revisions, answers, memberships, usage):
                conn.execute(table.delete().where(table.c.learner_id == learner_id))
            self._delete_surveys(conn, learner_id)
            conn.execute(learners.delete().where(learners.c.id == learner_id))
        if self.engine.dialect.name == "sqlite":
            self._truncate_wal()

    def _forget_in_merges(self, conn: sa.Connection, learner_id: str) -> None:
        """Take the learner's school names out of the tutors' manual merges (in the deletion's
        transaction). A merge row names two spellings and not whose they are, so a name is the
        learner's when it is a school of any network they saved (now or in their history) and
        of no current network of another member of that cohort; a name someone else also has is
        theirs too, and stays. Chains through a removed name are joined up without it
        (:func:`cohort_network.without_names`), whichever cohort the merge is in (a learner may
        have left a cohort whose tutor merged their names)."""
        found = conn.execute(sa.select(merges.c.cohort_id, merges.c.spelling, merges.c.same_as))
        by_cohort: dict[str, dict[str, str]] = {}
        for cohort_id, spelling, same_as in found:
            by_cohort.setdefault(cohort_id, {})[spelling] = same_as
        if not by_cohort:
            return
        from .cohort_network import name_key, without_names

        rows = conn.execute(
            sa.select(revisions.c.activity, revisions.c.key, revisions.c.kind, revisions.c.value)
            .where(revisions.c.learner_id == learner_id)
            .order_by(revisions.c.id)
        )
        rebuild = _Rebuild()
        values = [rebuild((a, k), kind, v) for a, k, kind, v in rows]
        values += [
            json.loads(v)
            for v in conn.execute(
                sa.select(answers.c.value).where(answers.c.learner_id == learner_id)
            ).scalars()
        ]
        theirs = {name_key(name) for value in values for name in _school_names(value)}
        for cohort_id, manual in by_cohort.items():
            named = {name_key(n) for pair in manual.items() for n in pair} & theirs
            if not named:
                continue
            others = conn.execute(
                sa.select(answers.c.value)
                .join(memberships, memberships.c.learner_id == answers.c.learner_id)
                .where(memberships.c.cohort_id == cohort_id, answers.c.learner_id != learner_id)
            ).scalars()
            shared = {name_key(n) for v in others for n in _school_names(json.loads(v))}
            kept = without_names(manual, named - shared)
            if kept == manual:
                continue
            conn.execute(merges.delete().where(merges.c.cohort_id == cohort_id))
            if kept:
                conn.execute(
                    merges.insert(),
                    [
                        {"cohort_id": cohort_id, "spelling": a, "same_as": b}
                        for a, b in kept.items()
                    ],
                )

    def _truncate_wal(self, attempts: int = 20) -> None:
        """Copy the WAL into the database and empty it; a reader still using it makes us wait and retry."""
        raw = self.engine.raw_connection()  # outside any transaction, which a checkpoint needs
        try:
            for _ in range(attempts):
                busy, _frames, _done = (
                    raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                )
                if not busy:
                    return
                time.sleep(0.1)
            log.warning(
                "the WAL could not be emptied after a deletion; it will be at the next checkpoint"
            )
        finally:
            raw.close()

    # -- plumbing -------------------------------------------------------------
    def _write(self):
        return _guard(self.engine.begin())

    def _read(self):
        return _guard(_reading(self.engine), reading=True)

    def dispose(self) -> None:
        self.engine.dispose()


@contextlib.contextmanager
def _reading(engine: sa.Engine):
    """A connection for reads, opened inside the guard so a failed connect is a StoreError."""
    with engine.connect() as conn:
        conn.execution_options(course_read=True)
        yield conn


class _guard:
    """Turn database failures into :class:`StoreError` with a message a learner can act on."""

    def __init__(self, ctx, reading: bool = False) -> None:
        self._ctx = ctx
        self._reading = reading

    def __enter__(self):
        try:
            return self._ctx.__enter__()
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(_friendly(exc, self._reading)) from exc

    def __exit__(self, *exc_info) -> bool:
        try:
            result = self._ctx.__exit__(*exc_info)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(_friendly(exc, self._reading)) from exc
        if exc_info[0] is not None and issubclass(exc_info[0], sa.exc.SQLAlchemyError):
            raise StoreError(_friendly(exc_info[1], self._reading)) from exc_info[1]
        return bool(result)


def _friendly(exc: BaseException, reading: bool = False) -> str:
    text = str(exc).lower()
    outcome = "so your work could not be loaded just now" if reading else "so this was not saved"
    if "readonly" in text or "read-only" in text:
        return f"The course's database is read-only, {outcome}."
    if "locked" in text or "busy" in text:
        return f"The course's database is busy, {outcome}. Please try again in a moment."
    return f"The course's database could not be reached, {outcome}."


_shared: dict[str, Store] = {}


def get_store() -> Store:
    """The store for this process (one per database URL)."""
    url = default_url()
    if url not in _shared:
        _shared[url] = Store(url)
    return _shared[url]


def iter_tables() -> Iterator[str]:
    return iter(metadata.tables)

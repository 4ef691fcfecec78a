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
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.pool import NullPool

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
        comment="shown to the tutor; it only lets people join",
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
    join_code: str
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


class Store:
    """Read and write one learner's answers. Safe to share across threads and processes."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_url()
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
        with self._write() as conn:
            previous = (
                None
                if expected_rev == 0
                else conn.execute(
                    sa.select(answers.c.value).where(*where).with_for_update()
                ).scalar()
            )
            rev = conn.execute(stmt.returning(answers.c.rev)).scalar()
            if rev is None:  # the row is not at the expected revision: leave it as it is
                stored = conn.execute(sa.select(answers.c.rev).where(*where)).scalar()
                conflict = SaveConflict(stored or 0)
            else:
                conflict = None
                kind, stored_text = _revision_text(
                    conn, (learner_id, activity, key), previous, text
                )
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
        with self._write() as conn:
            done = conn.execute(
                answers.delete().where(
                    answers.c.learner_id == learner_id,
                    answers.c.activity == activity,
                    answers.c.key == key,
                    answers.c.rev == rev,
                )
            )
            return done.rowcount == 1

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
        stamp = now()
        with self._write() as conn:
            conn.execute(
                cohorts.insert().values(
                    id=cohort_id,
                    name=name,
                    join_code=join_code,
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

    def cohort_by_tutor_key(self, tutor_key: str) -> Cohort | None:
        """The cohort whose (hashed) tutor key this is."""
        return self._cohort_where(cohorts.c.tutor_key == tutor_key)

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
        }

    def delete_learner(self, learner_id: str) -> None:
        """Remove a learner from every table and the history, so their text cannot be read back from the file.

        SQLite overwrites deleted rows (``secure_delete``) and the WAL, which still holds old
        page images, is checkpointed and truncated. PostgreSQL removes the rows at once; the
        space they used is reclaimed by VACUUM (see the deployment guide).
        """
        with self._write() as conn:
            for table in (revisions, answers, memberships):
                conn.execute(table.delete().where(table.c.learner_id == learner_id))
            conn.execute(learners.delete().where(learners.c.id == learner_id))
        if self.engine.dialect.name == "sqlite":
            self._truncate_wal()

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

"""Revisions stored as changes (issue 14.4): the history grows with the edit, not with the network.

Every save still appends a revision, and every saved value comes back exactly, in order, with
its time; but a revision is stored as the change from the one before it (a full copy first, at
least every ``FULL_EVERY``-th time, and whenever the change would not be much smaller). Runs on
SQLite and on PostgreSQL like the other store tests. ``measure_edits`` is also what
``bench/revision_bytes.py`` prints, so the benchmark measures what the test asserts.
"""

from __future__ import annotations

import json
import random
import statistics
import threading
import time
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa

from widgets_lib import store as store_module
from widgets_lib.network import FLOWS, ORIGINS, Link, Network, School, check_link, check_school_name
from widgets_lib.record import NETWORK_ACTIVITY, NETWORK_KEY, network_from_value, network_to_value
from widgets_lib.store import SaveConflict, Store, StoreError

EDITS = 20
TOWNS = (
    "Ashford",
    "Barnsley",
    "Carlisle",
    "Dudley",
    "Exeter",
    "Frome",
    "Grimsby",
    "Halifax",
    "Ipswich",
    "Kendal",
    "Luton",
    "Morpeth",
    "Newquay",
    "Oldham",
    "Penrith",
    "Redruth",
)
PATRONS = ("St Mary's", "Oakfield", "Riverside", "Hillcrest", "Parkside", "Holy Trinity", "Meadow")
PHASES = ("primary", "secondary", "all-through", "special", "nursery")


# -- networks as lesson 04 saves them -------------------------------------------------------------
def school_network(schools: int, seed: int = 14) -> Network:
    """A network of the project's model, with names and columns as a school leader fills them in:
    three links per school on average, each with a level, an origin, flows and trust."""
    rng = random.Random(seed)
    kinds = ("school",) * 8 + ("lea", "university", "community")
    made = []
    for number in range(schools):
        kind, town = rng.choice(kinds), rng.choice(TOWNS)
        phase = rng.choice(PHASES) if kind == "school" else ""
        made.append(
            School(f"{rng.choice(PATRONS)} {phase or kind}, {town} {number:04d}", kind, phase, town)
        )
    pairs: set[tuple[int, int]] = set()
    links = []
    while len(links) < 3 * schools:
        a, b = rng.sample(range(schools), 2)
        if (min(a, b), max(a, b)) in pairs:
            continue
        pairs.add((min(a, b), max(a, b)))
        links.append(
            Link(
                made[a].name,
                made[b].name,
                level=rng.randrange(6),
                origin=rng.choice(ORIGINS),
                flows=tuple(sorted(rng.sample(FLOWS, rng.randint(1, 3)), key=FLOWS.index)),
                directed=rng.random() < 0.2,
                trust=rng.choice((None, 1, 2, 3, 4)),
            )
        )
    return Network(tuple(made), tuple(links), title="Our partnership of schools")


def edited(network: Network, number: int, rng: random.Random) -> Network:
    """One click in lesson 04: even numbers rename a school (as the view does: the renamed school
    moves to the end and its links follow), odd numbers add one link."""
    if number % 2 == 0:
        school = rng.choice(network.schools)
        name = check_school_name(network, f"{school.name} renamed {number}", replacing=school.name)
        renamed = network.renamed(school.name, name)
        return renamed.with_school(replace(renamed.school(name), kind=school.kind))
    while True:
        a, b = rng.sample(network.names, 2)
        try:
            link = check_link(
                network, Link(a, b, level=3, origin="shared_problem", flows=("information",))
            )
        except ValueError:
            continue
        return network.with_link(link)


def full_bytes(value: Any) -> int:
    """The size of a full copy: the answer's JSON text, as the store writes it."""
    return len(json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8"))


# -- measuring ------------------------------------------------------------------------------------
def _last_revision_id(store: Store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.max(store_module.revisions.c.id))).scalar() or 0


def _stored_bytes(store: Store, after: int) -> list[int]:
    """Bytes of revision text of each revision row after revision ``after``, in order."""
    revisions = store_module.revisions
    with store.engine.connect() as conn:
        texts = conn.execute(
            sa.select(revisions.c.value).where(revisions.c.id > after).order_by(revisions.c.id)
        )
        return [len(text.encode("utf-8")) for text in texts.scalars()]


def _database_bytes(store: Store) -> int:
    """SQLite: the file's size once the WAL is copied in. PostgreSQL: the revisions table's, with
    its indexes and TOAST (where PostgreSQL compresses long texts)."""
    if store.engine.dialect.name == "sqlite":
        raw = store.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = cursor.execute("PRAGMA page_count").fetchone()[0]
            return pages * cursor.execute("PRAGMA page_size").fetchone()[0]
        finally:
            raw.close()
    with store.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT pg_total_relation_size('revisions')").scalar_one()


def measure_edits(url: str, schools: int, edits: int = EDITS) -> dict[str, Any]:
    """Save a network, then ``edits`` single edits of it one by one: what each edit adds.

    ``edit_bytes``: the revision text each edit stored; ``database_bytes``: growth of the database
    per edit (see :func:`_database_bytes`), from the second edit on (the first update of a big
    answer grows an SQLite file by one copy of it, once: the new pages are written before the
    old ones are freed, and later saves reuse them); ``full_bytes``: one full copy of the last
    value; ``save_ms``: the median time of one ``Store.save`` (the change is worked out in it).
    """
    store = Store(url)
    learner = f"measured-{schools}"
    try:
        store.ensure_learner(learner, "code")
        network, rng = school_network(schools), random.Random(schools)
        store.save(learner, NETWORK_ACTIVITY, NETWORK_KEY, network_to_value(network))
        first = _last_revision_id(store)
        times, size_before = [], 0
        for number in range(edits):
            network = edited(network, number, rng)
            value = network_to_value(network)
            started = time.perf_counter()
            store.save(learner, NETWORK_ACTIVITY, NETWORK_KEY, value)
            times.append(time.perf_counter() - started)
            size_before = size_before or _database_bytes(store)
        edit_bytes = _stored_bytes(store, first)
        return {
            "schools": schools,
            "links": len(network.links),
            "edits": edits,
            "full_bytes": full_bytes(value),
            "edit_bytes": edit_bytes,
            "database_bytes": (_database_bytes(store) - size_before) / max(edits - 1, 1),
            "save_ms": statistics.median(times) * 1000,
        }
    finally:
        store.delete_learner(learner)
        store.dispose()


# -- random JSON values and edits of them ---------------------------------------------------------
TEXTS = (
    "",
    "a",
    "école",
    'She said "no" \\ twice',
    "line\nbreak",
    "tab\there",
    "\u2028 and \u2029",
    "漢字 🙂",
    "<b>markup</b>",
    "x" * 300,
    "0",
    "null",
    '{"not": "an object"}',
    "[1, 2]",
)


def random_value(rng: random.Random, depth: int = 0) -> Any:
    """Any JSON value: nested objects and arrays, long and short texts, awkward characters, numbers
    that only just fit a float or do not fit 64 bits."""
    roll = rng.random()
    if depth < 4 and roll < 0.25:
        return {
            rng.choice(TEXTS) + str(n): random_value(rng, depth + 1)
            for n in range(rng.randrange(8))
        }
    if depth < 4 and roll < 0.5:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(12))]
    return rng.choice(
        [
            rng.choice(TEXTS),
            rng.randrange(-(10**20), 10**20),
            rng.random() * 10 ** rng.randrange(-5, 300),
            True,
            False,
            None,
            0,
            -0.0,
            1.5,
        ]
    )


def mutated(value: Any, rng: random.Random) -> Any:
    """A copy of ``value`` with one thing changed somewhere inside, as one edit would."""
    if isinstance(value, list) and value and rng.random() < 0.7:
        copy, at = list(value), rng.randrange(len(value))
        choice = rng.random()
        if choice < 0.3:
            copy[at] = mutated(copy[at], rng)
        elif choice < 0.6:
            copy.insert(at, random_value(rng, 2))
        elif choice < 0.8:
            del copy[at]
        else:
            copy.append(random_value(rng, 3))
        return copy
    if isinstance(value, dict) and value and rng.random() < 0.7:
        copy, key = dict(value), rng.choice(sorted(value))
        choice = rng.random()
        if choice < 0.5:
            copy[key] = mutated(copy[key], rng)
        elif choice < 0.75:
            del copy[key]
        else:
            copy[f"{key} new {rng.randrange(1000)}"] = random_value(rng, 2)
        return copy
    return random_value(rng, 1)


def big_value(rng: random.Random) -> dict[str, Any]:
    """A random value well over ``DELTA_MIN_CHARS``, so its edits are stored as changes."""
    return {"items": [random_value(rng, 1) for _ in range(80)], "title": rng.choice(TEXTS)}


def as_saved(value: Any) -> Any:
    """What the store gives back for ``value``: its JSON text, parsed."""
    return json.loads(json.dumps(value, ensure_ascii=False, sort_keys=True))


def same_json(a: Any, b: Any) -> bool:
    """Equal with the same types all the way down (1 is not 1.0 nor True), as JSON text shows."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def one_line_edited(value: dict[str, list[str]] | None, number: int) -> dict[str, list[str]]:
    """A value of 40 lines of text (about 2.5 KB) with line ``number % 40`` rewritten: an edit
    whose change is always small, for tests that predict which revisions are full copies."""
    lines = list(value["lines"]) if value else [f"line {n}: " + "words " * 10 for n in range(40)]
    lines[number % 40] = f"line {number % 40} edited {number}: " + "words " * 10
    return {"lines": lines}


def kinds(store: Store, learner: str = "alice") -> list[str]:
    revisions = store_module.revisions
    with store.engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(revisions.c.kind)
                .where(revisions.c.learner_id == learner)
                .order_by(revisions.c.id)
            ).scalars()
        )


# -- the format: lines and changes (pure functions) -----------------------------------------------
@pytest.mark.parametrize("seed", range(40))
def test_lines_join_into_json_that_parses_to_the_value(seed: int) -> None:
    rng = random.Random(seed)
    value = as_saved(big_value(rng) if seed % 2 else random_value(rng))
    lines = store_module._lines(value)
    assert all("\n" not in line for line in lines)
    assert same_json(json.loads("\n".join(lines)), value)
    assert store_module._lines(value) == lines  # the same value, the same lines


@pytest.mark.parametrize("seed", range(60))
def test_a_change_applied_to_the_lines_before_gives_the_new_value_exactly(seed: int) -> None:
    rng = random.Random(seed)
    old = as_saved(big_value(rng) if seed % 3 else random_value(rng))
    new = old
    for _ in range(rng.randint(1, 4)):
        new = as_saved(mutated(new, rng))
    old_text, new_text = (json.dumps(v, ensure_ascii=False, sort_keys=True) for v in (old, new))
    change = store_module._change(old_text, new_text)
    assert store_module._change(old_text, new_text) == change  # deterministic
    lines = store_module._patched(store_module._lines(old), change)
    assert same_json(json.loads("\n".join(lines)), new)
    assert json.dumps(json.loads("\n".join(lines)), ensure_ascii=False, sort_keys=True) == new_text


def test_the_stored_format_is_fixed() -> None:
    """Changes already in people's databases are read back with today's code: the layout and
    the steps may never change (a new layout needs a new kind of revision)."""
    assert (store_module.LINE_WIDTH, store_module.LINE_DEPTH) == (200, 20)
    old = {
        "links": [{"from": f"School {n}", "to": "Hub", "level": n % 6} for n in range(6)],
        "title": "Ours",
    }
    new = {
        "links": [*old["links"][:2], *old["links"][3:], {"from": "New", "to": "Hub", "level": 5}],
        "title": "Ours",
    }
    assert store_module._lines(old) == [
        "{",
        '"links":[',
        '{"from":"School 0","to":"Hub","level":0},',
        '{"from":"School 1","to":"Hub","level":1},',
        '{"from":"School 2","to":"Hub","level":2},',
        '{"from":"School 3","to":"Hub","level":3},',
        '{"from":"School 4","to":"Hub","level":4},',
        '{"from":"School 5","to":"Hub","level":5}',
        "],",
        '"title":"Ours"',
        "}",
    ]
    change = store_module._change(json.dumps(old), json.dumps(new))
    assert change == (
        '[4,-1,2,-1,"{\\"from\\":\\"School 5\\",\\"to\\":\\"Hub\\",\\"level\\":5},",'
        '"{\\"from\\":\\"New\\",\\"to\\":\\"Hub\\",\\"level\\":5}",3]'
    )
    assert json.loads("\n".join(store_module._patched(store_module._lines(old), change))) == new


def test_values_nested_deeper_than_the_layout_goes_still_save_and_read_back(store: Store) -> None:
    """Below ``LINE_DEPTH`` levels an array stays on one line, so laying out a value never runs
    out of stack, however deep a value the page sends."""
    store.ensure_learner("alice", "code")
    deep: Any = ["innermost"]
    for _ in range(900):  # json itself manages about 990
        deep = [deep, "x" * 10]
    values = []
    for number in range(3):
        values.append({"deep": deep, "lines": one_line_edited(None, number)["lines"]})
        store.save("alice", "a", "k", values[-1])
    assert [r.value for r in store.history("alice", "a", "k")] == values
    assert kinds(store) == ["full", "delta", "delta"]


@pytest.mark.parametrize(
    "change", ["[3]", "[20]", "[-12]", '[11,"x",1]', "[1.5,10]", "[0,11]", '["only"]']
)
def test_a_change_that_does_not_fit_the_revision_before_is_refused(change: str) -> None:
    with pytest.raises(ValueError):
        store_module._patched(["a"] * 11, change)


# -- saving and reading back, on both databases -----------------------------------------------------
def test_random_values_saved_one_after_another_come_back_exactly(store: Store) -> None:
    rng = random.Random(2026)
    store.ensure_learner("alice", "code")
    value, saved = big_value(rng), []
    for _ in range(60):
        value = mutated(value, rng) if rng.random() < 0.9 else big_value(rng)
        saved.append((as_saved(value), store.save("alice", "a", "k", value).saved_at))
    history = store.history("alice", "a", "k")
    assert [(r.value, r.saved_at) for r in history] == saved
    assert all(same_json(r.value, value) for r, (value, _) in zip(history, saved, strict=False))
    assert "delta" in kinds(store) and kinds(store)[0] == "full"


def test_every_edit_of_a_network_comes_back_exactly(store: Store) -> None:
    store.ensure_learner("alice", "code")
    network, rng = school_network(200), random.Random(4)
    values = [network_to_value(network)]
    for number in range(30):
        network = edited(network, number, rng)
        values.append(network_to_value(network))
    stamps = [
        store.save("alice", NETWORK_ACTIVITY, NETWORK_KEY, value).saved_at for value in values
    ]
    history = store.history("alice", NETWORK_ACTIVITY, NETWORK_KEY)
    assert [r.value for r in history] == values and [r.saved_at for r in history] == stamps
    assert kinds(store) == ["full"] + ["delta"] * 30
    assert network_from_value(history[-1].value) == network


@pytest.mark.parametrize("schools", [200, 1000])
def test_one_edit_of_a_network_adds_kilobytes_not_the_network(store_url: str, schools: int) -> None:
    """Issue 14.4. Before: every edit stored a full copy (about 140 KB at 200 schools, 690 KB at
    1,000). Now an edit stores its change: under 10% of a full copy and under 4 KB, and the
    database grows by as little (``bench/revision_bytes.py`` prints the figures)."""
    found = measure_edits(store_url, schools)
    print(
        f"\n{schools} schools: full copy {found['full_bytes']:,} B; per edit stored "
        f"{statistics.median(found['edit_bytes']):,.0f} B (largest {max(found['edit_bytes']):,} B), "
        f"database +{found['database_bytes']:,.0f} B"
    )
    assert len(found["edit_bytes"]) == EDITS
    assert max(found["edit_bytes"]) < min(found["full_bytes"] / 10, 4000)
    assert found["database_bytes"] < min(found["full_bytes"] / 10, 8000)


def test_a_full_copy_at_least_every_50th_revision_of_an_answer(store: Store) -> None:
    """So reading any revision back reads at most 50 rows: its full copy and the changes after it."""
    store.ensure_learner("alice", "code")
    values = []
    for number in range(120):
        values.append(one_line_edited(values[-1] if values else None, number))
        store.save("alice", "a", "k", values[-1])
    every = store_module.FULL_EVERY
    assert kinds(store) == [("full" if number % every == 0 else "delta") for number in range(120)]
    assert [r.value for r in store.history("alice", "a", "k")] == values


def test_small_values_and_changes_as_big_as_the_value_are_stored_whole(store: Store) -> None:
    """A short answer, a long text edited (one line: its change is the whole text) and a value
    replaced by another are full copies, readable as they are; a small edit of a big value is not."""
    store.ensure_learner("alice", "code")
    texts = ["a short answer", "a short answer, edited", "x" * 5000, "x" * 5001]
    for text in texts:
        store.save("alice", "reflection", "r1", text)
    other = {"lines": [f"other {n}: " + "texts " * 10 for n in range(40)]}
    for value in (one_line_edited(None, 0), other, one_line_edited(other, 1)):
        store.save("alice", "other", "k", value)
    assert kinds(store) == ["full"] * 6 + ["delta"]
    revisions = store_module.revisions
    with store.engine.connect() as conn:
        stored = (
            conn.execute(
                sa.select(revisions.c.value)
                .where(revisions.c.activity == "reflection")
                .order_by(revisions.c.id)
            )
            .scalars()
            .all()
        )
    assert [json.loads(text) for text in stored] == texts


def test_refused_saves_and_discards_leave_a_history_that_reads_back(store: Store) -> None:
    store.ensure_learner("alice", "code")
    values = [one_line_edited(None, 0)]
    saved = store.save("alice", "a", "k", values[0], expected_rev=0)
    for number in range(1, 6):
        values.append(one_line_edited(values[-1], number))
        with pytest.raises(SaveConflict):
            store.save("alice", "a", "k", values[-1], expected_rev=saved.rev + 1)
        saved = store.save("alice", "a", "k", values[-1], expected_rev=saved.rev)
    assert store.discard("alice", "a", "k", saved.rev)
    values.append(one_line_edited(values[-1], 6))
    store.save("alice", "a", "k", values[-1])  # the answer it replaces is gone: a full copy
    values.append(one_line_edited(values[-1], 7))
    store.save("alice", "a", "k", values[-1], expected_rev=1)
    assert [r.value for r in store.history("alice", "a", "k")] == values
    assert kinds(store) == ["full"] + ["delta"] * 5 + ["full", "delta"]


def test_the_export_rebuilds_every_revision_in_the_same_format(store: Store) -> None:
    rng = random.Random(21)
    store.ensure_learner("alice", "code")
    store.ensure_learner("bob", "code")
    expected, network = [], school_network(30)
    for number in range(12):  # two answers saved in turn, and another learner's in between
        key, value = (
            ("k1", big_value(rng)) if number % 3 == 0 else ("k2", network_to_value(network))
        )
        network = edited(network, number, rng)
        stamp = store.save("alice", "a", key, value).saved_at
        store.save("bob", "a", key, big_value(rng))
        expected.append({"activity": "a", "key": key, "value": as_saved(value), "saved_at": stamp})
    exported = store.export_learner("alice")
    assert exported["history"] == expected
    assert "delta" in kinds(store, "alice")
    assert [a["value"] for a in exported["answers"]] == [
        expected[-3]["value"],
        expected[-1]["value"],
    ]


def test_deleting_a_learner_deletes_every_revision_and_leaves_the_others_readable(
    store: Store,
) -> None:
    rng = random.Random(8)
    saved: dict[str, list[Any]] = {"alice": [], "bob": []}
    for learner, values in saved.items():
        store.ensure_learner(learner, "code")
        value = big_value(rng)
        for _ in range(10):
            value = mutated(value, rng)
            store.save(learner, "a", "k", value)
            values.append(as_saved(value))
    store.delete_learner("alice")
    assert kinds(store, "alice") == [] and store.export_learner("alice")["history"] == []
    assert [r.value for r in store.history("bob", "a", "k")] == saved["bob"]


def test_a_damaged_change_is_reported_not_read_wrong(store: Store) -> None:
    store.ensure_learner("alice", "code")
    value = one_line_edited(None, 0)
    store.save("alice", "a", "k", value)
    store.save("alice", "a", "k", one_line_edited(value, 1))
    assert kinds(store) == ["full", "delta"]
    revisions = store_module.revisions
    with store.engine.begin() as conn:
        conn.execute(revisions.update().where(revisions.c.kind == "delta").values(value="[1]"))
    with pytest.raises(StoreError, match="damaged"):
        store.history("alice", "a", "k")
    with pytest.raises(StoreError, match="damaged"):
        store.export_learner("alice")


def test_many_saves_of_one_answer_at_once_each_build_on_the_one_before(store_url: str) -> None:
    """Several pages save the same big answer at the same moment (no revision check): each change
    must be computed from the revision really before it, so the history reads back exactly.
    (On PostgreSQL the answer's row is locked while the change is worked out.)"""
    first = Store(store_url)
    first.ensure_learner("alice", "code")
    base = {"lines": [f"line {n}: " + "words " * 10 for n in range(200)]}  # about 13 KB
    first.save("alice", "a", "k", base)
    pages = [Store(store_url) for _ in range(4)]
    barrier = threading.Barrier(len(pages))
    made: dict[int, list[Any]] = {}

    def page(number: int, store: Store) -> None:
        lines = list(base["lines"])
        made[number] = []
        barrier.wait()
        for step in range(8):
            lines[50 * number + step] = f"page {number}, step {step}"
            store.save("alice", "a", "k", {"lines": lines})
            made[number].append({"lines": list(lines)})

    threads = [threading.Thread(target=page, args=(n, s)) for n, s in enumerate(pages)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        history = [r.value for r in first.history("alice", "a", "k")]
        assert history[0] == as_saved(base) and len(history) == 1 + 8 * len(pages)
        ordered = sorted(json.dumps(v, sort_keys=True) for v in history[1:])
        assert ordered == sorted(
            json.dumps(v, sort_keys=True) for values in made.values() for v in values
        )
        assert all(
            _in_order(history, values) for values in made.values()
        )  # each page's saves in its order
        assert first.load("alice", "a") == {"k": history[-1]}
        assert "delta" in kinds(first)
    finally:
        for s in (first, *pages):
            s.dispose()


def _in_order(history: list[Any], values: list[Any]) -> bool:
    """Whether ``values`` appear in ``history`` in this order (a value may also appear elsewhere)."""
    found = iter(history)
    return all(any(item == value for item in found) for value in values)


# -- databases made before revisions were stored as changes -----------------------------------------
def _old_layout(serial: str) -> list[str]:
    """The tables as the store made them before the ``kind`` column (cohort tables come on start)."""
    return [
        "CREATE TABLE learners (id VARCHAR(64) PRIMARY KEY, kind VARCHAR(8) NOT NULL, created_at VARCHAR(32) NOT NULL)",
        (
            "CREATE TABLE answers (learner_id VARCHAR(64) NOT NULL REFERENCES learners(id), "
            "activity VARCHAR(64) NOT NULL, key VARCHAR(200) NOT NULL, value TEXT NOT NULL, "
            "updated_at VARCHAR(32) NOT NULL, rev INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (learner_id, activity, key))"
        ),
        (
            f"CREATE TABLE revisions (id {serial} PRIMARY KEY, "
            "learner_id VARCHAR(64) NOT NULL REFERENCES learners(id), activity VARCHAR(64) NOT NULL, "
            "key VARCHAR(200) NOT NULL, value TEXT NOT NULL, "
            "saved_at VARCHAR(32) NOT NULL)"
        ),
        "CREATE INDEX ix_revisions_learner ON revisions (learner_id, activity, key)",
    ]


def test_an_old_database_gains_the_kind_column_and_its_history_reads_back(store_url: str) -> None:
    """People keep their SQLite files (and servers): old revisions are full copies and stay
    readable; the saves after them are stored as changes."""
    engine = sa.create_engine(
        store_url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.pool.NullPool
    )
    network, rng = school_network(60), random.Random(60)
    values = []
    for number in range(3):
        values.append(network_to_value(network))
        network = edited(network, number, rng)
    with engine.begin() as conn:
        for statement in _old_layout(
            "SERIAL" if engine.dialect.name == "postgresql" else "INTEGER"
        ):
            conn.exec_driver_sql(statement)
        conn.execute(sa.text("INSERT INTO learners VALUES ('alice', 'code', '2025-01-01')"))
        for number, value in enumerate(values):
            text = json.dumps(value, ensure_ascii=False, sort_keys=True)
            conn.execute(
                sa.text(
                    "INSERT INTO revisions (learner_id, activity, key, value, saved_at) "
                    "VALUES ('alice', 'network', 'current', :text, :stamp)"
                ),
                {"text": text, "stamp": f"2025-01-0{number + 1}"},
            )
        conn.execute(
            sa.text(
                "INSERT INTO answers VALUES ('alice', 'network', 'current', :text, '2025-01-03', 3)"
            ),
            {"text": text},
        )
    engine.dispose()
    store, again = Store(store_url), Store(store_url)  # the second start finds it done
    try:
        assert kinds(store) == ["full"] * 3
        assert [r.value for r in store.history("alice", "network", "current")] == values
        saved = store.load_saved("alice")["network"]["current"]
        assert saved.value == values[-1] and saved.rev == 3
        for number in range(3, 6):
            values.append(network_to_value(network))
            again.save("alice", "network", "current", values[-1], expected_rev=number)
            network = edited(network, number, rng)
        assert kinds(store) == ["full"] * 3 + ["delta"] * 3
        history = store.history("alice", "network", "current")
        assert [r.value for r in history] == values
        assert [r.saved_at for r in history][:3] == ["2025-01-01", "2025-01-02", "2025-01-03"]
        assert [entry["value"] for entry in store.export_learner("alice")["history"]] == values
    finally:
        store.dispose()
        again.dispose()

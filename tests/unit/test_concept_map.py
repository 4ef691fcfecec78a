"""course/CONCEPT_MAP.md: every concept of the syllabus (C01–C48) has one row, in order, naming
lessons that exist, activities those lessons' notebooks really have, and only questions, statements,
items, options and fields that those activities really ask the learner about."""

import json
import re
from functools import cache

import pytest

from widgets_lib import (
    capacity,
    choices,
    health,
    leadership,
    lessons,
    perspectives,
    plan,
    reflections,
)
from widgets_lib.paths import course_dir

CONCEPT_IDS = [f"C{n:02d}" for n in range(1, 49)]
HEADER = ["id", "concept", "lesson", "activity"]
DASH = " — "
KEY = re.compile(r"`([a-z_]+)(?::([A-Za-z0-9_]+))?`")
CALL = re.compile(
    r"""lesson\.activity\(\s*(["'])(?P<name>[^"']+)\1(?:\s*,\s*(["'])(?P<arg>[^"']+)\3)?"""
)
CONCEPT_ROW = re.compile(r"^\|\s*(C\d+)\s*\|")
NONE = "none"
# Concepts their lesson explains but no activity applies yet (the row's activity is "none"): each with
# what is missing. A question, statement or option that applies one moves it out of this list.
NOT_YET_APPLIED: dict[str, str] = {}
# What the words after the dash may name: reflection questions, sorter statements, health check
# items, capacity statements; ranges such as "H11–H14" name both ends.
NAMED_ID = re.compile(r"\b(r\d\d[a-z]|H\d\d|H[LSVI]\d|[FPIOESD]\d)\b")
BACKTICKED = re.compile(r"`([^`]+)`")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


@cache
def map_rows() -> tuple[tuple[str, ...], ...]:
    """The table's rows (id, concept, lesson, activity), in file order."""
    lines = (course_dir() / "CONCEPT_MAP.md").read_text(encoding="utf-8").splitlines()
    headers = [i for i, line in enumerate(lines) if line.startswith("|") and _cells(line) == HEADER]
    assert len(headers) == 1, f"CONCEPT_MAP.md needs one table headed | {' | '.join(HEADER)} |"
    rows = []
    for line in lines[headers[0] + 2 :]:
        if not line.startswith("|"):
            break
        cells = _cells(line)
        assert len(cells) == 4, f"{cells[0]}: row has {len(cells)} cells, not 4: {line}"
        rows.append(tuple(cells))
    return tuple(rows)


def row(concept_id: str) -> tuple[str, ...]:
    matches = [r for r in map_rows() if r[0] == concept_id]
    assert matches, f"{concept_id}: no row in CONCEPT_MAP.md"
    return matches[0]


def lesson_ids(concept_id: str) -> list[str]:
    return [part.strip() for part in row(concept_id)[2].split(",")]


def _split(concept_id: str) -> tuple[str, str]:
    cell = row(concept_id)[3]
    assert DASH in cell, f"{concept_id}: activity needs keys, then '{DASH.strip()}' and a few words"
    keys, words = cell.split(DASH, 1)
    assert words.strip(), f"{concept_id}: no words after the dash saying what the learner does"
    return keys.strip(), words.strip()


def activity_keys(concept_id: str) -> list[tuple[str, str | None]]:
    """The (name, argument) pairs of the backticked keys before the dash ([] for "none")."""
    keys, _words = _split(concept_id)
    if keys == NONE:
        return []
    parts = [part.strip() for part in keys.split(",")]
    pairs = []
    for part in parts:
        match = KEY.fullmatch(part)
        assert match, f"{concept_id}: activity key {part!r} is not `name` or `name:argument`"
        pairs.append((match.group(1), match.group(2)))
    return pairs


@cache
def notebook_calls(file: str) -> frozenset[tuple[str, str | None]]:
    """(name, first further string argument or None) of each lesson.activity call in code cells."""
    raw = json.loads((course_dir() / file).read_text(encoding="utf-8"))
    calls = set()
    for cell in raw["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        calls.update((m.group("name"), m.group("arg")) for m in CALL.finditer(source))
    return frozenset(calls)


def test_the_map_has_every_concept_once_in_order():
    ids = [r[0] for r in map_rows()]
    for concept_id in CONCEPT_IDS:
        assert ids.count(concept_id) == 1, f"{concept_id}: {ids.count(concept_id)} rows, not 1"
    extra = [i for i in ids if i not in CONCEPT_IDS]
    assert not extra, f"{', '.join(extra)}: not concepts of CONTENT.md (C01–C48)"
    for position, (got, want) in enumerate(zip(ids, CONCEPT_IDS, strict=False)):
        assert got == want, f"{want}: expected at row {position + 1}, found {got} there"


@pytest.mark.parametrize("concept_id", CONCEPT_IDS)
def test_concept_has_a_short_name(concept_id):
    name = row(concept_id)[1]
    assert name, f"{concept_id}: no concept name"
    assert len(name.split()) <= 12, f"{concept_id}: name has {len(name.split())} words, over 12"


@pytest.mark.parametrize("concept_id", CONCEPT_IDS)
def test_concept_lessons_exist(concept_id):
    known = {info.id: info for info in lessons.LESSONS}
    ids = lesson_ids(concept_id)
    assert len(ids) == len(set(ids)), f"{concept_id}: lesson listed twice in {ids}"
    for lesson_id in ids:
        assert lesson_id in known, f"{concept_id}: lesson {lesson_id!r} is not in lessons.LESSONS"
        file = known[lesson_id].file
        assert (course_dir() / file).is_file(), (
            f"{concept_id}: lesson {lesson_id}'s notebook {file} is not in course/"
        )


def _has(calls: frozenset[tuple[str, str | None]], name: str, arg: str | None) -> bool:
    return (name, arg) in calls if arg is not None else name in {n for n, _ in calls}


@pytest.mark.parametrize("concept_id", CONCEPT_IDS)
def test_concept_activities_are_in_one_of_its_lessons(concept_id):
    files = [lessons.by_id(lesson_id).file for lesson_id in lesson_ids(concept_id)]
    for name, arg in activity_keys(concept_id):
        call = f'lesson.activity("{name}"' + (f', "{arg}")' if arg else ")")
        assert any(_has(notebook_calls(file), name, arg) for file in files), (
            f"{concept_id}: no {call} code cell in {', '.join(files)}"
        )


def test_concepts_not_yet_applied_are_exactly_the_listed_ones():
    unapplied = {concept_id for concept_id in CONCEPT_IDS if not activity_keys(concept_id)}
    assert unapplied == set(NOT_YET_APPLIED), (
        f"rows marked {NONE!r}: {sorted(unapplied)}; listed in NOT_YET_APPLIED: "
        f"{sorted(NOT_YET_APPLIED)} (a concept an activity now applies gets its row, and leaves the list)"
    )


def _ids_of(name: str, arg: str | None) -> set[str]:
    """The question, statement and item ids an activity asks about."""
    if name == "reflection":
        return {q.id for q in reflections.questions()}
    if name == "perspectives":
        return {s.id for s in perspectives.load_sorter(perspectives.ACTIVITY).statements}
    if name == "sorter" and arg:
        return {s.id for s in perspectives.load_sorter(arg).statements}
    if name == "health":
        return {item.id for item in health.load_items().items}
    if name == "capacity":
        return {item.id for item in capacity.load_bank().items}
    return set()


def _options_of(name: str, arg: str | None) -> set[str]:
    """The option and field keys an activity offers the learner."""
    if name == "who_leads":
        return set(leadership.activities())
    if name == "choice" and arg:
        return {option.id for option in choices.load_choice(arg).options}
    if name == "plan":
        return set(plan.LEARNING_KEYS) | {plan.WAY_KEY} | set(plan.WAYS)
    return set()


@pytest.mark.parametrize("concept_id", [c for c in CONCEPT_IDS if c not in NOT_YET_APPLIED])
def test_what_a_row_names_is_in_the_activities_it_claims(concept_id):
    """Every question, statement, item, option or field a row names is asked by one of its activities;
    a reflection question belongs to one of the row's lessons, and that lesson shows its questions."""
    _keys, words = _split(concept_id)
    keys = activity_keys(concept_id)
    for named in NAMED_ID.findall(words):
        owners = [(name, arg) for name, arg in keys if named in _ids_of(name, arg)]
        assert owners, f"{concept_id}: {named} is not asked by {keys}"
        if named.startswith("r"):
            question = next(q for q in reflections.questions() if q.id == named)
            assert question.lesson in lesson_ids(concept_id), (
                f"{concept_id}: {named} is asked in lesson {question.lesson}, not in "
                f"{', '.join(lesson_ids(concept_id))}"
            )
            file = lessons.by_id(question.lesson).file
            assert _has(notebook_calls(file), "reflection", None), (
                f"{concept_id}: {named} belongs to lesson {question.lesson}, whose {file} has no "
                'lesson.activity("reflection") cell to show it'
            )
    for named in BACKTICKED.findall(words):
        assert any(named in _options_of(name, arg) for name, arg in keys), (
            f"{concept_id}: `{named}` is not an option or field of {keys}"
        )


def test_concept_tables_name_only_syllabus_concepts():
    files = sorted(course_dir().glob("CONCEPTS_*.md"))
    assert files, "no CONCEPTS_*.md files in course/"
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = CONCEPT_ROW.match(line)
            if match:
                assert match.group(1) in CONCEPT_IDS, (
                    f"{match.group(1)}: in {path.name} but not a concept of CONTENT.md (C01–C48)"
                )

"""course/CONCEPT_MAP.md: every concept of the syllabus (C01–C48) has one row, in order, naming a
lesson that exists and activities that the lesson's notebook really has."""

import json
import re
from functools import cache

import pytest

from widgets_lib import lessons
from widgets_lib.paths import course_dir

CONCEPT_IDS = [f"C{n:02d}" for n in range(1, 49)]
HEADER = ["id", "concept", "lesson", "activity"]
DASH = " — "
KEY = re.compile(r"`([a-z_]+)(?::([A-Za-z0-9_]+))?`")
CALL = re.compile(
    r"""lesson\.activity\(\s*(["'])(?P<name>[^"']+)\1(?:\s*,\s*(["'])(?P<arg>[^"']+)\3)?"""
)
CONCEPT_ROW = re.compile(r"^\|\s*(C\d+)\s*\|")


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


def activity_keys(concept_id: str) -> list[tuple[str, str | None]]:
    """The (name, argument) pairs of the backticked keys before the dash."""
    cell = row(concept_id)[3]
    assert DASH in cell, f"{concept_id}: activity needs keys, then '{DASH.strip()}' and a few words"
    keys, words = cell.split(DASH, 1)
    assert words.strip(), f"{concept_id}: no words after the dash saying what the learner does"
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


@pytest.mark.parametrize("concept_id", CONCEPT_IDS)
def test_concept_activities_are_in_the_main_lesson_notebook(concept_id):
    main = lesson_ids(concept_id)[0]
    file = lessons.by_id(main).file
    assert (course_dir() / file).is_file(), (
        f"{concept_id}: cannot check its activities, lesson {main}'s {file} is not in course/"
    )
    calls = notebook_calls(file)
    names = {name for name, _ in calls}
    for name, arg in activity_keys(concept_id):
        if arg is None:
            assert name in names, f'{concept_id}: {file} has no lesson.activity("{name}") code cell'
        else:
            assert (name, arg) in calls, (
                f'{concept_id}: {file} has no lesson.activity("{name}", "{arg}") code cell'
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

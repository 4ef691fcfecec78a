"""The invented example networks as worked cases: story, diagnosis with their own answers, look-alikes,
neutral names (issue 16, point 4)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from html import escape

import pytest

from widgets_lib import CourseError, classify
from widgets_lib.examples import (
    diagnose_example,
    example,
    list_examples,
    load_example,
    look_alikes,
)
from widgets_lib.html.examples import look_alikes_html, worked_case_html
from widgets_lib.paths import data_dir

IDS = [key for key, _ in list_examples()]
# Words from the list of names that mock their subject, and the others the course dropped
# with them: an example school or network is never named for what is wrong with it.
MOCKING = (
    "jackpot teacosy soggy tinpot scrapyard slagton goldpenny moneypenny silverspoon windfall "
    "tuppence bountiful crumpet cocoa slipper foggy mizzle damp puddle overcast greyskye drip "
    "snoring wobble hedgepig marmalade grand"
).split()
# Types of school that an empty network's story must not cast as the one to blame.
SCHOOL_TYPES = ("academy", "faith", "church", "small school", "large", "grammar", "free school")
XSS = "<script>alert(1)</script>"


def _names(example_id: str) -> list[str]:
    text = (data_dir() / "networks" / example_id / "schools.csv").read_text(encoding="utf-8")
    return [row["name"] for row in csv.DictReader(io.StringIO(text))]


@pytest.mark.parametrize("example_id", IDS)
def test_every_example_is_a_worked_case_with_its_story_and_its_own_diagnosis(example_id):
    case = example(example_id)
    assert "invented" in case.title.lower() and "invented" in case.note.lower()
    assert len(case.story.split()) >= 20
    result = diagnose_example(example_id)
    assert result.verdict == case.built_to_show, result.reasons
    # The diagnosis uses the example's own answers, not none: without them it could not be named.
    assert classify.diagnose(case.network, {}).verdict == "uncertain"
    network, constructs = load_example(example_id)
    assert network == case.network and constructs == case.constructs
    shown = worked_case_html(case, result)
    assert "The story (invented)" in shown and escape(case.story) in shown
    assert classify.TYPE_NAMES[case.built_to_show].capitalize() in shown
    assert all(f"<li>{escape(reason)}</li>" in shown for reason in result.reasons)


def test_the_three_look_alikes_are_explained_beside_the_type_they_resemble():
    cases = look_alikes()
    assert sorted(case.looks_like for case in cases) == ["contrived", "cosy", "thuggery"]
    rows = []
    for case in cases:
        assert case.looks_like != case.built_to_show == "meaningful"
        assert case.looks_like_because and case.is_not_because
        result = diagnose_example(case.id)
        assert result.verdict == "meaningful"
        assert any(
            f"could be a {classify.TYPE_NAMES[case.looks_like]}" in r for r in result.reasons
        )
        shown = worked_case_html(case, result)
        assert f"Looks like a {classify.TYPE_NAMES[case.looks_like]}" in shown
        assert "It is not one" in shown
        rows.append((case, result))
    table = look_alikes_html(rows)
    assert table.count("<tr>") == 1 + 3
    for case in cases:
        assert f"a {classify.TYPE_NAMES[case.looks_like]}" in table
        assert escape(case.looks_like_because) in table and escape(case.is_not_because) in table


def test_the_look_alikes_quote_harris_word_for_word():
    harris = (data_dir().parent / ".." / "shared" / "seeds").resolve()
    paper = next(harris.glob("harris-*.txt"), None) if harris.is_dir() else None
    if paper is None:
        pytest.skip("the source papers are not beside this checkout")
    text = " ".join(paper.read_text(encoding="utf-8").split())
    for case in look_alikes():
        for quoted in re.findall(r'"([^"]+)"', case.is_not_because):
            assert quoted in text, quoted


@pytest.mark.parametrize("example_id", IDS)
def test_no_school_or_network_is_named_to_mock_its_subject(example_id):
    case = example(example_id)
    for name in [case.title, *_names(example_id)]:
        words = re.findall(r"[a-z]+", name.lower())
        assert not [w for w in words if any(w.startswith(m) for m in MOCKING)], name


def test_no_type_of_school_is_cast_as_the_villain_of_an_empty_network():
    for example_id in IDS:
        case = example(example_id)
        if case.built_to_show == "meaningful":
            continue
        assert not [t for t in SCHOOL_TYPES if t in case.story.lower()], (example_id, case.story)
    bully = example("thuggery_ironbridge")
    hub = classify.measure(bully.network).hub
    assert hub == "Ironbridge Vale School" and hub in bully.story
    assert "settles the agenda" in bully.story  # described by what it does


@pytest.mark.parametrize("bad", ["../health_items.json", "nothing", ""])
def test_only_listed_examples_can_be_opened(bad):
    with pytest.raises(CourseError):
        example(bad)


def test_story_text_is_shown_as_text():
    case = replace(example(IDS[0]), story=XSS, title=XSS, is_not_because=XSS, looks_like="cosy")
    result = diagnose_example(IDS[0])
    for shown in (worked_case_html(case, result), look_alikes_html([(case, result)])):
        assert "<script>" not in shown and "&lt;script&gt;" in shown

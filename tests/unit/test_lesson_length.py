"""Every lesson fits the time it states, and no lesson states more than 30 minutes: reading at
lessons.READING_WPM words a minute, a minute for each "Think" prompt and lessons.ACTIVITY_MINUTES
for each activity (a reflection counts per question)."""

import json

import pytest

from widgets_lib import lessons, reflections
from widgets_lib.paths import course_dir

LIMIT = 30


@pytest.mark.parametrize("info", lessons.LESSONS, ids=lambda info: info.id)
def test_lesson_fits_its_stated_time(info: lessons.LessonInfo) -> None:
    length = lessons.estimate(course_dir() / info.file)
    assert length.stated_minutes is not None, (
        f"{info.file}: the first cell needs a 'takes about N minutes' sentence"
    )
    assert length.stated_minutes <= LIMIT, f"{info.file} states {length.stated_minutes} minutes"
    assert length.minutes <= length.stated_minutes, (
        f"{info.file}: {length.words} words ({length.reading_minutes:.1f} min), "
        f"{length.think_prompts} Think prompts, activities {', '.join(length.activities)} "
        f"({length.activity_minutes:g} min): about {length.minutes:.1f} minutes, "
        f"more than the {length.stated_minutes} it states"
    )


def test_every_activity_kind_in_the_course_has_a_time() -> None:
    """Every kind a notebook can show has a time (estimate refuses unknown kinds)."""
    from widgets_lib.views.lesson import ACTIVITIES

    assert set(ACTIVITIES) == set(lessons.ACTIVITY_MINUTES)
    assert all(m > 0 for m in lessons.ACTIVITY_MINUTES.values())


def _notebook(tmp_path, name: str, cells: list[tuple[str, str]]):
    path = tmp_path / name
    path.write_text(
        json.dumps(
            {
                "cells": [
                    {"cell_type": kind, "metadata": {}, "source": source.splitlines(True)}
                    | ({"outputs": [], "execution_count": None} if kind == "code" else {})
                    for kind, source in cells
                ],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        ),
        encoding="utf-8",
    )
    return path


def test_estimate_counts_words_thinks_and_activities(tmp_path) -> None:
    path = _notebook(
        tmp_path,
        "01_tiny.ipynb",
        [
            ("markdown", "# A tiny lesson\n\nIt takes about\n12 minutes, with Harris's paper."),
            ("code", 'lesson = Lesson("01")\nlesson.activity("capacity")'),
            (
                "markdown",
                "*Think:* *What would you do?*\n\nSee [the paper](https://example.org/a/b) "
                '<span class="x">now</span>.',
            ),
            ("code", 'lesson.activity("reflection")\n# lesson.activity is not read here: "x"'),
            ("raw", "raw cells are not read by anyone at all"),
        ],
    )
    length = lessons.estimate(path)
    # "A tiny lesson" 3 + "It takes about 12 minutes with Harris's paper" 8;
    # "Think What would you do" 5 + "See the paper now" 4
    assert length.words == 20
    assert length.think_prompts == 1
    assert length.activities == ("capacity", "reflection")
    questions = len(reflections.questions("01"))
    assert questions > 0
    assert length.reflection_questions == questions
    expected_activities = (
        lessons.ACTIVITY_MINUTES["capacity"] + lessons.ACTIVITY_MINUTES["reflection"] * questions
    )
    assert length.activity_minutes == expected_activities
    assert length.stated_minutes == 12
    assert length.minutes == pytest.approx(
        20 / lessons.READING_WPM + lessons.THINK_MINUTES + expected_activities
    )


def test_estimate_without_a_stated_time_or_activities(tmp_path) -> None:
    words = " ".join(["word"] * 400)
    path = _notebook(tmp_path, "07_plain.ipynb", [("markdown", words), ("code", "x = 1")])
    length = lessons.estimate(path)
    assert length.stated_minutes is None
    assert length.activities == ()
    assert length.reflection_questions == 0
    assert length.minutes == pytest.approx(2.0)


def test_estimate_refuses_an_activity_without_a_time(tmp_path) -> None:
    path = _notebook(tmp_path, "03_new.ipynb", [("code", 'lesson.activity("quiz")')])
    with pytest.raises(ValueError, match="quiz"):
        lessons.estimate(path)

"""The lessons of the course, their order, links between them and the learner's progress."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from .paths import course_dir


@dataclass(frozen=True)
class LessonInfo:
    id: str
    file: str
    title: str
    activity: str

    @property
    def available(self) -> bool:
        return (course_dir() / self.file).exists()


LESSONS: tuple[LessonInfo, ...] = (
    LessonInfo("00", "00_welcome.ipynb", "Welcome", "Start or resume; your progress"),
    LessonInfo("01", "01_why_networks.ipynb", "Why networks?", "A short reflection"),
    LessonInfo(
        "02",
        "02_what_is_capacity.ipynb",
        "What is capacity?",
        "Sort statements into four perspectives",
    ),
    LessonInfo(
        "03",
        "03_capacity_model.ipynb",
        "The capacity model: place your school",
        "Capacity self-assessment",
    ),
    LessonInfo("04", "04_draw_your_network.ipynb", "Draw your network", "Network drawing"),
    LessonInfo(
        "05",
        "05_diagnose_your_network.ipynb",
        "Empty or meaningful? Diagnose your network",
        "Network health check",
    ),
    LessonInfo(
        "06",
        "06_distributed_leadership.ipynb",
        "Distributed leadership: what it is and is not",
        "Is / is-not sorter",
    ),
    LessonInfo(
        "07", "07_leading_for_spread.ipynb", "Leading so that leadership can spread", "Reflection"
    ),
    LessonInfo("08", "08_next_steps.ipynb", "Challenges and your next steps", "Action plan"),
)

PROGRESS_ACTIVITY = "progress"
DONE = "done"
STARTED = "started"


def by_id(lesson_id: str) -> LessonInfo:
    for info in LESSONS:
        if info.id == lesson_id:
            return info
    raise KeyError(f"No lesson {lesson_id!r}")


def available() -> list[LessonInfo]:
    return [info for info in LESSONS if info.available]


def neighbours(lesson_id: str) -> tuple[LessonInfo | None, LessonInfo | None]:
    """The previous and next lessons that exist, for the navigation bar."""
    present = available()
    ids = [info.id for info in present]
    if lesson_id not in ids:
        return None, None
    i = ids.index(lesson_id)
    return (present[i - 1] if i > 0 else None, present[i + 1] if i + 1 < len(present) else None)


def url(info: LessonInfo, code: str | None, base: str = "") -> str:
    """A relative link to a lesson page that keeps the learner's code."""
    link = f"{base}{quote(info.file)}"
    return f"{link}?learner={quote(code)}" if code else link


# The welcome page (00) is where everyone starts, not one of the lessons counted: the course has
# len(COUNTED) lessons, 01 to 08, and every "Lesson 3 of 8" or "2 of 8 lessons" on a page counts these.
WELCOME = "00"
COUNTED: tuple[LessonInfo, ...] = tuple(info for info in LESSONS if info.id != WELCOME)


def position(lesson_id: str) -> str:
    """Where a lesson is in the course, e.g. "Lesson 3 of 8" ("" for the welcome page)."""
    ids = [info.id for info in COUNTED]
    return f"Lesson {ids.index(lesson_id) + 1} of {len(ids)}" if lesson_id in ids else ""


def summary(progress: dict[str, dict]) -> tuple[int, int]:
    """(lessons done, lessons in the course), the welcome page not counted."""
    done = sum(
        1 for info in COUNTED if info.available and progress.get(info.id, {}).get("status") == DONE
    )
    return done, len(COUNTED)


def still_to_do(progress: dict[str, dict]) -> list[LessonInfo]:
    """The lessons (after the welcome) not yet done, in course order."""
    return [
        info
        for info in COUNTED
        if info.available and progress.get(info.id, {}).get("status") != DONE
    ]


# -- how long a lesson takes -------------------------------------------------------------------
# A lesson's length is its reading at READING_WPM words a minute plus the minutes its activities
# take. The figures below are the course's own estimates for a head teacher doing an activity once,
# carefully but without dwelling; lessons state their time in a "takes about N minutes" sentence of
# their first cell, and tests/unit/test_lesson_length.py checks that the estimate fits it.
READING_WPM = 200
ACTIVITY_MINUTES: dict[str, float] = {
    # press Start (or type a code under Resume) and write the learner code down
    "welcome": 2,
    # optional: type a tutor's join code and choose what to share
    "cohort": 1,
    # read what is stored; downloading or deleting is rare
    "privacy": 1,
    # 8 statements of lesson 02's sorter, ~30 s each to read, place and read the feedback
    "perspectives": 4,
    # 8 statements of lesson 06's is / is-not sorter, ~30 s each with feedback
    "sorter": 4,
    # 27 statements rated at ~15 s each (7 min), then 3 min to read the model, chart and advice
    "capacity": 10,
    # a first use of the drawing tool: 5-8 schools at ~40 s each and 6-10 links at ~1 min each
    # through the forms (or an example network adapted), checking the picture and table (the
    # words of its help panel count as reading, like every word of the page)
    "network": 15,
    # 28 questionnaire items about the learner's network at ~17 s each
    "health": 8,
    # read the verdict, reasons and evidence, and try one "what if"
    "diagnosis": 4,
    # name and save a snapshot, then compare two and read the picture and the list of changes; a
    # second snapshot is saved in a later term, not in this sitting
    "snapshots": 3,
    # lesson 07's two choices among 8 metaphors, with the feedback
    "choice": 3,
    # who leads each of 10 shared activities (schools and roles), ~40 s each, then the picture
    "who_leads": 8,
    # three challenges read against the learner's network, rated, with a short note for each
    "challenges": 6,
    # two or three rows of an action plan: what, who, by when, which challenge (8 min); then a few
    # sentences each on learning from, with and on behalf of partners, and the main way (2 min)
    "plan": 10,
    # look back over the journal; the answers were written in earlier lessons
    "journal": 3,
    # press the button and download the report
    "report": 1,
    # lesson 04's survey of partner schools: create a link and copy it (the answers arrive
    # later, and are read and accepted on a later visit)
    "survey": 1,
    # PER QUESTION: a few considered sentences; a reflection of two questions is about 4 minutes
    "reflection": 2,
}
# An unsaved "*Think:*" prompt in the text: a pause to think, without writing
THINK_MINUTES = 1

_ACTIVITY_CALL = re.compile(r"""lesson\.activity\(\s*["']([a-z_]+)["']""")
_STATED = re.compile(r"takes about (\d+) minutes")
_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:['\u2019\-.][A-Za-z0-9\u00c0-\u024f]+)*")
_THINK = re.compile(r"\*Think:\*\s+\*")  # the prompt itself is in italics
_TAG = re.compile(r"<[^>]+>")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")


@dataclass(frozen=True)
class LessonLength:
    file: str
    words: int  # in markdown cells, collapsed help panels included, tags and link targets left out
    activities: tuple[str, ...]  # the kinds of lesson.activity(...) calls, in page order
    reflection_questions: int  # the lesson's questions in data/reflections.json, if it shows them
    activity_minutes: float
    think_prompts: int  # "*Think:*" prompts in markdown cells, THINK_MINUTES each
    stated_minutes: int | None  # from "takes about N minutes" in the first cell

    @property
    def reading_minutes(self) -> float:
        return self.words / READING_WPM

    @property
    def minutes(self) -> float:
        """The estimate: reading plus activities."""
        return self.reading_minutes + self.activity_minutes + self.think_prompts * THINK_MINUTES


def count_words(markdown: str) -> int:
    """Words a reader reads in a markdown cell: HTML tags and link targets are not read."""
    text = _LINK_TARGET.sub("]", _TAG.sub(" ", markdown))
    return len(_WORD.findall(text))


def estimate(notebook_path: str | Path) -> LessonLength:
    """How long a lesson notebook takes: its markdown at READING_WPM, THINK_MINUTES for each
    "*Think:*" prompt and ACTIVITY_MINUTES for each activity it shows (a reflection counts per
    question the lesson has in data/reflections.json; the lesson is the number the file name
    starts with). An activity kind not in ACTIVITY_MINUTES is an error, so a new kind must be
    given a time."""
    from . import reflections

    path = Path(notebook_path)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]

    def text(cell: dict) -> str:
        source = cell.get("source", "")
        return "".join(source) if isinstance(source, list) else source

    markdown = [text(c) for c in cells if c.get("cell_type") == "markdown"]
    words = sum(count_words(m) for m in markdown)
    thinks = sum(len(_THINK.findall(m)) for m in markdown)
    kinds = tuple(
        kind
        for c in cells
        if c.get("cell_type") == "code"
        for kind in _ACTIVITY_CALL.findall(text(c))
    )
    unknown = sorted(set(kinds) - set(ACTIVITY_MINUTES))
    if unknown:
        raise ValueError(f"{path.name}: no time is known for activity {', '.join(unknown)}")
    lesson_id = path.name.split("_", 1)[0]
    questions = len(reflections.questions(lesson_id)) if "reflection" in kinds else 0
    minutes = sum(ACTIVITY_MINUTES[k] for k in kinds if k != "reflection")
    minutes += ACTIVITY_MINUTES["reflection"] * questions * kinds.count("reflection")
    first = markdown[0] if markdown else ""
    stated = _STATED.search(" ".join(first.split()))
    return LessonLength(
        file=path.name,
        words=words,
        activities=kinds,
        reflection_questions=questions,
        activity_minutes=minutes,
        think_prompts=thinks,
        stated_minutes=int(stated.group(1)) if stated else None,
    )

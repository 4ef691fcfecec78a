"""The lessons of the course, their order, links between them and the learner's progress."""

from __future__ import annotations

from dataclasses import dataclass
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

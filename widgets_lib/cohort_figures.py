"""What the tutor dashboard shows of a cohort, computed from the participants' tutor views (pure Python).

Only :class:`cohorts.ParticipantSummary` reaches here, so the dashboard can never show more than a
participant agreed to. The view is ``views.dashboard``; the same figures go into the exports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from . import capacity, classify, lessons
from .cohorts import ParticipantSummary
from .lessons import DONE, STARTED
from .network_io import csv_bytes

STATUS_WORDS = {DONE: "Done", STARTED: "Started"}
NOT_STARTED = "Not started"


def lesson_ids() -> list[str]:
    return [info.id for info in lessons.LESSONS[1:]]


def status(view: ParticipantSummary, lesson_id: str) -> str:
    return STATUS_WORDS.get((view.progress.get(lesson_id) or {}).get("status", ""), NOT_STARTED)


def progress_counts(views: Sequence[ParticipantSummary]) -> dict[str, Counter[str]]:
    """For each lesson, how many participants have done, started or not started it."""
    return {
        lesson_id: Counter(status(view, lesson_id) for view in views) for lesson_id in lesson_ids()
    }


@dataclass(frozen=True)
class ElementSpread:
    element: str
    name: str
    count: int
    lowest: float | None
    middle: float | None
    highest: float | None
    mean: float | None


def capacity_spread(views: Sequence[ParticipantSummary]) -> list[ElementSpread]:
    """Per element of the model, the spread of the schools' scores (complete self-assessments only)."""
    bank = capacity.load_bank()
    done = [view.capacity[1] for view in views if view.capacity]
    found = []
    for element in bank.elements:
        scores = [
            result.scores[element.id]
            for result in done
            if result.scores.get(element.id) is not None
        ]
        found.append(
            ElementSpread(
                element.id,
                element.name,
                len(scores),
                min(scores) if scores else None,
                round(median(scores), 2) if scores else None,
                max(scores) if scores else None,
                round(sum(scores) / len(scores), 2) if scores else None,
            )
        )
    return found


def growth_counts(views: Sequence[ParticipantSummary]) -> Counter[str]:
    bank = capacity.load_bank()
    return Counter(
        bank.growth_states[view.capacity[1].growth_state or ""]["name"]
        for view in views
        if view.capacity
    )


def verdict_name(verdict: str) -> str:
    return (
        "Too early to say" if verdict == "uncertain" else classify.TYPE_NAMES[verdict].capitalize()
    )


def diagnosis_counts(views: Sequence[ParticipantSummary]) -> Counter[str]:
    """How many networks got each verdict ("No network yet" for those not drawn)."""
    return Counter(
        verdict_name(view.diagnosis.verdict) if view.diagnosis else "No network yet"
        for view in views
    )


def export_rows(views: Sequence[ParticipantSummary]) -> list[list[object]]:
    """One row per participant: progress, capacity, diagnosis, sharing — for a spreadsheet."""
    bank = capacity.load_bank()
    head = (
        ["participant", "joined"]
        + [f"lesson {i}" for i in lesson_ids()]
        + ["capacity attempt", "growth state"]
        + [e.name for e in bank.elements]
        + ["network members", "network links", "diagnosis", "evidence", "shares reflections"]
    )
    rows: list[list[object]] = [head]
    for view in views:
        row: list[object] = [view.name, view.joined_at[:10]] + [
            status(view, i) for i in lesson_ids()
        ]
        if view.capacity:
            attempt, result = view.capacity
            row += [attempt, bank.growth_states[result.growth_state or ""]["name"]]
            row += [result.scores.get(e.id) for e in bank.elements]
        else:
            row += ["", ""] + ["" for _ in bank.elements]
        row += [len(view.network.schools), len(view.network.links)]
        row += (
            [verdict_name(view.diagnosis.verdict), view.diagnosis.evidence]
            if view.diagnosis
            else ["", ""]
        )
        row.append("yes" if view.shares_reflections else "no")
        rows.append(row)
    return rows


def export_csv(views: Sequence[ParticipantSummary]) -> bytes:
    return csv_bytes([["" if cell is None else cell for cell in row] for row in export_rows(views)])

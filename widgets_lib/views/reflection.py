"""Reflections: a lesson's questions (and, in lesson 08, the whole journal), each a labelled text box
saved as the learner types (see ``common.save_as_typed``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as widgets

from .. import lessons, reflections
from ..lessons import DONE
from .common import Activity, SaveStatus, heading, save_as_typed

if TYPE_CHECKING:
    from .lesson import Learner, Lesson


class ReflectionView(widgets.VBox, Activity):
    """One lesson's reflection questions."""

    def __init__(self, lesson: Lesson) -> None:
        self._build(lesson, reflections.questions(lesson.info.id))

    def _build(
        self, lesson: Lesson, questions: list[reflections.Question], grouped: bool = False
    ) -> None:
        self.lesson = lesson
        self.status = SaveStatus()
        self.questions = questions
        self.boxes: dict[str, widgets.Textarea] = {}
        rows: list[widgets.Widget] = [self.status]
        current, number = None, 0
        for question in self.questions:
            if question.lesson != current:
                current, number = question.lesson, 0
                if grouped:
                    rows.append(heading(f"Lesson {current}: {lessons.by_id(current).title}", 4))
            number += 1
            label = f"Lesson {current}, question {number}." if grouped else f"{number}."
            box = widgets.Textarea(
                description=f"{label} {question.prompt}",
                placeholder=question.hint,
                rows=5,
                continuous_update=True,
                style={"description_width": "initial"},
                layout={"width": "100%"},
            )
            box.add_class("course-reflection")
            self.boxes[question.id] = box
            rows.append(box)
        rows.append(
            widgets.HTML(
                '<p class="course-hint">Your answers are private to you (and to your tutor only '
                "if you join a cohort in Lesson 00 and choose to share them). They are gathered "
                "in your journal.</p>"
            )
        )
        super().__init__(rows)
        save_as_typed(self, self.boxes, self._save)
        self.add_class("course-activity")
        self.wait()

    def wait(self) -> None:
        for box in self.boxes.values():
            box.disabled = True
        self.status.waiting("Start or resume at the top of the page to write.")

    def load(self, learner: Learner) -> None:
        saved = self.lesson.load(
            reflections.ACTIVITY, self.status, {k: box.description for k, box in self.boxes.items()}
        )
        with self.loading():
            for question_id, box in self.boxes.items():
                box.disabled = False
                value = saved.get(question_id)
                box.value = value if isinstance(value, str) else ""
        self.status.waiting("Your answers are saved as you type.")

    @property
    def complete(self) -> bool:
        return all(box.value.strip() for box in self.boxes.values())

    def _save(self, question_id: str, text: str) -> None:
        self.lesson.save(
            reflections.ACTIVITY,
            question_id,
            reflections.check_text(question_id, text),
            self.status,
        )
        if self.complete:
            self.lesson.mark(DONE)


class JournalView(ReflectionView):
    """Every lesson's reflection questions in one place (lesson 08), saved as typed like the lessons' own.

    Questions already on this page in a lesson's own reflection activity are left out, so one
    answer never has two boxes that could overwrite each other.
    """

    def __init__(self, lesson: Lesson) -> None:
        shown = {qid for view in lesson.activities_of(ReflectionView) for qid in view.boxes}
        self._build(lesson, [q for q in reflections.questions() if q.id not in shown], grouped=True)

    @property
    def complete(self) -> bool:
        return True  # the journal is open-ended: a lesson is never held back by an unanswered old question

"""Sorting activities (lessons 02 and 06): each statement a labelled radio group with feedback for the
option chosen beside it, then the learner's own example, sorted by them and checked against the
descriptions (never marked)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from .. import perspectives
from ..lessons import DONE
from ..perspectives import OWN_CHOICE, OWN_TEXT
from .common import RadioQuestions, SaveStatus, heading, save_as_typed

if TYPE_CHECKING:
    from .lesson import Learner, Lesson


class SorterView(RadioQuestions):
    def __init__(self, lesson: Lesson, source: str = perspectives.ACTIVITY) -> None:
        self.lesson = lesson
        self.source = source  # also the activity under which answers are saved
        self.sorter = perspectives.load_sorter(source)
        self.status = SaveStatus()
        self.choices: dict[str, str] = {}
        self.own_choice: str | None = None
        self._setup_radios()
        self.feedback: dict[str, widgets.HTML] = {}
        options = [
            (f"{p.name} ({p.who})", p.id) for p in self.sorter.perspectives
        ]  # no brackets inside "who"
        rows: list[widgets.Widget] = [
            widgets.HTML(
                "<ul>"
                + "".join(
                    f"<li><strong>{escape(p.name)}</strong> ({escape(p.who)}): {escape(p.summary)}</li>"
                    for p in self.sorter.perspectives
                )
                + "</ul>"
                + f'<p class="course-hint">{escape(self.sorter.about)}</p>'
            )
        ]
        for number, statement in enumerate(self.sorter.statements, start=1):
            radio = self.add_radio(
                statement.id, f"Statement {number}: “{statement.text}”", options, horizontal=False
            )
            self.feedback[statement.id] = widgets.HTML()
            rows += [radio, self.feedback[statement.id]]
        self.score = widgets.HTML()
        own = self.sorter.own_example
        self.own_text = widgets.Textarea(
            description=own.label,
            rows=3,
            continuous_update=True,
            placeholder=f"At most {perspectives.MAX_OWN} characters",
            style={"description_width": "initial"},
            layout={"width": "100%"},
        )
        self.own_text.add_class("course-reflection")
        own_radio = self.add_radio(OWN_CHOICE, own.question, options, horizontal=False)
        self.own_check = widgets.HTML()
        super().__init__(
            [
                self.status,
                *rows,
                self.score,
                heading("Your own example", 3),
                widgets.HTML(f"<p>{escape(own.intro)}</p>"),
                self.own_text,
                own_radio,
                self.own_check,
            ]
        )
        save_as_typed(self, {OWN_TEXT: self.own_text}, self._save_own_text)
        self.add_class("course-activity")
        self.wait()

    def wait(self) -> None:
        super().wait()
        self.own_text.disabled = True

    def load(self, learner: Learner) -> None:
        labels = {k: r.description for k, r in self.radios.items()}
        labels[OWN_TEXT] = self.own_text.description
        saved = self.lesson.load(
            self.source,
            self.status,
            labels,
            {k: {value: label for label, value in r.options} for k, r in self.radios.items()},
        )
        self.choices = perspectives.valid_choices(self.sorter, saved)
        found = perspectives.summary(self.sorter, saved)
        self.own_choice = found.own_choice.id if found.own_choice else None
        self.show_answers({**self.choices, OWN_CHOICE: self.own_choice})
        with self.loading():
            self.own_text.disabled = False
            self.own_text.value = found.own_text or ""
        for statement_id in self.feedback:
            self._show_feedback(statement_id)
        self._show_score()
        self._show_own()

    def answered(self, key: str, choice: Any) -> None:
        if key == OWN_CHOICE:
            self.own_choice = perspectives.check_own_choice(self.sorter, choice)
            self.lesson.save(self.source, OWN_CHOICE, self.own_choice, self.status)
            self._show_own()
            return
        perspectives.check(self.sorter, key, choice)  # validates the choice
        self.choices[key] = choice
        self.lesson.save(self.source, key, choice, self.status)
        self._show_feedback(key)
        self._show_score()

    def _save_own_text(self, key: str, text: str) -> None:
        self.lesson.save(self.source, key, perspectives.check_own_text(text), self.status)
        self._show_own()

    def _show_feedback(self, statement_id: str) -> None:
        choice = self.choices.get(statement_id)
        if not choice:
            self.feedback[statement_id].value = ""
            return
        result = perspectives.check(self.sorter, statement_id, choice)
        mark = "✓" if result.correct else "✗"
        css = "course-right" if result.correct else "course-wrong"
        self.feedback[
            statement_id
        ].value = f'<p class="course-feedback {css}" role="status">{mark} {escape(result.text)}</p>'

    def _show_own(self) -> None:
        """Once the learner has placed their example: it, as text, and every option's description to
        check the choice against (the chosen one said in words, not only by its look)."""
        if self.own_choice is None:
            self.own_check.value = ""
            return
        text = self.own_text.value.strip()
        example = (
            f'<p>Your example: <span style="white-space:pre-wrap">“{escape(text)}”</span></p>'
            if text
            else "<p>You have not written your example yet: write it in the box above.</p>"
        )
        items = "".join(
            f"<li><strong>{escape(p.name)}</strong> ({escape(p.who)})"
            + (" — <strong>your choice</strong>" if p.id == self.own_choice else "")
            + f": {escape(p.summary)}</li>"
            for p in self.sorter.perspectives
        )
        chosen = self.sorter.perspective(self.own_choice)
        self.own_check.value = (
            '<div class="course-feedback course-reading" role="status">'
            f"{example}<p>You placed it under <strong>{escape(chosen.name)}</strong>. "
            f"{escape(self.sorter.own_example.check)}</p><ul>{items}</ul>"
            "<p>This step is not marked and does not count in your score.</p></div>"
        )

    @property
    def complete(self) -> bool:
        return len(self.choices) == len(self.sorter.statements)

    def _show_score(self) -> None:
        right, answered = perspectives.score(self.sorter, self.choices)
        total = len(self.sorter.statements)
        self.score.value = f"<p>{escape(perspectives.score_sentence(right, answered, total))}</p>"
        if answered == total:
            self.lesson.mark(DONE)

"""Lessons 02, 06 and 07 activities: the sorters (feedback for the option chosen, the learner's own
example), the metaphor choice, done only when all are."""

from __future__ import annotations

from html import escape

import pytest

from widgets_lib.perspectives import MAX_OWN, OWN_CHOICE, OWN_TEXT
from widgets_lib.views.lesson import Lesson

SORTER_PAGES = [("02", ("perspectives",)), ("06", ("sorter", "distributed_leadership"))]


def open_page(store, lesson_id, activities, query=""):
    lesson = Lesson(lesson_id, store=store, show=False)
    views = [lesson.activity(*spec, show=False) for spec in activities]
    lesson.finish(query_string=query, show=False)
    return lesson, views


def test_is_not_sorter_saves_under_its_own_name_with_feedback(store):
    lesson, (sorter, reflection) = open_page(
        store, "06", [("sorter", "distributed_leadership"), ("reflection",)]
    )
    lesson.identity.start_button.click()
    assert {p.id for p in sorter.sorter.perspectives} == {"is", "is_not"}
    first = sorter.sorter.statements[0]
    sorter.radios[first.id].value = first.answer
    assert store.load(lesson.learner.id, "distributed_leadership") == {first.id: first.answer}
    assert store.load(lesson.learner.id, "perspectives") == {}
    assert "✓" in sorter.feedback[first.id].value
    for statement in sorter.sorter.statements:
        sorter.radios[statement.id].value = statement.answer
    assert "06" not in {
        k for k, v in store.load(lesson.learner.id, "progress").items() if v["status"] == "done"
    }, "not done while the reflection is empty"
    for box in reflection.boxes.values():
        box.value = "Thought about."
    assert store.load(lesson.learner.id, "progress")["06"]["status"] == "done"


def test_metaphor_choice_saves_comments_and_restores(store):
    lesson, (choice, _reflection) = open_page(
        store, "07", [("choice", "metaphors"), ("reflection",)]
    )
    lesson.identity.start_button.click()
    assert len(choice.choice.options) == 8
    (q1, _), (q2, _) = choice.choice.questions
    first, second = choice.choice.options[0].id, choice.choice.options[1].id
    choice.radios[q1].value = first
    assert choice.comment.value == ""
    choice.radios[q2].value = second
    assert choice.choice.feedback["different"] in choice.comment.value.replace("&#x27;", "'")
    again, (choice2, _r) = open_page(
        store,
        "07",
        [("choice", "metaphors"), ("reflection",)],
        query=f"learner={lesson.learner.code}",
    )
    assert (choice2.radios[q1].value, choice2.radios[q2].value) == (first, second)


@pytest.mark.parametrize(("lesson_id", "spec"), SORTER_PAGES)
def test_the_feedback_for_a_chosen_wrong_option_appears_beside_it(store, lesson_id, spec):
    lesson, (sorter,) = open_page(store, lesson_id, [spec])
    lesson.identity.start_button.click()
    assert "the course" in sorter.sorter.about  # whose reading the placing is, said on the page
    assert escape(sorter.sorter.about) in sorter.children[1].value
    for statement in sorter.sorter.statements:
        radio, feedback = sorter.radios[statement.id], sorter.feedback[statement.id]
        children = list(sorter.children)
        assert children.index(feedback) == children.index(radio) + 1, "next to its radios"
        for option, why_not in statement.why_not.items():
            radio.value = option
            assert 'role="status"' in feedback.value and "✗ Not quite" in feedback.value
            assert escape(why_not) in feedback.value, (statement.id, option)
            others = [w for o, w in statement.why_not.items() if o != option]
            assert not any(escape(w) in feedback.value for w in others)
        radio.value = statement.answer
        assert "✓ Yes" in feedback.value
        assert not any(escape(w) in feedback.value for w in statement.why_not.values())


@pytest.mark.parametrize(("lesson_id", "spec"), SORTER_PAGES)
def test_the_own_example_saves_reloads_and_counts_for_nothing(store, lesson_id, spec):
    lesson, (sorter,) = open_page(store, lesson_id, [spec])
    assert sorter.own_text.disabled and sorter.radios[OWN_CHOICE].disabled  # nobody signed in
    lesson.identity.start_button.click()
    assert sorter.own_check.value == ""
    example = "At our last staff meeting we agreed to pilot peer observation in Year 5."
    chosen = sorter.sorter.perspectives[-1]
    sorter.own_text.value = example
    sorter.radios[OWN_CHOICE].value = chosen.id
    assert store.load(lesson.learner.id, sorter.source) == {
        OWN_TEXT: example,
        OWN_CHOICE: chosen.id,
    }
    assert "None placed yet" in sorter.score.value  # the own example is not scored
    check = sorter.own_check.value
    assert 'role="status"' in check and escape(example) in check
    assert (
        f"<strong>{escape(chosen.name)}</strong> ({escape(chosen.who)}) — <strong>your choice</strong>"
        in check
    )
    assert check.count("<strong>your choice</strong>") == 1
    for option in sorter.sorter.perspectives:  # every description, to check the choice against
        assert escape(option.summary) in check
    assert "✓" not in check and "✗" not in check, "not graded"
    progress = store.load(lesson.learner.id, "progress")
    assert progress[lesson_id]["status"] == "started", (
        "the example alone does not finish the lesson"
    )

    _again, (reloaded,) = open_page(
        store, lesson_id, [spec], query=f"learner={lesson.learner.code}"
    )
    assert reloaded.own_text.value == example and not reloaded.own_text.disabled
    assert reloaded.radios[OWN_CHOICE].value == chosen.id
    assert escape(example) in reloaded.own_check.value
    assert reloaded.choices == {} and not reloaded.complete


def test_markup_typed_in_the_own_example_is_shown_as_text(store):
    lesson, (sorter,) = open_page(store, "06", [("sorter", "distributed_leadership")])
    lesson.identity.start_button.click()
    markup = '<img src=x onerror="alert(1)"><b>Our head</b> & the forum'
    sorter.radios[OWN_CHOICE].value = "is"
    assert "You have not written your example yet" in sorter.own_check.value
    sorter.own_text.value = markup
    assert store.load(lesson.learner.id, "distributed_leadership")[OWN_TEXT] == markup
    assert escape(markup) in sorter.own_check.value
    assert "<img" not in sorter.own_check.value and "<b>Our" not in sorter.own_check.value


def test_an_own_example_too_long_is_not_saved_and_the_page_says_so(store):
    lesson, (sorter,) = open_page(store, "02", [("perspectives",)])
    lesson.identity.start_button.click()
    sorter.own_text.value = "Short and saved."
    sorter.own_text.value = "x" * (MAX_OWN + 1)
    assert sorter.status.state == "failed" and "300 characters" in sorter.status.value
    assert store.load(lesson.learner.id, "perspectives") == {OWN_TEXT: "Short and saved."}


def test_saved_answers_that_are_not_the_sorters_are_left_off_the_page(store):
    lesson, (sorter,) = open_page(store, "02", [("perspectives",)])
    lesson.identity.start_button.click()
    for key, value in {
        "S1": "is",  # an option of the other sorter
        "S2": 4,
        "S9": "iqea",
        OWN_TEXT: "y" * (MAX_OWN + 1),
        OWN_CHOICE: "nonsense",
    }.items():
        store.save(lesson.learner.id, "perspectives", key, value)
    _again, (reloaded,) = open_page(
        store, "02", [("perspectives",)], query=f"learner={lesson.learner.code}"
    )
    assert reloaded.choices == {} and reloaded.own_choice is None
    assert reloaded.own_text.value == "" and reloaded.own_check.value == ""
    assert all(radio.value is None for radio in reloaded.radios.values())
    assert "None placed yet" in reloaded.score.value

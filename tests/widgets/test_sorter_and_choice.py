"""Lessons 06 and 07 activities: the is / is-not sorter, the metaphor choice, done only when all are."""

from __future__ import annotations

from widgets_lib.views.lesson import Lesson


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

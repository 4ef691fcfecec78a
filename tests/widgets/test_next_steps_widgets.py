"""Headless tests of lesson 06's "who leads", lesson 08's challenges, plan and journal, and the report."""

from __future__ import annotations

import re
from datetime import date
from html import escape
from html.parser import HTMLParser

from widgets_lib import challenges, choices, leadership, perspectives, plan, reflections
from widgets_lib.examples import load_example
from widgets_lib.html.report import build_report
from widgets_lib.record import NETWORK_ACTIVITY, NETWORK_KEY, load_record, network_to_value
from widgets_lib.views.lesson import Lesson
from widgets_lib.views.reflection import JournalView, ReflectionView

XSS = "<img src=x onerror=alert(1)>"


def open_page(store, lesson_id, activities, query=""):
    lesson = Lesson(lesson_id, store=store, show=False)
    views = [lesson.activity(*name.split(":"), show=False) for name in activities]
    lesson.finish(query_string=query, show=False)
    return lesson, views


def learner_with_network(store):
    """A learner who has drawn the invented Brambleford network in lesson 04; returns their code."""
    lesson, _ = open_page(store, "04", [])
    lesson.identity.start_button.click()
    network, _answers = load_example("meaningful_brambleford")
    store.save(lesson.learner.id, NETWORK_ACTIVITY, NETWORK_KEY, network_to_value(network))
    return lesson.learner, network


def test_who_leads_without_a_network_points_to_lesson_04(store):
    lesson, (view,) = open_page(store, "06", ["who_leads"])
    assert view.add.disabled
    lesson.identity.start_button.click()
    assert "04_draw_your_network.ipynb?learner=" + lesson.learner.code in view.note.value
    assert view.add.disabled and not view.complete


def test_who_leads_adds_saves_shows_spread_and_restores(store):
    learner, network = learner_with_network(store)
    lesson, (view,) = open_page(store, "06", ["who_leads"], f"learner={learner.code}")
    assert not view.add.disabled and view.member.value == network.names[0]
    view.add.click()  # the lists as they first appear make a lead
    assert view.leads == [leadership.Lead(view.activity.value, network.names[0], view.role.value)]
    view.chosen.value = 0
    view.remove.click()
    for activity, member, role in (
        ("enquiry", network.names[0], "teacher"),
        ("enquiry", network.names[1], "assistant"),
        ("forum", network.names[1], "head"),
    ):
        view.activity.value, view.member.value, view.role.value = activity, member, role
        view.add.click()
    assert view.status.state == "saved" and len(view.leads) == 3
    saved = store.load(learner.id, leadership.ACTIVITY)[leadership.KEY]
    assert saved[0] == {"activity": "enquiry", "school": network.names[0], "role": "teacher"}
    assert "led from more than one member" in view.result.value and "<svg" in view.result.value
    assert "Every lead you marked" in view.result.value
    view.add.click()  # the same lead again
    assert (
        view.status.state == "failed"
        and "already marked" in view.status.value
        and len(view.leads) == 3
    )
    view.chosen.value = 0
    view.remove.click()
    assert len(store.load(learner.id, leadership.ACTIVITY)[leadership.KEY]) == 2
    assert (
        store.load(learner.id, "progress")["06"]["status"] == "done"
    )  # the only activity on this test page
    again, (view2,) = open_page(store, "06", ["who_leads"], f"learner={learner.code}")
    assert view2.leads == view.leads
    line = again.progress_line.value
    assert (
        "Lesson 6 of 8. You have completed 1 of 8" in line
        and "Still to do: 01 Why networks?" in line
    )
    assert "06 Distributed" not in line


def test_challenges_show_evidence_save_ratings_and_notes(store):
    learner, _network = learner_with_network(store)
    lesson, (view,) = open_page(store, "08", ["challenges"], f"learner={learner.code}")
    assert "What your work so far suggests" in view.evidence["distance"].value
    for number, challenge in enumerate(view.challenges, start=1):
        view.radios[challenge.id].value = number
    view.notes["culture"].value = "Heads decide " + XSS
    saved = store.load(learner.id, challenges.ACTIVITY)
    assert saved["distance/rating"] == 1 and saved["structure/rating"] == 3
    assert saved["culture/note"] == "Heads decide " + XSS
    assert view.complete
    again, (view2,) = open_page(store, "08", ["challenges"], f"learner={learner.code}")
    assert (
        view2.radios["structure"].value == 3
        and view2.notes["culture"].value == "Heads decide " + XSS
    )


def test_plan_add_change_remove_and_bad_input_keeps_the_plan(store):
    lesson, (view,) = open_page(store, "08", ["plan"])
    lesson.identity.start_button.click()
    view.what.value, view.who.value, view.by.value, view.challenge.value = (
        "Start a cross-school enquiry " + XSS,
        "Priya, Year 5 teacher",
        date(2027, 2, 1),
        "structure",
    )
    view.add.click()
    assert view.status.state == "saved" and view.what.value == ""
    assert XSS not in view.table.value and "&lt;img" in view.table.value
    view.what.value, view.who.value, view.by.value = "Video forum", "", date(2027, 1, 10)
    view.add.click()
    assert view.status.state == "failed" and "Who: please say who will lead it" in view.status.value
    assert len(plan.from_value(store.load(lesson.learner.id, plan.ACTIVITY)[plan.KEY])) == 1
    view.who.value = "Tom"
    view.challenge.value = "distance"
    view.add.click()
    assert [a.what for a in view.actions] == ["Start a cross-school enquiry " + XSS, "Video forum"]
    assert view.table.value.index("Video forum") < view.table.value.index(
        "Start a cross"
    )  # soonest first
    view.chosen.value = 0
    assert view.who.value == "Priya, Year 5 teacher"
    view.who.value = "Priya and Sam"
    view.change.click()
    view.chosen.value = 1
    view.remove.click()
    saved = plan.from_value(store.load(lesson.learner.id, plan.ACTIVITY)[plan.KEY])
    assert [(a.who, a.by) for a in saved] == [("Priya and Sam", "2027-02-01")]
    assert view.complete


def test_journal_gathers_every_lesson_but_not_the_questions_already_on_the_page(store):
    lesson, (own, journal) = open_page(store, "08", ["reflection", "journal"])
    assert isinstance(own, ReflectionView) and isinstance(journal, JournalView)
    assert set(own.boxes) == {q.id for q in reflections.questions("08")}
    assert set(journal.boxes) == {q.id for q in reflections.questions()} - set(own.boxes)
    lesson.identity.start_button.click()
    journal.boxes["r03a"].value = "Start with trust " + XSS
    assert store.load(lesson.learner.id, reflections.ACTIVITY)["r03a"] == "Start with trust " + XSS
    three, (view3,) = open_page(store, "03", ["reflection"], f"learner={lesson.learner.code}")
    assert view3.boxes["r03a"].value == "Start with trust " + XSS
    assert journal.complete


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_report_gathers_everything_as_text_and_needs_nothing_outside(store):
    learner, network = learner_with_network(store)
    lesson, views = open_page(
        store, "08", ["challenges", "plan", "journal", "report"], f"learner={learner.code}"
    )
    challenges_view, plan_view, journal, report_view = views
    challenges_view.radios["culture"].value = 4
    plan_view.what.value, plan_view.who.value, plan_view.by.value = (
        "Open forum " + XSS,
        "Ana",
        date(2027, 4, 2),
    )
    plan_view.add.click()
    journal.boxes["r01a"].value = "Competition hurt us </textarea><script>alert(1)</script>"
    store.save(
        learner.id,
        leadership.ACTIVITY,
        leadership.KEY,
        [{"activity": "forum", "school": network.names[2], "role": "middle"}],
    )
    report_view.prepare.click()
    assert "Download my report (HTML)" in report_view.link.value
    html = build_report(load_record(store, learner.id))
    for expected in (
        "Open forum &lt;img src=x onerror=alert(1)&gt;",
        "2 April 2027",
        "Competition hurt us &lt;/textarea&gt;&lt;script&gt;",
        "A great deal",
        network.names[2],
        "Diagnosis",
        "Not done yet: the capacity self-assessment",
    ):
        assert expected in html, expected
    parser = _Collect()
    parser.feed(html)
    tags = [tag for tag, _attrs in parser.tags]
    assert (
        "script" not in tags and "img" not in tags and "link" not in tags and "iframe" not in tags
    )
    assert not any(name.startswith("on") for _tag, attrs in parser.tags for name in attrs)
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert tags.count("svg") >= 3  # network, diagnosis profile, leads by role


def test_report_journal_gives_the_answers_and_counts_the_questions_left(store):
    """A printed report stays short: the questions answered, in full; the others only counted."""
    learner, _network = learner_with_network(store)
    _lesson, (journal,) = open_page(store, "08", ["journal"], f"learner={learner.code}")
    journal.boxes["r03a"].value = "Start with trust " + XSS
    html = build_report(load_record(store, learner.id))
    section = html[html.index("My reflection journal") :]
    asked = {q.id: q for q in reflections.questions()}
    assert "Start with trust &lt;img" in section and escape(asked["r03a"].prompt) in section
    assert not any(escape(q.prompt) in section for q in asked.values() if q.id != "r03a")
    assert "Not answered yet." not in html
    left = sorted({q.lesson for q in asked.values() if q.id != "r03a"})
    assert f"Not answered yet: {len(asked) - 1} questions, in lessons {', '.join(left)}." in section


def test_plan_form_is_kept_as_typed_until_added(store):
    """What is typed in the plan's form is saved before "Add", so a closed tab loses nothing."""
    lesson, (view,) = open_page(store, "08", ["plan"])
    lesson.identity.start_button.click()
    view.what.value, view.who.value, view.by.value = "Half-written " + XSS, "Sam", date(2027, 5, 1)
    assert view.status.state == "saved"
    _again, (view2,) = open_page(store, "08", ["plan"], f"learner={lesson.learner.code}")
    form = (view2.what.value, view2.who.value, view2.by.value)
    assert form == ("Half-written " + XSS, "Sam", date(2027, 5, 1))
    view2.add.click()
    _again, (view3,) = open_page(store, "08", ["plan"], f"learner={lesson.learner.code}")
    assert (view3.what.value, view3.who.value, view3.by.value) == ("", "", None)
    assert [a.what for a in view3.actions] == ["Half-written " + XSS]
    view3.chosen.value = 0
    view3.who.value = "Sam and Ana"  # an unsaved change to an action comes back with its choice
    _again, (view4,) = open_page(store, "08", ["plan"], f"learner={lesson.learner.code}")
    assert (view4.chosen.value, view4.who.value) == (0, "Sam and Ana")
    assert plan.from_value(store.load(lesson.learner.id, plan.ACTIVITY)[plan.KEY])[0].who == "Sam"
    view4.what.value = "x" * (plan.MAX_WHAT + 1)
    assert view4.status.state == "failed" and "under 500 characters" in view4.status.value


def test_plan_learning_part_is_saved_as_typed_restored_and_reported(store):
    """Lesson 08's plan asks what the school will learn from, with and on behalf of its partners."""
    lesson, (view,) = open_page(store, "08", ["plan"])
    assert all(box.disabled for box in view.learning.values()) and view.way.disabled
    lesson.identity.start_button.click()
    assert {box.description for box in view.learning.values()} == {p.label for p in plan.LEARNING}
    view.learning["learn_from"].value = "Their phonics teaching " + XSS
    view.learning["learn_for"].value = "Our dyslexia-friendly audit"
    view.way.value = "action_learning"
    assert view.status.state == "saved"
    saved = store.load(lesson.learner.id, plan.ACTIVITY)
    assert saved["learn_from"] == "Their phonics teaching " + XSS
    assert saved["learn_how"] == "action_learning" and "learn_with" not in saved
    view.learning["learn_with"].value = "x" * (plan.MAX_LEARNING + 1)
    assert view.status.state == "failed" and "under 600 characters" in view.status.value
    assert "learn_with" not in store.load(lesson.learner.id, plan.ACTIVITY)
    _again, (view2,) = open_page(store, "08", ["plan"], f"learner={lesson.learner.code}")
    assert view2.learning["learn_from"].value == "Their phonics teaching " + XSS
    assert view2.learning["learn_with"].value == "" and view2.way.value == "action_learning"
    assert not view2.complete  # the plan is done when it has an action
    html = build_report(load_record(store, lesson.learner.id))
    section = html[html.index("My action plan") : html.index("My reflection journal")]
    assert "Not done yet: the action plan" in section
    assert "Their phonics teaching &lt;img src=x onerror=alert(1)&gt;" in section
    assert "Our dyslexia-friendly audit" in section and "An action learning set" in section
    assert section.count("Not answered yet") == 1  # learning with them


def test_report_shows_the_metaphors_and_the_sorters_results(store):
    """Lesson 07's two metaphor choices and both sorters' scores; a missing or malformed answer reads
    "Not answered yet" instead of breaking the report or showing something the learner never chose."""
    lesson, _ = open_page(store, "08", [])
    lesson.identity.start_button.click()
    learner = lesson.learner
    empty = build_report(load_record(store, learner.id))
    sorted_part = empty[empty.index("What I sorted") : empty.index("My school on the capacity")]
    assert sorted_part.count("Not answered yet") == 6  # score, own example, its place; twice
    images = empty[empty.index("How I lead and") : empty.index("Distance, culture")]
    assert images.count("Not answered yet") == 2
    _page, (sorter02,) = open_page(store, "02", ["perspectives"], f"learner={learner.code}")
    first, second = sorter02.sorter.statements[:2]
    sorter02.radios[first.id].value = first.answer
    wrong = next(p.id for p in sorter02.sorter.perspectives if p.id != second.answer)
    sorter02.radios[second.id].value = wrong
    store.save(learner.id, "distributed_leadership", "D1", "maybe")  # not a category: ignored
    store.save(learner.id, perspectives.ACTIVITY, perspectives.OWN_TEXT, "We need time " + XSS)
    store.save(learner.id, perspectives.ACTIVITY, perspectives.OWN_CHOICE, "nonsense")
    store.save(learner.id, "choice:metaphors", "now", "social_architect")
    store.save(learner.id, "choice:metaphors", "grow", ["capacity_building"])  # malformed
    html = build_report(load_record(store, learner.id))
    sorted_part = html[html.index("What I sorted") : html.index("My school on the capacity")]
    total = len(sorter02.sorter.statements)
    assert (
        f"1 of 2 placed as the course reads the paper; {total - 2} still to place." in sorted_part
    )
    assert "We need time &lt;img src=x" in sorted_part
    assert sorted_part.count("Not answered yet") == 4  # lesson 02's place; all of lesson 06
    images = html[html.index("How I lead and") : html.index("Distance, culture")]
    social = choices.load_choice("metaphors").option("social_architect")
    assert escape(social.name) in images and escape(social.description) in images
    assert images.count("Not answered yet") == 1 and "School Leadership as Capacity" not in images
    store.save(learner.id, "choice:metaphors", "grow", "capacity_building")
    images = build_report(load_record(store, learner.id))
    assert "School Leadership as Capacity Building" in images
    assert escape(choices.load_choice("metaphors").feedback["different"]) in images

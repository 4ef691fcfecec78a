"""Lesson 00 for participants: join a cohort after seeing what the tutor sees, consent, leave; export; delete."""

from __future__ import annotations

import json
import re

from widgets_lib import cohorts, identity
from widgets_lib.views.lesson import Lesson

XSS = "<img src=x onerror=alert(1)>"


def welcome(store, query=""):
    lesson = Lesson("00", store=store, show=False)
    cohort_view = lesson.activity("cohort", show=False)
    privacy = lesson.activity("privacy", show=False)
    lesson.finish(query_string=query, show=False)
    return lesson, cohort_view, privacy


def test_join_after_preview_then_share_and_leave(store):
    cohort, code, _key = cohorts.create(store, "Spring cohort")
    lesson, view, _privacy = welcome(store)
    assert view.join.disabled
    lesson.identity.start_button.click()
    store.save(lesson.learner.id, "journal", "r01a", "Private thought " + XSS)
    view.name.value = "Asha " + XSS
    view.share.value = False
    assert (
        "Reflections</strong>: not shared" in view.preview.value
        and "Private thought" not in view.preview.value
    )
    view.share.value = True
    assert "Private thought &lt;img" in view.preview.value  # the preview follows the box, as text
    view.share.value = False
    view.code.value = "abc"
    view.join.click()
    assert view.status.state == "failed" and "join code has 8" in view.status.value
    assert store.membership(lesson.learner.id) is None
    view.code.value = code.lower()
    view.join.click()
    member = store.membership(lesson.learner.id)
    assert (
        member.cohort_id == cohort.id
        and member.display_name == "Asha " + XSS
        and not member.share_reflections
    )
    assert "Spring cohort" in view.state.value and "Asha &lt;img" in view.state.value
    view.share.value = True
    assert store.membership(lesson.learner.id).share_reflections
    (seen,) = cohorts.cohort_views(store, cohort.id)
    assert seen.journal == {"r01a": "Private thought " + XSS}
    again, view2, _ = welcome(store, f"learner={lesson.learner.code}")
    assert view2.share.value is True and view2.leave in view2.member_form.children[0].children
    view2.leave.click()
    assert (
        store.membership(lesson.learner.id) is None and cohorts.cohort_views(store, cohort.id) == []
    )


def test_download_everything_then_delete_for_good(store):
    cohort, code, _key = cohorts.create(store, "C")
    lesson, view, privacy = welcome(store)
    lesson.identity.start_button.click()
    learner_code = lesson.learner.code
    store.save(lesson.learner.id, "journal", "r01a", '=HYPERLINK("http://x") ' + XSS)
    view.name.value, view.code.value = "Asha", code
    view.join.click()
    privacy.prepare.click()
    assert (
        "my-course-data.json" in privacy.links.value and "my-course-data.csv" in privacy.links.value
    )
    from widgets_lib.views.cohort import data_files

    as_json, as_csv = data_files(store.export_learner(lesson.learner.id))
    exported = json.loads(as_json)
    assert (
        exported["answers"][0]["value"].startswith("=HYPERLINK")
        and exported["cohort"]["cohort_name"] == "C"
    )
    assert "'=HYPERLINK" not in as_csv.decode(
        "utf-8-sig"
    )  # inside a JSON string the cell starts with a quote
    assert as_csv.decode("utf-8-sig").splitlines()[0] == "table,activity,key,value,time"
    privacy.confirm.value = "yes please"
    privacy.delete.click()
    assert privacy.status.state == "failed" and "Nothing was deleted" in privacy.status.value
    assert store.learner_exists(identity.code_key(learner_code))
    privacy.confirm.value = "delete"
    privacy.delete.click()
    assert not store.learner_exists(identity.code_key(learner_code))
    assert lesson.learner is None and view.preview.value == "" and privacy.prepare.disabled
    assert (
        "deleted" in lesson.identity.message.value and cohorts.cohort_views(store, cohort.id) == []
    )
    again, _view, _privacy = welcome(store, f"learner={learner_code}")
    assert (
        again.learner is None and "No work is saved under the code" in again.identity.message.value
    )


def test_the_welcome_is_not_a_lesson_left_started_and_every_count_agrees(store):
    lesson = Lesson("00", store=store, show=False)
    lesson.finish(query_string="", show=False)
    lesson.identity.start_button.click()
    code = lesson.learner.code
    store.save(
        lesson.learner.id, "progress", "03", {"status": "done", "at": "2027-01-01T10:00:00+00:00"}
    )
    lesson = Lesson("00", store=store, show=False)  # the learner comes back to the welcome page
    welcome_view = lesson.activity("welcome", show=False)
    lesson.finish(query_string=f"learner={code}", show=False)
    rows = re.findall(
        r"<tr><td>(\d\d)</td><td>.*?</td><td>.*?</td><td>(.*?)</td></tr>", welcome_view.table.value
    )
    assert rows[0] == ("00", "This page") and ("03", "Done") in rows  # never "Started" for ever
    assert "You have completed 1 of 8 lessons so far." in lesson.progress_line.value
    third = Lesson("03", store=store, show=False)
    third.finish(query_string=f"learner={code}", show=False)
    assert "Lesson 3 of 8. You have completed 1 of 8 lessons so far." in third.progress_line.value
    assert "Still to do: 01 Why networks?; 02 What is capacity?; 04" in third.progress_line.value


def test_reflections_say_how_to_share_them_now_that_cohorts_exist(store):
    lesson = Lesson("01", store=store, show=False)
    view = lesson.activity("reflection", show=False)
    hint = view.children[-1].value
    assert "once cohorts are available" not in hint
    assert "if you join a cohort in Lesson 00 and choose to share them" in hint


def test_what_the_tutor_sees_is_listed_in_words_true_after_joining(store):
    assert (
        cohorts.SHARED[0] == "the name you choose for your tutor to see"
    )  # not "below": no field once joined

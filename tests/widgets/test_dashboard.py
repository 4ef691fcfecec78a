"""The tutor dashboard, headless: open with the key only, what it shows, merges, exports, who is refused."""

from __future__ import annotations

import re
import subprocess
import sys
from html import escape

import pytest

from widgets_lib import capacity, cohorts, identity
from widgets_lib.examples import load_example
from widgets_lib.record import NETWORK_ACTIVITY, NETWORK_KEY, network_to_value
from widgets_lib.throttle import Throttle, delay_after
from widgets_lib.views.dashboard import Dashboard

XSS = '"><svg onload=alert(1)>'
OPERATOR_KEY = "operator-key-of-the-dashboard-tests"


class Clock:
    """A clock the test moves: the wait after a wrong key passes without waiting."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def participant(store, code, name, example, share, journal="", complete_capacity=True):
    learner_id = identity.code_key(identity.new_code())
    store.ensure_learner(learner_id, "code")
    network, _ = load_example(example)
    store.save(learner_id, NETWORK_ACTIVITY, NETWORK_KEY, network_to_value(network))
    if complete_capacity:
        for item in capacity.load_bank().items:
            store.save(learner_id, capacity.ACTIVITY, capacity.answer_key(1, item.id), 3)
        store.save(learner_id, capacity.ACTIVITY, "attempts", [{"n": 1, "started": "2026-11-22"}])
        store.save(
            learner_id, "progress", "03", {"status": "done", "at": "2026-11-22T10:00:00+00:00"}
        )
    if journal:
        store.save(learner_id, "journal", "r01a", journal)
    cohorts.join(store, learner_id, code, name, share)
    return learner_id


@pytest.fixture
def cohort(store):
    made, code, key = cohorts.create(store, "Spring " + XSS)
    participant(store, code, "Asha " + XSS, "cosy_honeysuckle", True, "We avoid conflict " + XSS)
    participant(
        store,
        code,
        "Ben",
        "cosy_honeysuckle",
        False,
        "Ben's private words",
        complete_capacity=False,
    )
    return made, code, key


def test_nothing_shows_without_the_key_and_a_wrong_key_reveals_nothing(store, cohort, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    page = Dashboard(store=store, show=False)
    page.finish("")
    assert page.cohort is None and page.content.layout.display == "none"
    page.refresh_button.click()  # as a forged widget message would
    page.export_button.click()
    assert page.status.state == "failed" and "Open a cohort first" in page.status.value
    assert page.exports.value == "" and page.sections["progress"].value == ""
    page.key.value = identity.new_tutor_key()
    page.open_button.click()
    assert page.cohort is None and "That tutor key was not recognised" in page.key_message.value


@pytest.mark.parametrize("query", ["", "key=K7PM-3XQA-9TRE-MW4C-HJ8N", "key=nonsense"])
def test_a_wrong_key_is_said_next_to_the_key_field_and_is_not_a_failed_save(
    store, cohort, monkeypatch, query
):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    page = Dashboard(store=store, show=False)
    clock = Clock()
    page.throttle = Throttle(lambda: store, clock=clock)
    page.finish(query)
    if not query:
        page.key.value = "K7PM-3XQA-9TRE-MW4C-HJ8N"
        page.open_button.click()
    assert page.cohort is None
    # A well-formed key is a guess: the next answer waits (a key that cannot be one does not).
    wait = "" if query == "key=nonsense" else " Try again in 1 second."
    assert page.key_message.value == (
        '<p class="course-warning" role="alert">That tutor key was not recognised. '
        "Check it letter by letter (it is the key you wrote down when you created the "
        f"cohort), or create a new cohort below.{wait}</p>"
    )
    clock.now += delay_after(1)
    assert "Not saved" not in page.status.value and page.status.state != "failed"
    children = page.access.children
    assert (
        children.index(page.key_message) == children.index(page.key) + 1
    )  # right under the key field
    _made, _code, key = cohort
    page.key.value = key
    page.open_button.click()
    assert page.cohort is not None and page.key_message.value == ""


def test_the_key_opens_progress_capacity_diagnoses_reflections_and_exports(
    store, cohort, monkeypatch
):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    made, code, key = cohort
    page = Dashboard(store=store, show=False)
    page.finish(f"key={key}")
    assert page.cohort == made and page.key.value == ""
    assert "Spring &quot;&gt;&lt;svg" in page.header_html.value
    assert code not in page.header_html.value and "join code not shown" in page.header_html.value
    assert "2 participants" in page.header_html.value
    progress = page.sections["progress"].value
    assert (
        "Asha &quot;&gt;&lt;svg onload=alert(1)&gt;" in progress and "<svg onload" not in progress
    )
    assert (
        "Schools" in page.sections["capacity"].value
        and "Each school&#x27;s placement" in page.sections["capacity"].value
    )
    assert "Networks by diagnosis" in page.sections["diagnoses"].value
    reflections = page.sections["reflections"].value
    assert (
        "We avoid conflict &quot;&gt;" in reflections
        and "Ben&#x27;s private words" not in reflections
    )
    page.participant.value = 1
    assert "Ben" in page.card.value and "Reflections</strong>: not shared" in page.card.value
    assert "Schools in the merged network" in page.sections["merged"].value
    page.export_button.click()
    assert "cohort.csv" in page.exports.value and "cohort report (HTML)" in page.exports.value


def test_merging_two_spellings_is_saved_and_can_be_undone(store, cohort, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    _made, _code, key = cohort
    page = Dashboard(store=store, show=False)
    page.finish(f"key={key}")
    names = [value for _label, value in page.merge_a.options]
    before = len(page.merged.schools)
    page.merge_a.value, page.merge_b.value = names[0], names[1]
    page.merge_button.click()
    assert page.status.state == "saved" and len(page.merged.schools) == before - 1
    assert store.merges(page.cohort.id) == {names[0]: names[1]}
    page.merge_a.value = page.merge_b.value = names[2]
    page.merge_button.click()
    assert page.status.state == "failed"
    page.unmerge.value = names[0]
    page.unmerge_button.click()
    assert store.merges(page.cohort.id) == {} and len(page.merged.schools) == before


def test_create_shows_the_key_once_until_it_is_written_down_then_opens_the_new_cohort(
    store, monkeypatch
):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setenv("COURSE_OPERATOR_KEY", OPERATOR_KEY)
    page = Dashboard(store=store, show=False)
    page.finish("")
    page.written_button.click()  # a forged click before any cohort: nothing happens
    assert page.cohort is None and page.content.layout.display == "none"
    page.new_name.value = "Autumn <b>cohort</b>"
    page.operator_key.value = OPERATOR_KEY
    page.create_button.click()
    assert page.operator_key.value == ""
    shown = page.created.value
    assert "Autumn &lt;b&gt;cohort&lt;/b&gt;" in shown
    key = re.search(
        r'<input type="text" readonly class="course-key"[^>]* value="([A-Z0-9-]+)"', shown
    ).group(1)
    assert cohorts.open_for_tutor(store, key).name == "Autumn <b>cohort</b>"
    assert "Select it and copy it" in shown and "I have written the key down" in shown
    assert not re.search(r'class="course-code">[^<]*' + key, shown), (
        "the key is never in large type"
    )
    # Until the tutor says the key is written down, the dashboard does not go on.
    assert (
        page.cohort is None
        and page.content.layout.display == "none"
        and page.access.layout.display == "none"
    )
    assert page.written.children and page.written.children[0].children == (page.written_button,)
    page.refresh_button.click()  # as a forged widget message would
    assert page.sections["progress"].value == ""
    page.written_button.click()
    assert page.cohort is not None and page.cohort.name == "Autumn <b>cohort</b>"
    assert (
        page.content.layout.display is None
        and "Progress of each participant" in page.sections["progress"].value
    )
    assert key not in page.created.value and key.replace("-", "") not in page.created.value
    assert page.written.children == () and "course-key" not in page.created.value
    # The join code stays on this page, for the room, though the store holds only its hash.
    assert page.join_code in page.created.value and page.join_code in page.header_html.value
    assert cohorts.find_to_join(store, page.join_code) == page.cohort
    page.written_button.click()  # again: nothing more
    page.close_button.click()
    assert store.cohort(page.cohort.id).closed_at is not None and page.close_button.disabled


def test_under_jupyterhub_only_the_tutors_group_gets_in(store, cohort, monkeypatch):
    made, _code, key = cohort
    monkeypatch.setenv("JUPYTERHUB_USER", "pat")
    monkeypatch.setenv("COURSE_HUB_TUTOR", "")
    page = Dashboard(store=store, show=False)
    page.finish(f"key={key}")
    assert page.cohort is None and "This page is for tutors" in page.access.children[0].value
    page.key.value = key
    page.open_button.click()
    page.new_name.value = "sneaky"
    page.create_button.click()
    assert page.cohort is None and store.cohorts_owned(identity.hub_key("pat")) == []
    monkeypatch.setenv("JUPYTERHUB_USER", "tess")
    monkeypatch.setenv("COURSE_HUB_TUTOR", "1")
    tutor = Dashboard(store=store, show=False)
    tutor.finish("")
    tutor.new_name.value = "Tess's group"
    tutor.create_button.click()
    assert tutor.cohort.owner == identity.hub_key("tess") and "tutor key" not in tutor.created.value
    assert [label for label, _v in tutor.owned.options] == ["Tess's group (open)"]
    tutor.owned.options = [
        ("forged", made.id)
    ]  # a cohort that is not hers, as a forged message would choose
    tutor.open_owned.click()
    assert (
        tutor.cohort.name == "Tess's group"
        and "Please choose one of your cohorts" in tutor.status.value
    )


def test_a_participant_page_never_loads_tutor_functions():
    script = (
        "import sys\nfrom widgets_lib.views.lesson import Lesson\n"
        "for lid, acts in [('00', ['welcome', 'cohort', 'privacy']), ('03', ['capacity']), "
        "('05', ['health', 'diagnosis']), ('08', ['challenges', 'plan', 'journal', 'report'])]:\n"
        "    lesson = Lesson(lid, show=False)\n"
        "    [lesson.activity(a, show=False) for a in acts]\n"
        "print(sorted(m for m in sys.modules if 'dashboard' in m))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_shared_reflections_list_only_the_questions_answered(store, cohort, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    from widgets_lib import reflections

    _made, code, key = cohort
    participant(store, code, "Cleo", "cosy_honeysuckle", True)  # shares, has written nothing
    page = Dashboard(store=store, show=False)
    page.finish(f"key={key}")
    shown = page.sections["reflections"].value
    answered = next(q for q in reflections.questions() if q.id == "r01a")
    assert escape(answered.prompt) in shown and "We avoid conflict" in shown
    for question in reflections.questions():
        if question.id != "r01a":
            assert escape(question.prompt) not in shown, question.id
    assert "Not answered yet" not in shown
    assert shown.count("<h4>Lesson") == 1  # only the lesson with an answer has a heading
    assert "<h4>Cleo</h4><p><em>No reflections written yet.</em></p>" in shown
    page.participant.value = 0
    assert "Not answered yet" not in page.card.value and "We avoid conflict" in page.card.value


def test_counts_agree_in_number(store, cohort, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    from datetime import datetime, timezone

    from widgets_lib.html.cohort_report import cohort_report

    made, _code, key = cohort
    page = Dashboard(store=store, show=False)
    page.finish(f"key={key}")
    assert (
        "Scores of 1 school assessed" in page.sections["capacity"].value
    )  # only Asha completed lesson 03
    report = cohort_report(made, page.views[:1], page.merged, datetime.now(timezone.utc))
    assert "<p>1 participant; prepared on" in report


def test_a_standalone_dashboard_creates_a_cohort_only_with_the_operator_key(store, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.delenv("COURSE_OPERATOR_KEY", raising=False)
    page = Dashboard(store=store, show=False)
    clock = Clock()
    page.throttle = Throttle(lambda: store, clock=clock)
    page.finish("")
    assert page.operator_key in page.access.children
    page.new_name.value = "Anyone's cohort"
    page.create_button.click()
    assert "needs the operator key, and none is set" in page.status.value
    monkeypatch.setenv("COURSE_OPERATOR_KEY", OPERATOR_KEY)
    page.operator_key.value = OPERATOR_KEY + "?"
    page.create_button.click()
    assert (
        "✗ No cohort was created: That operator key was not recognised. Creating a cohort on this "
        "server needs the key set by the person who runs it. Try again in 1 second.</span>"
    ) in page.status.value
    assert store.cohorts_owned("") == [] and page._new_cohort is None
    clock.now += delay_after(1)
    page.operator_key.value = OPERATOR_KEY
    page.create_button.click()
    assert page._new_cohort is not None and page._new_cohort.name == "Anyone's cohort"


def test_a_lost_join_code_is_replaced_by_a_new_one(store, cohort, monkeypatch):
    """The store keeps only a join code's hash: a tutor who lost it makes a new one, and the old
    one stops working while the members stay."""
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    made, old_code, key = cohort
    page = Dashboard(store=store, show=False)
    page.finish(f"key={key}")
    page.join_code_button.click()
    new_code = page.join_code
    assert new_code and new_code != old_code
    assert new_code in page.join_code_html.value and new_code in page.header_html.value
    assert cohorts.find_to_join(store, new_code) == made
    with pytest.raises(cohorts.CohortError, match="No cohort has the join code"):
        cohorts.find_to_join(store, old_code)
    assert "2 participants" in page.header_html.value
    fresh = Dashboard(store=store, show=False)
    fresh.join_code_button.click()  # a forged click with no cohort open: nothing is made
    assert fresh.join_code is None and "Open a cohort first" in fresh.status.value

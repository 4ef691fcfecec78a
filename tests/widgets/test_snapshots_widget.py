"""Lesson 05's snapshots, headless: name and save, compare, delete, as a learner would."""

from __future__ import annotations

from tests.helpers import count_rows
from widgets_lib import snapshots
from widgets_lib.network import Link, Network, School
from widgets_lib.record import NETWORK_ACTIVITY, NETWORK_KEY, network_to_value
from widgets_lib.store import Quota, Store
from widgets_lib.views.lesson import Lesson

AUTUMN = Network(
    (School("Oak"), School("Ash"), School("Elm")),
    (Link("Oak", "Ash", level=2), Link("Ash", "Elm", level=3)),
)
SPRING = Network(
    AUTUMN.schools + (School("Rowan Primary"),),
    AUTUMN.links + (Link("Elm", "Rowan Primary", level=1),),
)


def page(store: Store, query: str = ""):
    lesson = Lesson("05", store=store, show=False)
    lesson.activity("health", show=False)
    view = lesson.activity("snapshots", show=False)
    lesson.finish(query_string=query, show=False)
    return lesson, view


def draw(store: Store, learner_id: str, network: Network) -> None:
    store.save(learner_id, NETWORK_ACTIVITY, NETWORK_KEY, network_to_value(network))


def saved_names(store: Store, learner_id: str) -> list[str]:
    return [s.name for s in snapshots.from_saved(store.load(learner_id, snapshots.ACTIVITY))]


def test_before_start_everything_waits(store):
    _lesson, view = page(store)
    assert all(control.disabled for control in view.controls)
    assert "Start or resume" in view.status.value
    for button in (view.save_button, view.compare_button, view.delete_button):
        button.click()  # a visitor's message can press a disabled button: nothing happens but words
    assert "✗ Not saved: Please start or resume at the top of the page first." in view.status.value
    assert "✗ Not compared: Choose two snapshots to compare" in view.compare_status.value
    assert (
        "✗ Not deleted: That snapshot is not among your saved snapshots" in view.delete_status.value
    )
    assert count_rows(store, "answers") == 0


def test_save_two_snapshots_compare_them_and_delete_one(store):
    lesson, view = page(store)
    lesson.identity.start_button.click()
    learner = lesson.learner.id
    draw(store, learner, AUTUMN)
    assert view.compare_button.disabled  # nothing to compare yet
    view.name.value = "  Autumn 2026 "
    view.save_button.click()
    assert saved_names(store, learner) == ["Autumn 2026"]
    assert view.status.state == "saved" and view.name.value == ""
    assert "Autumn 2026" in view.listing.value and "3" in view.listing.value

    view.name.value = "autumn 2026"
    view.save_button.click()
    assert "already have a snapshot called “Autumn 2026”" in view.status.value
    assert saved_names(store, learner) == ["Autumn 2026"]

    draw(store, learner, SPRING)  # the network changed in Lesson 04 (another tab)
    view.name.value = "Spring 2027"
    view.save_button.click()
    assert saved_names(store, learner) == ["Autumn 2026", "Spring 2027"]
    labels = dict((key, label) for label, key in view.before.options)
    assert labels[view.before.value].startswith("Autumn 2026")
    assert dict((k, v) for v, k in view.after.options)[view.after.value].startswith("Spring 2027")

    view.compare_button.click()
    result = view.result.value
    assert "<svg" in result and "joined" in result
    assert '<th scope="row">New link</th><td>Elm — Rowan Primary</td>' in result
    assert '<th scope="row">School joined</th><td>Rowan Primary</td>' in result
    assert "1 school joined and 1 new link" in view.compare_status.value

    view.before.value = view.after.value  # Spring 2027, saved from the network as it is now
    view.after.value = snapshots.CURRENT
    view.compare_button.click()
    assert "Nothing changed" in view.compare_status.value

    view.before.value = view.after.value = view.before.options[0][1]
    view.compare_button.click()
    assert "✗ Not compared: Choose two different snapshots" in view.compare_status.value

    view.doomed.value = next(key for label, key in view.doomed.options if "Autumn" in label)
    view.delete_button.click()
    assert saved_names(store, learner) == ["Spring 2027"]
    assert "The snapshot “Autumn 2026” is deleted." in view.delete_status.value
    assert [label.split(" (")[0] for label, _key in view.doomed.options] == ["Spring 2027"]

    again, view2 = page(store, f"learner={lesson.learner.code}")
    assert [s.name for s in view2.snapshots] == ["Spring 2027"]


def test_no_network_yet_gets_a_clear_message(store):
    lesson, view = page(store)
    lesson.identity.start_button.click()
    view.name.value = "Autumn 2026"
    view.save_button.click()
    assert "✗ Not saved: There is no network to take a snapshot of yet" in view.status.value


def test_a_snapshot_past_the_quota_is_refused_in_words_and_nothing_is_lost(store):
    lesson, view = page(store)
    lesson.identity.start_button.click()
    draw(store, lesson.learner.id, SPRING)
    view.name.value = "Autumn 2026"
    view.save_button.click()
    store.quota = Quota(answer_bytes=store.quota.answer_bytes // 10_000)
    view.name.value = "Spring 2027"
    view.save_button.click()
    assert "✗ Not saved: The snapshot “Spring 2027” (4 schools, about" in view.status.value
    assert "Delete a snapshot you no longer need" in view.status.value
    assert saved_names(store, lesson.learner.id) == ["Autumn 2026"]
    assert view.name.value == "Spring 2027"  # what the learner typed stays


def test_deleting_a_snapshot_changed_in_another_tab_is_refused_with_a_reload_link(store):
    lesson, view = page(store)
    lesson.identity.start_button.click()
    draw(store, lesson.learner.id, AUTUMN)
    view.name.value = "Autumn 2026"
    view.save_button.click()
    _other, elsewhere = page(store, f"learner={lesson.learner.code}")
    elsewhere.delete_button.click()
    assert saved_names(store, lesson.learner.id) == []
    view.delete_button.click()
    assert "changed in another tab" in view.delete_status.value
    assert view.delete_status.state == "conflict"


def test_a_made_up_choice_sent_by_a_visitor_is_refused_in_words(store):
    lesson, view = page(store)
    lesson.identity.start_button.click()
    draw(store, lesson.learner.id, AUTUMN)
    view.name.value = "x" * 10_000
    view.save_button.click()
    assert "name is 10,000 characters long; the course keeps at most 60" in view.status.value
    view.name.value = "Autumn"
    view.save_button.click()
    view.snapshots = []  # as if the snapshot had been deleted elsewhere since the page listed it
    view.compare_button.click()
    assert "not among your saved snapshots" in view.compare_status.value


def test_two_tabs_saving_snapshots_keep_the_limit_and_unique_names(store, monkeypatch):
    """Each tab counts the other's snapshots before saving: no two "Autumn 2026", never 21."""
    lesson, first = page(store)
    lesson.identity.start_button.click()
    learner = lesson.learner.id
    draw(store, learner, AUTUMN)
    _other, second = page(store, f"learner={lesson.learner.code}")  # opened before any snapshot
    first.name.value = "Autumn 2026"
    first.save_button.click()
    second.name.value = "autumn 2026"
    second.save_button.click()
    assert "already have a snapshot called “Autumn 2026”" in second.status.value
    assert "Autumn 2026" in second.listing.value  # the other tab's snapshot is now listed here
    assert saved_names(store, learner) == ["Autumn 2026"]

    monkeypatch.setattr(snapshots, "MAX_SNAPSHOTS", 2)
    second.name.value = "Spring 2027"
    second.save_button.click()
    first.name.value = "Summer 2027"  # this tab has not seen "Spring 2027"
    first.save_button.click()
    assert "the most the course keeps (2)" in first.status.value
    assert saved_names(store, learner) == ["Autumn 2026", "Spring 2027"]
    assert first.name.value == "Summer 2027"  # what the learner typed stays

"""Lesson 04's survey of partner schools in real Chromium (issue 17): the learner makes a link; a
partner, in a second browser context with no learner code, answers it with the mouse and keyboard;
the learner sees one tie confirmed by both sides and one reported by the partner only, and
accepts it. Every target is brought into view as a person would before it is used
(tests/person/person.py)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.person.person import click, tab_to, type_into, wheel_to

pytestmark = pytest.mark.browser

MARKUP = "Elm <b>College</b>"


def choose_value(page, locator, value: str) -> None:
    """Pick an option of a drop-down once it is in view (by its value: the form's options are
    long sentences)."""
    wheel_to(page, locator)
    locator.select_option(value=value)


def choose_label(page, locator, label: str) -> None:
    wheel_to(page, locator)
    locator.select_option(label=label)


def build_network(page) -> None:
    for name in ("Ash Primary", "Beech Academy", "Cedar High"):
        type_into(page, page.get_by_label("School name", exact=True), name)
        click(page, page.get_by_role("button", name="Add school", exact=True))
        expect(page.locator(".course-table :is(td, th)", has_text=name).first).to_be_attached()
    for source, target, level in (
        ("Ash Primary", "Beech Academy", 3),
        ("Ash Primary", "Cedar High", 2),
    ):
        form = page.locator(".course-network")
        choose_label(page, form.get_by_label("From", exact=True), source)
        choose_label(page, form.get_by_label("To", exact=True), target)
        box = form.get_by_label("Level of collaboration", exact=True)
        wheel_to(page, box)
        box.select_option(index=level + 1)  # after "Not given"
        click(page, page.get_by_role("button", name="Add link", exact=True))
    expect(page.get_by_text("3 members and 2 links").first).to_be_attached()


def test_a_partner_answers_and_the_learner_sees_confirmed_and_one_sided_ties(
    new_context, course_server
):
    learner = new_context().new_page()
    learner.goto(f"{course_server.url}/voila/render/04_draw_your_network.ipynb")
    click(learner, learner.get_by_role("button", name="Start the course (get a new code)"))
    expect(learner.locator(".course-code")).to_be_visible(timeout=120_000)
    build_network(learner)

    click(learner, learner.get_by_role("button", name="Create a survey link"))
    link_box = learner.get_by_label("Survey link to send", exact=True)
    expect(link_box).to_have_value(re.compile(rf"{course_server.url}/survey/[0-9a-f]{{32}}"))
    link = link_box.input_value()
    expect(learner.get_by_text("works until")).to_be_visible()

    # A colleague in Beech Academy, in another browser, without any learner code.
    partner = new_context().new_page()
    partner.goto(link)
    expect(partner.get_by_role("heading", level=1)).to_have_text(
        "A survey of your school's partnerships"
    )
    expect(partner.get_by_text("Who will see your answers")).to_be_visible()
    choose_label(
        partner,
        partner.get_by_label("Which school are you answering for?", exact=True),
        "Beech Academy",
    )
    # About Ash Primary (school 0): yes, level 3, information flows: confirmed by both sides.
    click(partner, partner.locator("#works_0_yes"))
    choose_value(partner, partner.locator("#level_0"), "3")
    click(partner, partner.locator("#flows_0_information"))
    # About Cedar High (school 2): yes, level 1: only Beech reports it. Reached by keyboard.
    # Tab reaches a radio group at its chosen button ("Not sure"); the arrows move the choice.
    tab_to(partner, partner.locator("#works_2_unsure"))
    partner.keyboard.press("ArrowUp")
    partner.keyboard.press("ArrowUp")
    expect(partner.locator("#works_2_yes")).to_be_checked()
    choose_value(partner, partner.locator("#level_2"), "1")
    type_into(partner, partner.get_by_label("Name of the school or partner").first, MARKUP)
    click(partner, partner.get_by_role("button", name="Send my answers"))
    expect(partner.get_by_role("heading", level=1)).to_have_text(
        "Thank you: your answers have been sent"
    )
    assert partner.locator("b").count() == 0

    # Back in lesson 04: the answers, compared with the learner's drawing.
    click(learner, learner.get_by_role("button", name="Check for answers"))
    answers = learner.locator(".course-survey table")
    expect(answers).to_contain_text("confirmed by both sides")
    expect(answers).to_contain_text("only they report it")
    expect(answers).to_contain_text(MARKUP)  # a name typed by a stranger, shown as text
    assert learner.locator(".course-survey b").count() == 0
    rows = learner.locator(".course-survey-finding")
    one_sided = rows.filter(has_text="Beech Academy – Cedar High")
    expect(one_sided).to_contain_text("only they report it")
    click(learner, one_sided.get_by_role("button", name="Accept"))
    expect(learner.get_by_text("3 members and 3 links").first).to_be_attached()
    expect(learner.locator(".course-survey")).to_contain_text(
        "Accepted the answer about Beech Academy and Cedar High"
    )
    # The accepted tie is now confirmed by both sides; the confirmed one still waits for a choice.
    expect(learner.locator(".course-survey-finding").filter(has_text="Cedar High")).to_have_count(0)
    click(learner, learner.get_by_role("button", name="Stop this link"))
    expect(link_box).to_have_value("")
    partner.goto(link)
    expect(partner.get_by_role("heading", level=1)).to_have_text("This survey link does not work")

"""Pure logic of lessons 06 and 08: who leads and its spread, the three challenges, the action plan."""

from __future__ import annotations

from datetime import date

import pytest

from widgets_lib import challenges, leadership, plan
from widgets_lib.leadership import Lead, LeadError
from widgets_lib.network import Link, Network, School
from widgets_lib.plan import PlanError


def net(*names: str, links: tuple[tuple[str, str], ...] = (), **school_fields) -> Network:
    schools = tuple(School(name, **school_fields) for name in names)
    return Network(schools=schools, links=tuple(Link(a, b) for a, b in links))


THREE = net("Ash", "Birch", "Cedar", links=(("Ash", "Birch"), ("Birch", "Cedar")))


def test_lists_have_unique_ids_and_formal_roles():
    acts, roles = leadership.activities(), leadership.roles()
    assert len(acts) >= 8 and all(a.name and a.about for a in acts.values())
    assert {r for r, role in roles.items() if role.formal} == {"head", "senior", "middle"}


def test_check_lead_names_what_is_wrong():
    good = Lead("enquiry", "Ash", "teacher")
    assert leadership.check_lead(THREE, good, []) == good
    with pytest.raises(LeadError, match="shared activity"):
        leadership.check_lead(THREE, Lead("nope", "Ash", "teacher"), [])
    with pytest.raises(LeadError, match="role"):
        leadership.check_lead(THREE, Lead("enquiry", "Ash", "king"), [])
    with pytest.raises(LeadError, match="member of your network"):
        leadership.check_lead(THREE, Lead("enquiry", "Oak", "teacher"), [])
    with pytest.raises(LeadError, match="already marked"):
        leadership.check_lead(THREE, good, [good])


def test_saved_leads_that_no_longer_fit_the_network_are_dropped_and_counted():
    value = [
        {"activity": "enquiry", "school": "Ash", "role": "teacher"},
        {"activity": "enquiry", "school": "Gone School", "role": "teacher"},
        {"nonsense": True},
        "text",
    ]
    kept, dropped = leadership.leads_from_value(value, THREE)
    assert kept == [Lead("enquiry", "Ash", "teacher")] and dropped == 3
    assert leadership.leads_from_value(None, THREE) == ([], 0)
    assert leadership.to_value(kept) == value[:1]


def test_spread_concentrated_at_the_top():
    leads = [Lead(a, "Ash", "head") for a in ("enquiry", "forum", "steering")]
    result = leadership.spread(THREE, leads)
    assert (result.leads, result.members, result.members_leading, result.activities_led) == (
        3,
        3,
        1,
        3,
    )
    assert result.formal_share == 1.0 and result.top_member == "Ash" and result.top_share == 1.0
    assert result.cross_school == 0
    words = " ".join(leadership.sentences(result))
    assert "100% of the leads sit in one member, Ash" in words
    assert "rests mostly on position" in words
    assert "led from a single member" in words
    assert leadership.marks(result) == {"Ash": "leads 3"}


def test_spread_stretched_across_schools_and_roles():
    leads = [
        Lead("enquiry", "Ash", "teacher"),
        Lead("enquiry", "Cedar", "assistant"),
        Lead("forum", "Birch", "middle"),
        Lead("steering", "Birch", "head"),
    ]
    result = leadership.spread(THREE, leads)
    assert result.members_leading == 3 and result.cross_school == 1
    assert result.formal_share == 0.5  # the middle leader holds a post: leadership by role
    words = " ".join(leadership.sentences(result))
    assert "1 activity is led from more than one member" in words
    assert "leadership post" not in words  # half by post, half by activity: neither is said
    assert "not everyone leads at once" in words
    assert leadership.table_rows(leads)[0][0] == leadership.activities()["enquiry"].name


def test_middle_leaders_hold_posts_so_their_leads_count_as_leadership_by_role():
    """Middle leaders hold formal posts, so their leads count as leadership by role, not activity.

    Harris, "Distributed leadership within learning networks", End piece, on distributed
    leadership: "It cannot be harnessed or corralled into formal roles or responsibilities."
    A subject, phase or year leader's post is such a formal role."""
    assert leadership.roles()["middle"].formal
    assert [r for r, role in leadership.roles().items() if role.formal] == [
        "head",
        "senior",
        "middle",
    ]
    by_post = leadership.spread(
        THREE, [Lead(a, "Birch", "middle") for a in ("enquiry", "forum", "strands")]
    )
    assert by_post.formal_share == 1.0
    assert (
        "People in leadership posts (headteachers, senior and middle leaders) hold 100%"
        in " ".join(leadership.sentences(by_post))
    )
    by_activity = leadership.spread(
        THREE,
        [
            Lead("enquiry", "Ash", "teacher"),
            Lead("forum", "Birch", "assistant"),
            Lead("strands", "Cedar", "pupils"),
        ],
    )
    assert by_activity.formal_share == 0.0
    assert "People without a leadership post hold 100%" in " ".join(
        leadership.sentences(by_activity)
    )


def test_no_leads_says_what_to_do():
    result = leadership.spread(THREE, [])
    assert result.formal_share is None and result.top_member is None
    assert "No leads are marked yet" in leadership.sentences(result)[0]


def test_challenges_data_has_three_with_quotes_and_ideas():
    ratings, found = challenges.load()
    assert ratings[0] == "Not at all" and len(ratings) == 4
    assert [c.id for c in found] == ["distance", "culture", "structure"]
    assert all(c.quote and c.question and len(c.ideas) >= 3 for c in found)


def test_challenge_evidence_reads_the_network_the_health_check_and_the_leads():
    far = Network(
        schools=(
            School("Ash", locality="North"),
            School("Birch", locality="South"),
            School("Cedar"),
            School("Lonely"),
        ),
        links=(
            Link("Ash", "Birch", origin="mandate"),
            Link("Birch", "Cedar", origin="funding", trust=1),
        ),
    )
    spread = leadership.spread(
        far, [Lead("enquiry", "Ash", "head"), Lead("forum", "Ash", "senior")]
    )
    found = challenges.evidence(far, {"trust": 2.0, "communication": 1.5, "openness": 4.0}, spread)
    distance, culture, structure = (
        " ".join(found[k]) for k in ("distance", "culture", "structure")
    )
    assert "2 different localities (North, South)" in distance
    assert "1 member has no link" in distance and "clear communication 1.5" in distance
    assert "mutual trust 2 out of 5" in culture and "openness" not in culture
    assert (
        "People in leadership posts (headteachers, senior and middle leaders) hold 100%" in culture
        and "trust you gave your links" in culture
    )
    assert "funding or a mandate" in structure and "joint practice" in structure
    assert "led from a single school" in structure and "holds the network together" in structure


def test_challenge_evidence_with_nothing_saved_says_so():
    found = challenges.evidence(Network(), {}, None)
    assert all(found[k] == [challenges.NOTHING_YET] for k in ("distance", "culture", "structure"))


def test_ratings_and_notes_are_checked():
    assert challenges.check_rating("culture", 4) == 4
    for bad in (0, 5, "3", 2.5, True, None):
        with pytest.raises(ValueError, match="culture"):
            challenges.check_rating("culture", bad)
    assert challenges.check_note("distance", "<b>x</b>") == "<b>x</b>"
    with pytest.raises(ValueError, match="1,000 characters"):
        challenges.check_note("distance", "x" * (challenges.MAX_NOTE + 1))


def test_an_action_is_checked_field_by_field():
    action = plan.check_action(
        "  Start an enquiry group ", "Sam (Year 4 teacher)", date(2027, 3, 1), "culture"
    )
    assert action == plan.Action(
        "Start an enquiry group", "Sam (Year 4 teacher)", "2027-03-01", "culture"
    )
    assert action.by_words == "1 March 2027"
    assert plan.check_action("x", "y", "2027-03-01", "other").by == "2027-03-01"
    cases = [
        (("", "y", "2027-01-01", "culture"), "What: please say"),
        (("x", "  ", "2027-01-01", "culture"), "Who: please say"),
        (("x", "y", None, "culture"), "By when: please choose"),
        (("x", "y", "next week", "culture"), "'next week' is not a date"),
        (("x", "y", "1899-01-01", "culture"), "between 2000 and 2100"),
        (("x", "y", "2027-01-01", "weather"), "Which challenge"),
        (("x" * 501, "y", "2027-01-01", "culture"), "What: please keep it under 500"),
    ]
    for args, message in cases:
        with pytest.raises(PlanError, match=message):
            plan.check_action(*args)


def test_plan_edits_return_new_lists_and_round_trip():
    a = plan.check_action("A", "Ann", "2027-05-01", "distance")
    b = plan.check_action("B", "Bob", "2027-01-01", "structure")
    actions = plan.add(plan.add([], a), b)
    assert plan.in_date_order(actions) == [b, a]
    assert plan.replace(actions, 0, b) == [b, b] and actions == [a, b]
    assert plan.remove(actions, 1) == [a]
    with pytest.raises(PlanError):
        plan.remove(actions, 2)
    with pytest.raises(PlanError):
        plan.replace(actions, -1, a)
    assert plan.from_value(plan.to_value(actions)) == actions
    assert (
        plan.from_value(
            [
                {"what": "x"},
                None,
                {"what": "", "who": "y", "by": "2027-01-01", "challenge": "culture"},
            ]
        )
        == []
    )
    full = [a] * plan.MAX_ACTIONS
    with pytest.raises(PlanError, match="at most"):
        plan.add(full, a)


def test_learning_from_with_and_on_behalf_of_partners_is_checked_and_read_defensively():
    assert [p.key for p in plan.LEARNING] == ["learn_from", "learn_with", "learn_for"]
    assert [p.label for p in plan.LEARNING] == [
        "What my school will learn from its partners",
        "What my school will learn with its partners",
        "What my school will learn on behalf of its partners",
    ]
    assert plan.check_learning("learn_with", "<b>Reading</b>") == "<b>Reading</b>"
    with pytest.raises(
        ValueError, match="learn on behalf of its partners: please keep it under 600"
    ):
        plan.check_learning("learn_for", "x" * (plan.MAX_LEARNING + 1))
    with pytest.raises(PlanError, match="not one of the plan's questions"):
        plan.check_learning("learn_nothing", "x")
    with pytest.raises(ValueError, match="must be text"):
        plan.check_learning("learn_from", 3)
    assert plan.check_way("study_group") == "study_group" and plan.check_way(None) is None
    for bad in ("weather", 1, True):
        with pytest.raises(PlanError, match="How you will learn"):
            plan.check_way(bad)
    saved = {"learn_from": "Phonics", "learn_with": 7, "learn_for": "x" * 900, "learn_how": "spa"}
    assert plan.learning_from_value(saved) == {
        "learn_from": "Phonics",
        "learn_with": "",
        "learn_for": "x" * plan.MAX_LEARNING,
        "learn_how": "",
    }
    rows = plan.learning_rows({"learn_from": "  Phonics ", "learn_how": "forum"})
    assert rows == [
        ("What my school will learn from its partners", "Phonics"),
        ("What my school will learn with its partners", "Not answered yet"),
        ("What my school will learn on behalf of its partners", "Not answered yet"),
        ("The main way we will learn with them", "A learning forum"),
    ]

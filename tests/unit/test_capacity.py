import pytest

from widgets_lib import capacity
from widgets_lib.html.capacity_figure import model_svg, profile_svg, shade

BANK = capacity.load_bank()


def answers(default: int, **by_element: int) -> dict[str, int]:
    return {i.id: by_element.get(i.element, default) for i in BANK.items}


def test_bank_covers_the_model():
    groups = {e.group for e in BANK.elements}
    assert groups == {"foundation", "domain", "external", "heart"}
    assert [e.id for e in BANK.elements if e.group == "heart"] == [
        "heart_leadership",
        "heart_social",
        "heart_values",
        "heart_intellectual",
    ]
    for element in BANK.elements:
        assert len(BANK.items_of(element.id)) >= 2, element.id
        assert element.id in BANK.advice
    assert set(BANK.growth_states) == {
        "securing_foundations",
        "building_domains",
        "connecting",
        "self_developing",
    }
    assert len({i.id for i in BANK.items}) == len(BANK.items)


def test_scores_are_means_per_element_and_partial_answers_have_no_state():
    first = BANK.items_of("personal")
    result = capacity.assess(BANK, {first[0].id: 1, first[1].id: 4})
    assert result.scores["personal"] == 2.5
    assert result.scores["foundation"] is None
    assert not result.complete and result.growth_state is None


def test_weak_foundations_come_first_whatever_else_is_strong():
    result = capacity.assess(BANK, answers(4, foundation=1))
    assert result.growth_state == "securing_foundations"
    assert result.start_with == ["foundation"]


def test_weak_domain_is_named_when_foundations_hold():
    result = capacity.assess(BANK, answers(4, interpersonal=1, organisational=2))
    assert result.growth_state == "building_domains"
    assert result.start_with == ["interpersonal", "organisational"]


def test_developing_heart_puts_leadership_first():
    result = capacity.assess(BANK, answers(4, heart_values=2, heart_leadership=3))
    assert result.growth_state == "connecting"
    assert result.start_with[0] == "heart_leadership"


def test_strong_everywhere_is_self_developing():
    result = capacity.assess(BANK, answers(4))
    assert result.growth_state == "self_developing"


@pytest.mark.parametrize("value", [0, 5, "high", 2.5, True, None])
def test_out_of_range_answers_are_refused_with_the_statement_named(value):
    item = BANK.items[0].id
    with pytest.raises(capacity.AnswerError, match=item):
        capacity.check_answer(BANK, item, value)


def test_unknown_statement_is_refused():
    with pytest.raises(capacity.AnswerError, match="no statement"):
        capacity.check_answer(BANK, "ZZ9", 2)


def test_attempts_are_split_by_number():
    saved = {"a1/F1": 2, "a2/F1": 3, "attempts": [{"n": 1}, {"n": 2}, {"n": 3}], "junk": 1}
    assert capacity.split_attempts(saved) == {1: {"F1": 2}, 2: {"F1": 3}, 3: {}}


def test_figures_have_text_alternatives_and_numbers_not_just_colour():
    result = capacity.assess(BANK, answers(3, foundation=1))
    svg = model_svg(BANK, result.scores, result.start_with, result.growth_state)
    assert "<title" in svg and "<desc" in svg and 'role="img"' in svg
    assert "Foundation conditions — 1.0 of 4" in svg
    assert "where to start" in svg.lower()
    chart = profile_svg(BANK, result.scores, earlier=result.scores)
    assert "earlier" in chart
    assert shade(None)[0] == "#ffffff"

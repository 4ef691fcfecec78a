import xml.etree.ElementTree as ET

import pytest

from widgets_lib import metrics
from widgets_lib.cohort_network import (
    Contribution,
    Merged,
    MergeError,
    check_manual_merge,
    merge,
    name_key,
    suggestions,
)
from widgets_lib.html.network_svg import network_svg
from widgets_lib.network import Link, Network, School, check_link, check_school_name


def net(*names: str, links: tuple[Link, ...] = (), kinds: dict[str, str] | None = None) -> Network:
    kinds = kinds or {}
    schools = tuple(School(n, kind=kinds.get(n, "school")) for n in names)
    return Network(schools=schools, links=links)


def c(participant: str, *names: str, links=(), own: str | None = None, kinds=None) -> Contribution:
    links = tuple(link if isinstance(link, Link) else Link(*link) for link in links)
    return Contribution(participant, net(*names, links=links, kinds=kinds), own_school=own)


def school(merged: Merged, name: str):
    found = merged.find(name)
    assert found is not None, name
    return found


def link(merged: Merged, a: str, b: str):
    (found,) = [x for x in merged.links if {x.source, x.target} == {a, b}]
    return found


# -- names ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "other",
    [
        "st mary's primary",
        "ST MARY'S PRIMARY",
        "  St Mary's \t Primary ",
        "St Mary’s Primary",
        "St Mary‘s Primary",
        "St Mary´s Primary",
        "St Maryʼs Primary",
        "ＳＴ ＭＡＲＹ＇Ｓ ＰＲＩＭＡＲＹ",
        "St\u00a0Mary's\u2003Primary",
        "St Marys Primary",
        "ST MARYS PRIMARY",
        "St Mary`s Primary",
    ],
)
def test_name_key_ignores_case_spacing_apostrophes_and_width(other):
    assert name_key(other) == name_key("St Mary's  Primary") == "st marys primary"


@pytest.mark.parametrize("dash", ["-", "\u2010", "\u2011", "\u2013", "\u2014", "\u2212", "\uff0d"])
def test_name_key_unifies_dashes(dash):
    assert name_key(f"Ash{dash}Oak Academy") == "ash-oak academy"


def test_name_key_keeps_real_differences():
    assert name_key("St Mary Primary") != name_key("St Mary's Primary")
    assert name_key("Ash Primary") != name_key("Ash Primary School")
    assert name_key("Straße") == name_key("STRASSE")  # casefold, as the importer does


def test_tolerant_merging_makes_one_school():
    merged = merge(
        [
            c("Ann", "St Mary's  Primary", "Oak"),
            c("Bob", "st mary's primary"),
            c("Cat", "St Mary’s Primary", "OAK"),
            c("Dan", "ＳＴ ＭＡＲＹ'Ｓ ＰＲＩＭＡＲＹ"),
            c("Eve", "St Marys Primary"),
        ]
    )
    assert len(merged.schools) == 2
    mary = merged.schools[0]
    assert mary.reported_by == ("Ann", "Bob", "Cat", "Dan", "Eve")
    assert set(mary.spellings) == {
        "St Mary's  Primary",
        "st mary's primary",
        "St Mary’s Primary",
        "ＳＴ ＭＡＲＹ'Ｓ ＰＲＩＭＡＲＹ",
        "St Marys Primary",
    }
    assert school(merged, "oak").reported_by == ("Ann", "Cat")


def test_most_common_spelling_and_kind_win():
    merged = merge(
        [
            c("Ann", "oak primary", kinds={"oak primary": "other"}),
            c("Bob", "Oak Primary"),
            c("Cat", "Oak Primary"),
            c("Dan", "OAK PRIMARY"),
        ]
    )
    (oak,) = merged.schools
    assert oak.name == "Oak Primary" and oak.kind == "school"
    assert oak.spellings == ("Oak Primary", "oak primary", "OAK PRIMARY")  # name first, then seen


def test_ties_go_to_the_first_seen():
    merged = merge(
        [
            c("Ann", "ash high", kinds={"ash high": "community"}),
            c("Bob", "Ash High", kinds={"Ash High": "university"}),
        ]
    )
    (ash,) = merged.schools
    assert (ash.name, ash.kind) == ("ash high", "community")
    assert ash.spellings == ("ash high", "Ash High")


def test_schools_keep_the_order_first_seen():
    merged = merge([c("Ann", "Oak", "Ash"), c("Bob", "Elm", "ash", "Oak")])
    assert [s.name for s in merged.schools] == ["Oak", "Ash", "Elm"]
    assert merged.network.names == ["Oak", "Ash", "Elm"]


# -- manual merges ----------------------------------------------------------------------------
def test_manual_merge_by_any_spelling():
    contributions = [
        c("Ann", "Ash Prim.", "Oak"),
        c("Bob", "Ash Primary School"),
        c("Cat", "ash primary school"),
    ]
    assert len(merge(contributions).schools) == 3
    merged = merge(contributions, {"  ASH prim. ": "ASH PRIMARY SCHOOL"})
    assert len(merged.schools) == 2
    ash = school(merged, "Ash Prim.")
    assert ash is school(merged, "ash primary school")
    assert ash.name == "Ash Primary School"  # two of three wrote it so, whatever the capitals
    assert ash.spellings == ("Ash Primary School", "ash primary school", "Ash Prim.")
    assert ash.reported_by == ("Ann", "Bob", "Cat")


def test_manual_merges_chain():
    contributions = [c("Ann", "A1"), c("Bob", "B2"), c("Cat", "C3"), c("Dan", "D4")]
    merged = merge(contributions, {"a1": "B2", "b2": "c3", "Gone": "A1"})
    assert [s.reported_by for s in merged.schools] == [("Ann", "Bob", "Cat"), ("Dan",)]
    # in any order of the mapping
    merged = merge(contributions, {"b2": "c3", "a1": "B2"})
    assert len(merged.schools) == 2
    # through a spelling nobody used
    merged = merge(contributions, {"a1": "Nobody", "nobody": "D4"})
    assert [s.reported_by for s in merged.schools] == [("Ann", "Dan"), ("Bob",), ("Cat",)]


def test_manual_merge_of_two_schools_of_one_participant_drops_their_link():
    merged = merge(
        [
            c(
                "Ann",
                "Ash Prim.",
                "Ash Primary School",
                "Oak",
                links=[
                    ("Ash Prim.", "Ash Primary School", 3),
                    ("Ash Prim.", "Oak", 1),
                    ("Oak", "Ash Primary School", 4),
                ],
            )
        ],
        {"Ash Prim.": "Ash Primary School"},
    )
    assert len(merged.schools) == 2
    (only,) = merged.links
    assert (only.level, only.reported_by) == (4, ("Ann",))


@pytest.mark.timeout(5)
@pytest.mark.parametrize(
    "manual",
    [
        {"A": "B", "b": "A"},
        {"A": "B", "B": "C", "c ": "a"},
        {"X": "A", "A": "B", "B": "C", "C": "A"},
    ],
)
def test_a_circle_of_manual_merges_is_an_error(manual):
    with pytest.raises(MergeError, match="go round in a circle") as error:
        merge([c("Ann", "A", "B", "C")], manual)
    assert "“A”" in str(error.value) or "“a”" in str(error.value)


def test_merging_a_name_with_itself_is_harmless():
    merged = merge([c("Ann", "Oak"), c("Bob", "OAK")], {"Oak": "oak"})
    assert len(merged.schools) == 1


def test_one_name_merged_two_ways_is_an_error():
    with pytest.raises(
        MergeError,
        match="“Ash Prim.” is merged with two different schools, “Ash Primary” and “Ash Park”",
    ):
        merge([c("Ann", "Ash Prim.")], {"Ash Prim.": "Ash Primary", "ash prim.": "Ash Park"})


def test_an_empty_name_in_manual_merges_is_an_error():
    with pytest.raises(MergeError, match="empty name"):
        merge([c("Ann", "Oak")], {"  ": "Oak"})


# -- check_manual_merge -----------------------------------------------------------------------
def cohort() -> Merged:
    return merge(
        [
            c("Ann", "Ash Prim.", "Oak Academy"),
            c("Bob", "Ash Primary School", "oak academy"),
            c("Cat", "Elm High"),
        ]
    )


def test_check_manual_merge_returns_what_to_record():
    merged = cohort()
    assert check_manual_merge(merged, "ash prim.", "ASH PRIMARY SCHOOL") == (
        "Ash Prim.",
        "Ash Primary School",
    )
    assert check_manual_merge(merged, "OAK ACADEMY", "Elm High") == ("Oak Academy", "Elm High")


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        (
            "Ash Prim",
            "Elm High",
            "“Ash Prim” is not a school in the cohort's network; did you mean “Ash Prim.”?",
        ),
        ("Elm High", "Zebra Crossing", "“Zebra Crossing” is not a school in the cohort's network."),
        (
            "Oak Academy",
            "oak  academy",
            "“Oak Academy” and “oak academy” are already one school, “Oak Academy”.",
        ),
        ("", "Oak Academy", "Choose the two schools"),
        ("Oak Academy", "   ", "Choose the two schools"),
    ],
)
def test_bad_manual_merges_say_what_is_wrong(a, b, message):
    with pytest.raises(MergeError) as error:
        check_manual_merge(cohort(), a, b)
    assert str(error.value).startswith(message)


def test_a_merge_recorded_as_checked_never_undoes_an_earlier_one():
    contributions = [
        c("Ann", "Ash Prim."),
        c("Bob", "Ash Prim."),
        c("Cat", "Ash Primary School"),
        c("Dan", "Ash Park"),
    ]
    manual = {}
    source, target = check_manual_merge(
        merge(contributions, manual), "Ash Prim.", "Ash Primary School"
    )
    manual[source] = target
    merged = merge(contributions, manual)
    assert school(merged, "Ash Primary School").name == "Ash Prim."  # the most common spelling
    with pytest.raises(MergeError, match="already one school"):
        check_manual_merge(merged, "Ash Primary School", "ash prim.")
    source, target = check_manual_merge(merged, "Ash Prim.", "Ash Park")
    assert (source, target) == ("Ash Primary School", "Ash Park")  # not "Ash Prim." again
    manual[source] = target
    merged = merge(contributions, manual)
    (ash,) = merged.schools
    assert ash.reported_by == ("Ann", "Bob", "Cat", "Dan")


def test_merging_into_a_spelling_nobody_used_then_onwards():
    contributions = [c("Ann", "Ash Prim."), c("Bob", "Ash Park")]
    manual = {"Ash Prim.": "Ash Primary School"}
    merged = merge(contributions, manual)
    source, target = check_manual_merge(merged, "ash prim.", "ash park")
    assert source == "Ash Primary School"
    manual[source] = target
    assert len(merge(contributions, manual).schools) == 1


# -- links ------------------------------------------------------------------------------------
def test_links_between_the_same_schools_are_one_link():
    merged = merge(
        [
            c("Ann", "Oak", "Ash", links=[Link("Oak", "Ash", level=2, directed=True)]),
            c("Bob", "ash", "OAK", links=[Link("ash", "OAK", level=4)]),
            c("Cat", "Oak", "Ash", "Elm", links=[Link("Ash", "Oak"), Link("Elm", "Oak", level=0)]),
        ]
    )
    assert len(merged.links) == 2
    oak_ash = link(merged, "Oak", "Ash")
    assert (oak_ash.source, oak_ash.target) == ("Ash", "Oak")  # a sorted pair
    assert oak_ash.level == 4 and oak_ash.reported_by == ("Ann", "Bob", "Cat")
    elm = link(merged, "Elm", "Oak")
    assert elm.level == 0 and elm.reported_by == ("Cat",)


def test_level_is_none_when_nobody_gave_one():
    merged = merge(
        [
            c("Ann", "Oak", "Ash", links=[("Oak", "Ash")]),
            c("Bob", "Oak", "Ash", links=[("Ash", "Oak")]),
        ]
    )
    assert merged.links[0].level is None


def test_the_merged_network_is_valid_and_matches_the_merge():
    merged = merge(
        [
            c("Ann", "Oak", "Ash", "Elm", links=[("Oak", "Ash", 3), ("Ash", "Elm", None)]),
            c(
                "Bob",
                "oak",
                "ASH",
                "Fir",
                links=[Link("ASH", "oak", 5, directed=True), Link("Fir", "oak", 1)],
            ),
            c("Cat", "Ash", "Elm", links=[("Elm", "Ash", 2)]),
        ]
    )
    network = merged.network
    assert network.names == [s.name for s in merged.schools]
    assert len(set(network.names)) == len(network.names)
    keys = [name_key(n) for n in network.names]
    assert len(set(keys)) == len(keys)
    built = Network()
    for s in network.schools:
        assert check_school_name(built, s.name) == s.name
        built = built.with_school(s)
    for one in network.links:
        built = built.with_link(check_link(built, one))
    assert [(x.source, x.target, x.level) for x in network.links] == [
        (x.source, x.target, x.level) for x in merged.links
    ]
    assert not any(x.directed for x in network.links)
    assert metrics.measure(network).links == 3
    root = ET.fromstring(network_svg(network, title="Cohort"))
    assert root.tag.endswith("svg")


def test_links_to_schools_missing_from_the_participants_network_are_ignored():
    broken = Network(schools=(School("Oak"),), links=(Link("Oak", "Nowhere"),))
    merged = merge([Contribution("Ann", broken)])
    assert merged.links == () and merged.network.names == ["Oak"]


# -- one-sided links --------------------------------------------------------------------------
def test_one_sided_when_one_reported_and_another_could_have():
    merged = merge(
        [
            c("Ann", "Oak", "Ash", links=[("Oak", "Ash", 3)]),
            c("Bob", "Oak", "Ash", "Elm", links=[("Ash", "Elm", 2)]),
            c("Cat", "Elm", "Fir", links=[("Elm", "Fir", 1)]),
        ]
    )
    oak_ash = link(merged, "Oak", "Ash")
    assert oak_ash.one_sided and oak_ash.not_reported_by == ("Bob",)
    # Nobody else has both Ash and Elm, or Elm and Fir: nothing to contradict them.
    assert not link(merged, "Ash", "Elm").one_sided
    assert not link(merged, "Elm", "Fir").one_sided


def test_not_one_sided_when_two_reported_it():
    merged = merge(
        [
            c("Ann", "Oak", "Ash", links=[("Oak", "Ash")]),
            c("Bob", "Ash", "Oak", links=[("Ash", "Oak")]),
            c("Cat", "Oak", "Ash"),
        ]
    )
    only = merged.links[0]
    assert not only.one_sided and only.not_reported_by == ("Cat",)


def test_one_sided_when_a_side_named_by_own_school_did_not_report_it():
    merged = merge(
        [
            c("Ann", "Oak", "Ash", links=[("Oak", "Ash", 3)], own="Oak"),
            c("Bob", "Elm", "Fir", own="ASH"),  # works at Ash and did not draw Oak
            c("Cat", "Elm", "Fir", links=[("Elm", "Fir")], own="Elm"),
            c("Dan", "Fir", "Elm", links=[("Fir", "Elm")], own="fir"),
        ]
    )
    oak_ash = link(merged, "Oak", "Ash")
    assert oak_ash.one_sided and oak_ash.not_reported_by == ("Bob",)
    assert not link(merged, "Elm", "Fir").one_sided  # both sides drew it


def test_one_sided_by_own_school_even_when_several_others_reported_it():
    merged = merge(
        [
            c("Ann", "Oak", "Ash", links=[("Oak", "Ash")]),
            c("Bob", "Oak", "Ash", links=[("Oak", "Ash")]),
            c("Cat", "Ash", own="Oak"),
        ]
    )
    assert merged.links[0].one_sided and merged.links[0].not_reported_by == ("Cat",)


def test_own_school_follows_manual_merges():
    contributions = [
        c("Ann", "Oak", "Ash", links=[("Oak", "Ash")], own="Oak"),
        c("Bob", "Ash School", "Oak", links=[("Ash School", "Oak")], own="Ash School"),
    ]
    assert link(merge(contributions), "Oak", "Ash").one_sided is False  # Bob's is another school
    merged = merge(contributions, {"Ash School": "Ash"})
    (only,) = merged.links
    assert only.reported_by == ("Ann", "Bob") and not only.one_sided


def test_a_link_only_its_reporter_could_see_is_not_one_sided():
    merged = merge(
        [c("Ann", "Oak", "Ash", links=[("Oak", "Ash")], own="Oak"), c("Bob", "Elm", own="Elm")]
    )
    assert not merged.links[0].one_sided and merged.links[0].not_reported_by == ()


# -- suggestions ------------------------------------------------------------------------------
def test_suggestions_find_look_alikes():
    merged = merge(
        [
            c("Ann", "Ash Primary", "St Mary's C of E"),
            c("Bob", "Ash Primary School", "St Marys C of E", "Oakwood Academy"),
            c("Cat", "Oakwod Academy", "Elm High", "Ash"),
        ]
    )
    found = suggestions(merged)
    assert school(merged, "St Marys C of E").reported_by == (
        "Ann",
        "Bob",
    )  # one school, not a suggestion
    assert ("Oakwood Academy", "Oakwod Academy") == found[0]
    assert set(found) == {
        ("Oakwood Academy", "Oakwod Academy"),
        ("Ash Primary", "Ash Primary School"),
    }
    assert suggestions(merged, limit=1) == found[:1]
    assert suggestions(merged, limit=0) == []


def test_suggestions_skip_what_is_already_merged_or_dismissed():
    contributions = [
        c("Ann", "Ash Primary", "Oakwood Academy"),
        c("Bob", "ash primary", "Ash Primary School", "Oakwod Academy"),
    ]
    merged = merge(contributions, {"Ash Primary School": "Ash Primary"})
    assert suggestions(merged) == [("Oakwood Academy", "Oakwod Academy")]
    assert suggestions(merged, dismissed=[("OAKWOD ACADEMY", "oakwood academy")]) == []


def test_short_prefixes_are_not_suggested():
    merged = merge([c("Ann", "Ash", "Ash High School", "Oak", "Oak Tree")])
    assert suggestions(merged) == []


def test_suggestions_are_deterministic_and_look_at_every_spelling():
    contributions = [
        c("Ann", "Ash Prim."),
        c("Bob", "Ash Primary School"),
        c("Cat", "Ash Primary"),
        c("Dan", "Ash Primary"),
    ]
    merged = merge(contributions, {"ash prim.": "Ash Primary School"})
    again = merge(contributions, {"ash prim.": "Ash Primary School"})
    assert suggestions(merged) == suggestions(again)
    assert suggestions(merged) == [("Ash Prim.", "Ash Primary")]  # via "Ash Primary School"


def test_suggestions_for_a_large_cohort():
    words = ("Oak", "Ash", "Elm", "Fir", "Yew", "Bay", "Box", "Rowan")
    schools = [
        f"{word} {kind}"
        for word in words
        for kind in ("Primary", "Academy", "High", "Infants", "Juniors")
    ]
    contributions = [
        c(f"P{n}", *{schools[(n * 7 + i) % len(schools)] for i in range(10)}) for n in range(300)
    ]
    contributions.append(c("Odd", "Rowan Juniors School", "Oak Primry"))
    found = suggestions(merge(contributions), limit=100)
    assert ("Oak Primary", "Oak Primry") in found
    assert ("Rowan Juniors", "Rowan Juniors School") in found


# -- text and edge cases ----------------------------------------------------------------------
def test_markup_in_names_is_kept_as_text():
    name = '<b>Oak</b> & "Ash" <script>alert(1)</script>'
    merged = merge([c("<i>Ann</i>", name, "Elm", links=[(name, "Elm")]), c("Bob", name.upper())])
    assert merged.schools[0].name == name
    assert merged.schools[0].reported_by == ("<i>Ann</i>", "Bob")
    assert merged.links[0].target == name or merged.links[0].source == name
    assert name in merged.network.names
    assert "<script>" not in network_svg(merged.network)


def test_empty_input():
    merged = merge([])
    assert merged == Merged() and merged.network == Network()
    assert suggestions(merged) == []
    assert merge([c("Ann")], {"A": "B"}).schools == ()
    with pytest.raises(MergeError, match="not a school"):
        check_manual_merge(merged, "Oak", "Ash")


def test_participants_with_the_same_label_are_still_two():
    merged = merge([c("Sam", "Oak", "Ash", links=[("Oak", "Ash")]), c("Sam", "Oak", "Ash")])
    assert merged.schools[0].reported_by == ("Sam", "Sam")
    assert merged.links[0].one_sided


def test_merging_is_fast_enough_for_a_large_cohort():
    """500 participants (timing is measured by hand, not asserted)."""
    pool = [f"School {n}" for n in range(600)]
    contributions = []
    for p in range(500):
        names = [pool[(p * 13 + i * 17) % len(pool)] for i in range(10)]
        links = [(names[i % 10], names[(i + 1 + i // 10) % 10], i % 6) for i in range(15)]
        contributions.append(c(f"P{p}", *names, links=links, own=names[0]))
    merged = merge(contributions)
    assert len(merged.schools) <= 600 and merged.links
    suggestions(merged)


# -- the picture: dotted lines for one-sided links ------------------------------------------------
def test_network_svg_draws_unconfirmed_links_dotted_with_a_legend():
    merged = merge(
        [
            c("Ann", "Oak", "Ash", "Elm", links=[("Oak", "Ash", 3), ("Ash", "Elm")]),
            c("Bob", "Oak", "Ash"),
        ]
    )
    unconfirmed = [(x.source, x.target) for x in merged.links if x.one_sided]
    assert unconfirmed == [("Ash", "Oak")]
    plain = network_svg(merged.network)
    svg = network_svg(merged.network, unconfirmed=[("Oak", "Ash"), ("Oak", "Nowhere")])
    assert "dotted" not in plain and "dotted = reported by one side only" in svg
    root = ET.fromstring(svg)
    lines = root.findall("{http://www.w3.org/2000/svg}line")
    dotted = [x for x in lines if x.get("stroke-linecap") == "round"]
    assert len(dotted) == 1 and dotted[0].get("stroke-dasharray").startswith("0.1 ")
    assert any(x.get("stroke-dasharray") == "5 4" for x in lines)  # Ash–Elm: no level
    assert svg != plain and network_svg(merged.network, unconfirmed=[("Ash", "Oak")]) == svg


def test_suggestions_match_a_brute_force_search_on_a_small_cohort():
    import difflib

    names = [
        "Oak Primary",
        "Oak Primry",
        "Oak Primary School",
        "Ash Academy",
        "Ash Acadamy",
        "Elm High",
        "Elm Hig",
        "Fir Infants",
    ]
    merged = merge([c("Ann", *names)])
    expected = []
    for i, x in enumerate(names):
        for y in names[i + 1 :]:
            kx, ky = name_key(x), name_key(y)
            ratio = difflib.SequenceMatcher(None, *sorted((kx, ky)), autojunk=False).ratio()
            shorter, longer = sorted((kx, ky), key=len)
            if ratio >= 0.85 or (len(shorter) >= 6 and longer.startswith(shorter)):
                expected.append((-ratio, names.index(x), names.index(y)))
    assert suggestions(merged, limit=100) == [(names[i], names[j]) for _, i, j in sorted(expected)]


def test_a_short_list_of_suggestions_is_the_start_of_the_long_one():
    words = ["Oak", "Ash", "Elm", "Fir", "Yew", "Bay", "Box", "Rowan", "Hazel", "Birch"]
    ends = ["Primary", "Primary School", "Academy", "High", "Infants", "Juniors", "C of E Primary"]
    names = [
        f"{w}{v} {e}" for w in words for v in ("field", "fields", "wood", "lane") for e in ends
    ]
    merged = merge([c(f"P{n}", *names[n::7]) for n in range(7)])
    everything = suggestions(merged, limit=10**6)
    assert len(everything) > 50
    for limit in (1, 5, 20, 50):
        assert suggestions(merged, limit=limit) == everything[:limit]

"""Snapshots of a network and their comparison (issue 17, point 4): the model, its storage, the
picture and tables, and the latest comparison in the report and the tutor's card."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET

import pytest

from widgets_lib import classify, snapshots
from widgets_lib.cohorts import participant_view
from widgets_lib.html.cohort_report import participant_card_html
from widgets_lib.html.report import build_report
from widgets_lib.html.snapshots import (
    changes_rows,
    comparison_svg,
    comparison_tables,
    latest_html,
)
from widgets_lib.metrics import explain, measure
from widgets_lib.network import Link, Network, School
from widgets_lib.record import Record, network_to_value
from widgets_lib.snapshots import (
    LOST,
    MAX_NAME,
    MAX_SNAPSHOTS,
    NEW,
    STRONGER,
    TRUST,
    WEAKER,
    Snapshot,
    SnapshotError,
    compare,
)
from widgets_lib.store import Membership, Quota, QuotaError, Store

SVG = "{http://www.w3.org/2000/svg}"
NS = {"svg": SVG[1:-1]}


def net(names: str, *links: Link, kinds: dict[str, str] | None = None) -> Network:
    kinds = kinds or {}
    return Network(
        schools=tuple(School(n, kind=kinds.get(n, "school")) for n in names.split()),
        links=links,
    )


AUTUMN = net(
    "Oak Ash Elm Yew",
    Link("Oak", "Ash", level=2, trust=2),
    Link("Ash", "Elm", level=3),
    Link("Elm", "Yew", level=1),
    Link("Oak", "Elm", level=2, trust=3),
)
SPRING = net(
    "Oak Ash Elm Fir",
    Link("Ash", "Oak", level=4, trust=2),  # the pair the other way round: the same link, stronger
    Link("Ash", "Elm", level=1),  # weaker
    Link("Elm", "Fir", level=2),  # new, to a school that joined
    Link("Oak", "Elm", level=2, trust=1),  # trust changed
)


def snap(name: str, when: str, network: Network = AUTUMN, key: str | None = None) -> Snapshot:
    return Snapshot(key or name.lower().replace(" ", "-"), name, when, network_to_value(network))


# -- names and the limit ---------------------------------------------------------------------
def test_a_name_is_cleaned_and_kept():
    assert snapshots.check_name("  Autumn   2026 ", []) == "Autumn 2026"


@pytest.mark.parametrize("name", ["", "   ", None, 42, ["Autumn"]])
def test_a_snapshot_needs_a_name(name):
    with pytest.raises(SnapshotError, match="Please name this snapshot first"):
        snapshots.check_name(name, [])


def test_a_long_name_is_refused_saying_how_long():
    with pytest.raises(SnapshotError) as caught:
        snapshots.check_name("x" * (MAX_NAME + 1), [])
    assert str(caught.value) == (
        f"The snapshot's name is {MAX_NAME + 1} characters long; the course keeps at most {MAX_NAME}."
    )


def test_names_are_unique_whatever_the_case_and_spacing():
    existing = [snap("Autumn 2026", "2026-10-01T10:00:00+00:00")]
    with pytest.raises(SnapshotError, match="already have a snapshot called “Autumn 2026”"):
        snapshots.check_name(" autumn  2026", existing)


def test_at_most_twenty_snapshots_and_the_message_says_so():
    existing = [snap(f"Term {i}", f"2026-01-{i + 1:02d}T00:00:00+00:00") for i in range(20)]
    assert MAX_SNAPSHOTS == 20
    with pytest.raises(SnapshotError) as caught:
        snapshots.check_name("One more", existing)
    assert "You have 20 snapshots, the most the course keeps (20)" in str(caught.value)
    assert "Delete one" in str(caught.value)
    assert snapshots.check_name("One more", existing[:-1]) == "One more"


def test_no_snapshot_of_an_empty_network():
    with pytest.raises(SnapshotError, match="no network to take a snapshot of"):
        snapshots.new_snapshot("Autumn 2026", Network(), [], "2026-10-01T10:00:00+00:00")


def test_a_new_snapshot_holds_the_network_and_reads_back():
    made = snapshots.new_snapshot(" Autumn 2026 ", AUTUMN, [], "2026-10-01T10:00:00+00:00")
    assert made.name == "Autumn 2026" and re.fullmatch(r"[0-9a-f]{12}", made.key)
    back = snapshots.from_saved({made.key: snapshots.to_value(made)})
    assert back == [made]
    assert back[0].network() == AUTUMN and back[0].size == (4, 4)


def test_saved_snapshots_come_oldest_first_and_malformed_values_are_left_out():
    later, earlier = (
        snap("Spring", "2027-03-01T00:00:00+00:00"),
        snap("Autumn", "2026-10-01T00:00:00+00:00"),
    )
    saved = {
        later.key: snapshots.to_value(later),
        earlier.key: snapshots.to_value(earlier),
        "junk": "not a snapshot",
        "half": {"name": "No network", "saved_at": "2026-01-01"},
        "typed": {"name": 3, "saved_at": "2026-01-01", "network": {}},
    }
    assert [s.name for s in snapshots.from_saved(saved)] == ["Autumn", "Spring"]


def test_finding_a_snapshot_that_is_not_there_says_what_to_do():
    with pytest.raises(SnapshotError, match="not among your saved snapshots"):
        snapshots.find([snap("Autumn", "2026-10-01")], "made-up-key")


# -- comparing ----------------------------------------------------------------------------------
def test_compare_finds_every_kind_of_change():
    result = compare(AUTUMN, SPRING)
    assert result.joined == ("Fir",) and result.gone == ("Yew",)
    assert [c.pair for c in result.of(NEW)] == [("Elm", "Fir")]
    assert [c.pair for c in result.of(LOST)] == [("Elm", "Yew")]
    (stronger,) = result.of(STRONGER)
    assert stronger.pair == ("Ash", "Oak")
    assert (stronger.before.level, stronger.after.level) == (2, 4)
    assert stronger.words == "strengthened: level 2 Cooperation → level 4 Coalition"
    (weaker,) = result.of(WEAKER)
    assert (weaker.pair, weaker.before.level, weaker.after.level) == (("Ash", "Elm"), 3, 1)
    (trust,) = result.of(TRUST)
    assert trust.pair == ("Elm", "Oak") and trust.words == "trust 3 Good → 1 Low"
    assert result.unchanged_links == 0
    assert result.counts() == {
        "joined": 1,
        "gone": 1,
        NEW: 1,
        LOST: 1,
        STRONGER: 1,
        WEAKER: 1,
        TRUST: 1,
    }
    assert snapshots.summary(result) == (
        "1 school joined, 1 school gone, 1 new link, 1 link lost, 1 link strengthened, "
        "1 link weakened and 1 link with its trust changed."
    )


def test_comparing_a_network_with_itself_finds_nothing():
    result = compare(AUTUMN, AUTUMN)
    assert not result.changed and result.links == () and result.unchanged_links == 4
    assert snapshots.summary(result).startswith("Nothing changed")
    assert all(before == after for _label, before, after in result.measures)


def test_a_pair_with_two_one_way_links_is_one_pair_at_its_strongest_level():
    before = net(
        "A B", Link("A", "B", level=1, directed=True), Link("B", "A", level=3, directed=True)
    )
    after = net("A B", Link("A", "B", level=3))
    result = compare(before, after)
    assert result.links == () and result.unchanged_links == 1
    weaker = compare(before, net("A B", Link("B", "A", level=2, directed=True)))
    assert [(c.kind, c.before.level, c.after.level) for c in weaker.links] == [(WEAKER, 3, 2)]


def test_a_level_given_where_there_was_none_is_neither_stronger_nor_weaker():
    result = compare(net("A B", Link("A", "B")), net("A B", Link("A", "B", level=4)))
    assert result.links == () and result.unchanged_links == 1


def test_self_links_are_left_out_as_the_measures_leave_them_out():
    result = compare(net("A B", Link("A", "A", level=2)), net("A B"))
    assert result.links == ()


def test_a_renamed_school_reads_as_one_gone_and_one_joined_with_its_links():
    after = AUTUMN.renamed("Yew", "Yew Tree")
    result = compare(AUTUMN, after)
    assert (result.joined, result.gone) == (("Yew Tree",), ("Yew",))
    assert [(c.kind, c.pair) for c in result.links] == [
        (NEW, ("Elm", "Yew Tree")),
        (LOST, ("Elm", "Yew")),
    ]


def test_measures_are_the_lesson_05_table_before_and_after():
    result = compare(AUTUMN, SPRING)
    assert [row[0] for row in result.measures] == [row[0] for row in explain(measure(AUTUMN))]
    assert [row[1] for row in result.measures] == [row[1] for row in explain(measure(AUTUMN))]
    assert [row[2] for row in result.measures] == [row[1] for row in explain(measure(SPRING))]


def test_both_diagnoses_use_the_same_current_answers_as_lesson_05():
    items = {
        item.id: 5 for item in __import__("widgets_lib.health", fromlist=["x"]).load_items().items
    }
    result = compare(AUTUMN, SPRING, items)
    for side, network in zip(result.diagnosis, (AUTUMN, SPRING), strict=True):
        expected = classify.diagnose(network, items=items)
        assert (side.verdict, side.evidence, side.scores) == (
            expected.verdict,
            expected.evidence,
            expected.scores,
        )
    assert result.answers == len(items)
    assert compare(AUTUMN, SPRING).answers == 0


def test_latest_is_the_two_newest_snapshots_or_one_against_now():
    autumn = snap("Autumn", "2026-10-01T00:00:00+00:00", AUTUMN)
    spring = snap("Spring", "2027-03-01T00:00:00+00:00", SPRING)
    assert snapshots.latest([], SPRING, {}) is None
    one = snapshots.latest([autumn], SPRING, {})
    assert (one.before, one.after) == ("Autumn", snapshots.CURRENT_LABEL)
    assert one.comparison == compare(AUTUMN, SPRING)
    summer = snap("Summer", "2027-07-01T00:00:00+00:00", AUTUMN)
    two = snapshots.latest([autumn, spring, summer], Network(), {})
    assert (two.before, two.after) == ("Spring", "Summer")
    assert two.comparison == compare(SPRING, AUTUMN)


def _big(count: int, seed: int) -> Network:
    rng = random.Random(seed)
    schools = tuple(School(f"School {i:04d}") for i in range(count))
    pairs: dict[tuple[int, int], Link] = {}
    while len(pairs) < 3 * count:
        a, b = sorted(rng.sample(range(count), 2))
        pairs[(a, b)] = Link(schools[a].name, schools[b].name, level=rng.randrange(6))
    return Network(schools, tuple(pairs.values()))


def test_a_thousand_schools_compare_exactly():
    before = _big(1000, 3)
    links = list(before.links)
    dropped, changed, kept = links[:40], links[40:70], links[70:]
    raised = [Link(link.source, link.target, level=min(5, link.level + 1)) for link in changed]
    added = [Link("School 0001", f"New school {i}", level=2) for i in range(25)]
    gone = {f"School {i:04d}" for i in range(995, 1000)}
    after = Network(
        tuple(s for s in before.schools if s.name not in gone)
        + tuple(School(f"New school {i}") for i in range(25)),
        tuple(link for link in raised + kept if link.source not in gone and link.target not in gone)
        + tuple(added),
    )
    result = compare(before, after)
    pair = lambda link: tuple(sorted((link.source, link.target)))  # noqa: E731
    after_pairs = {pair(link) for link in after.links}
    assert result.joined == tuple(sorted(f"New school {i}" for i in range(25)))
    assert set(result.gone) == gone
    assert {c.pair for c in result.of(LOST)} == {pair(ln) for ln in links} - after_pairs
    assert {pair(ln) for ln in dropped} <= {c.pair for c in result.of(LOST)}
    assert {c.pair for c in result.of(NEW)} == {pair(ln) for ln in added}
    assert {c.pair for c in result.of(STRONGER)} == {
        pair(ln) for ln, r in zip(changed, raised, strict=True) if r.level > ln.level
    } & after_pairs
    assert not result.of(WEAKER) and not result.of(TRUST)
    assert result.unchanged_links == len([ln for ln in kept if pair(ln) in after_pairs]) + len(
        [
            ln
            for ln, r in zip(changed, raised, strict=True)
            if r.level == ln.level and pair(ln) in after_pairs
        ]
    )


# -- storage -----------------------------------------------------------------------------------
@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path}/snapshots.db")
    s.ensure_learner("learner-1", "code")
    yield s
    s.dispose()


def test_snapshots_save_and_read_back_through_the_store(store):
    made = snapshots.new_snapshot("Autumn 2026", AUTUMN, [], "2026-10-01T10:00:00+00:00")
    store.save("learner-1", snapshots.ACTIVITY, made.key, snapshots.to_value(made), expected_rev=0)
    back = snapshots.from_saved(store.load("learner-1", snapshots.ACTIVITY))
    assert back == [made] and back[0].network() == AUTUMN
    assert store.discard("learner-1", snapshots.ACTIVITY, made.key, 1)
    assert store.load("learner-1", snapshots.ACTIVITY) == {}


def test_a_thousand_school_snapshot_fits_and_one_past_the_quota_gets_a_clear_message(store):
    big = _big(1000, 5)
    made = snapshots.new_snapshot("Autumn 2026", big, [], "2026-10-01T10:00:00+00:00")
    size = snapshots.stored_bytes(made)
    assert size < store.quota.answer_bytes / (
        MAX_SNAPSHOTS + 1
    )  # twenty of them and the network fit
    store.save("learner-1", snapshots.ACTIVITY, made.key, snapshots.to_value(made), expected_rev=0)
    store.quota = Quota(answer_bytes=int(size * 1.5))
    second = snapshots.new_snapshot("Spring 2027", big, [made], "2027-03-01T10:00:00+00:00")
    with pytest.raises(QuotaError):
        store.save(
            "learner-1", snapshots.ACTIVITY, second.key, snapshots.to_value(second), expected_rev=0
        )
    message = snapshots.too_large(second, store.quota.answer_bytes)
    assert message.startswith("The snapshot “Spring 2027” (1,000 schools, about ")
    assert "would pass the course's limit of" in message and "Delete a snapshot" in message
    assert [s.name for s in snapshots.from_saved(store.load("learner-1", snapshots.ACTIVITY))] == [
        "Autumn 2026"
    ]


# -- the picture and the tables -----------------------------------------------------------------
def _svg_root(html: str) -> ET.Element:
    return ET.fromstring(html[html.index("<svg") : html.rindex("</svg>") + 6])


def _texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_the_picture_marks_each_change_in_words_and_lines_not_colour_alone():
    result = compare(AUTUMN, SPRING)
    root = _svg_root(comparison_svg(AUTUMN, SPRING, result, "Autumn 2026", "Spring 2027"))
    texts = _texts(root)
    for word in ("new", "lost", "+", "−", "joined", "gone"):
        assert word in texts, word
    legend = " ".join(texts)
    for words in (
        "= new link (solid line)",
        "grey dotted line marked “lost” = link no longer there",
        "= link strengthened (level went up)",
        "= link weakened (level went down)",
        "ring and “joined” = school joined",
        "hollow dashed outline and “gone” = school no longer there",
    ):
        assert words in legend, words
    lines = {line.get("class"): line for line in root.findall("svg:line", NS)}
    assert "stroke-dasharray" in lines["link link-lost"].attrib
    assert "stroke-dasharray" not in lines["link link-new"].attrib
    gone = root.find(".//svg:g[@class='node node-school node-gone']", NS)
    assert gone is not None and gone.find("svg:circle", NS).get("stroke-dasharray")
    joined = root.find(".//svg:g[@class='node node-school node-joined']", NS)
    assert joined.find("svg:circle[@class='mark']", NS) is not None
    assert root.find("svg:title", NS).text == "What changed from “Autumn 2026” to “Spring 2027”"
    assert root.find("svg:desc", NS).text == snapshots.summary(result)


def test_both_networks_share_one_layout_and_saved_positions_are_kept():
    placed = lambda n: Network(  # noqa: E731
        tuple(School(s.name, x=float(i), y=float(i % 2)) for i, s in enumerate(n.schools)),
        n.links,
    )
    before, after = placed(AUTUMN), placed(net("Oak Ash Elm Yew"))
    root = _svg_root(comparison_svg(before, after, compare(before, after), "A", "B"))
    xs = [
        float(c.get("cx"))
        for c in root.findall(".//svg:g[@class]/svg:circle", NS)
        if c.get("class") != "mark"
    ]
    assert xs == sorted(xs)  # x = 0, 1, 2, 3 left to right, as saved


def test_hostile_names_are_only_text_in_the_picture_and_tables():
    script = "<script>alert(1)</script>"
    before = net("Oak Ash", Link("Oak", "Ash", level=1))
    after = Network(
        before.schools + (School(script),), before.links + (Link("Oak", script, level=2),)
    )
    result = compare(before, after)
    html = comparison_svg(before, after, result, "<b>Autumn</b>", "Spring") + comparison_tables(
        result, "<b>Autumn</b>", "Spring"
    )
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;Autumn&lt;/b&gt;" in html
    _svg_root(html)  # still well-formed


def test_the_tables_list_every_change_and_the_measures_and_diagnosis():
    result = compare(AUTUMN, SPRING)
    rows = changes_rows(result)
    assert ["School joined", "Fir", "not in the network", "in the network"] in rows
    assert ["New link", "Elm — Fir", "no link", "level 2 Cooperation"] in rows
    assert ["Lost link", "Elm — Yew", "level 1 Networking", "no link"] in rows
    assert ["Trust changed", "Elm — Oak", "3 Good", "1 Low"] in rows
    assert len(rows) == 7
    html = comparison_tables(result, "Autumn", "Spring")
    assert "The measures, before and after" in html and "The diagnosis, before and after" in html
    assert "The health check is not answered" in html


def test_too_many_schools_get_a_sentence_not_a_drawing():
    big = _big(1001, 1)
    html = comparison_svg(big, big, compare(big, big), "A", "B")
    assert "One of the two networks has 1,001 schools — too many to draw" in html
    assert "<line" not in html
    drawn = _big(1000, 1)  # each network at the cap is drawn, the schools of both together
    later = Network(drawn.schools[10:] + tuple(School(f"New {i}") for i in range(10)), ())
    assert "<line" in comparison_svg(drawn, later, compare(drawn, later), "A", "B")


# -- the report and the tutor's card ---------------------------------------------------------------
def _record(*snaps: Snapshot, network: Network = SPRING) -> Record:
    return Record(
        {
            "network": {"current": network_to_value(network)},
            snapshots.ACTIVITY: {s.key: snapshots.to_value(s) for s in snaps},
        },
        {snapshots.ACTIVITY: "2027-03-01T10:00:00+00:00"} if snaps else {},
    )


def test_the_report_shows_the_latest_comparison_or_one_line():
    report = build_report(_record())
    assert "How my network changed" in report
    assert "No snapshot of the network has been saved yet (Lesson 05)." in report
    autumn = snap("Autumn 2026", "2026-10-01T00:00:00+00:00", AUTUMN)
    spring = snap("Spring <2027>", "2027-03-01T00:00:00+00:00", SPRING)
    report = build_report(_record(autumn, spring))
    assert "From “Autumn 2026” to “Spring &lt;2027&gt;”" in report
    assert '<th scope="row">New link</th><td>Elm — Fir</td>' in report
    assert "Spring <2027>" not in report


def test_the_latest_comparison_is_short():
    before = _big(50, 2)
    after = Network(before.schools, before.links[:10])
    html = latest_html(snapshots.Latest("A", "B", compare(before, after)))
    assert html.count("<tr>") == 1 + 9 + 1 + 5  # heads, 8 changes + "more", measures + diagnosis
    assert f"and {len(before.links) - 10 - 8:,} more changes" in html


def test_the_tutor_sees_the_latest_comparison_on_the_participant_card():
    member = Membership("learner-1", "cohort", "Ana", False, "2026-09-01T00:00:00+00:00")
    record = _record(snap("Autumn 2026", "2026-10-01T00:00:00+00:00", AUTUMN))
    view = participant_view(member, record.values, record.updated)
    assert view.latest_change.before == "Autumn 2026"
    assert view.latest_change.after == snapshots.CURRENT_LABEL
    card = participant_card_html(view)
    assert (
        "How the network changed" in card
        and "From “Autumn 2026” to “My network as it is now”" in card
    )
    empty = participant_view(member, _record().values)
    assert empty.latest_change is None
    assert "How the network changed" not in participant_card_html(empty)

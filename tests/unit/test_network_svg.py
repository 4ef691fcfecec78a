import re
import xml.etree.ElementTree as ET

import pytest

from widgets_lib.html import network_svg as module
from widgets_lib.html.network_svg import network_svg
from widgets_lib.network import KINDS, Link, Network, School
from widgets_lib.network_io import MAX_DRAWN

SVG = "{http://www.w3.org/2000/svg}"
NS = {"svg": SVG[1:-1]}
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def network(*names: str, links: tuple[Link, ...] = (), kind: str = "school") -> Network:
    return Network(schools=tuple(School(name, kind=kind) for name in names), links=links)


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def drawn_lines(root: ET.Element) -> list[ET.Element]:
    """The network's lines (direct children), not the legend's samples."""
    return root.findall("svg:line", NS)


def test_picture_has_title_and_desc_named_by_aria():
    net = network("Oak", "Ash", "Elm", links=(Link("Oak", "Ash", level=3), Link("Ash", "Elm")))
    root = parse(network_svg(net, title="The Oak cluster"))
    assert root.get("role") == "img" and root.get("width") == "100%"
    assert root.get("style") == "max-width:720px" and root.get("viewBox") == "0 0 720 480"
    title_id, desc_id = root.get("aria-labelledby").split()
    title, desc = root.find("svg:title", NS), root.find("svg:desc", NS)
    assert (title.get("id"), title.text) == (title_id, "The Oak cluster")
    assert desc.get("id") == desc_id
    assert desc.text == "3 schools and partners and 2 links."


def test_hostile_names_are_only_text():
    script, breakout = "<script>alert(1)</script>", '"><svg onload=alert(1)>'
    net = network(script, breakout, "Oak & Ash", links=(Link(script, breakout, level=2),))
    svg = network_svg(
        net,
        marks={breakout: "<b>leads</b>"},
        title='<img src=x onerror="x()">',
        mark_meaning="<i>lead</i>",
    )
    root = parse(svg)
    assert (
        "<script" not in svg and "<svg onload" not in svg and "<img" not in svg and "<b>" not in svg
    )
    for element in root.iter():
        assert element.tag.rsplit("}", 1)[-1] not in ("script", "img", "b", "i", "foreignObject")
        assert not any(name.lower().startswith("on") for name in element.attrib)
    assert sum(1 for element in root.iter() if element.tag == f"{SVG}svg") == 1
    tooltips = [t.text for t in root.iter(f"{SVG}title")]
    assert f"{script} (School)" in tooltips and f"{breakout} (School): <b>leads</b>" in tooltips
    assert "Oak & Ash" in texts(root) and "&amp;" in svg
    assert "ring = <i>lead</i>" in texts(root)


def test_bidi_controls_are_removed():
    names = ("Oak \u202eyramirP", "\u2066Ash\u2069 High", "\u202aElm\u202c \u202dEnd\u202b")
    net = network(*names, links=(Link(names[0], names[1], level=1),))
    svg = network_svg(
        net, marks={names[2]: "\u202eleads 2"}, title="\u202eTitle", mark_meaning="\u2067lead"
    )
    assert not BIDI.search(svg)
    labels = texts(parse(svg))
    assert {"Oak yramirP", "Ash High", "Elm End", "leads 2"} <= set(labels)


def test_control_characters_cannot_break_the_xml():
    parse(network_svg(network("Oak\x01\x1f Primary", "Ash\ufffe")))


def test_long_names_are_shortened_with_the_full_name_in_the_tooltip():
    long = "The Very Long Name Of A Federation Of Village Schools"
    root = parse(network_svg(network(long)))
    label = next(t for t in texts(root) if t.startswith("The Very"))
    assert label.endswith("…") and len(label) <= 24
    assert f"{long} (School)" in [t.text for t in root.iter(f"{SVG}title")]


def test_same_input_gives_the_same_picture():
    def build() -> Network:
        return network(
            "Oak",
            "Ash",
            "Elm",
            "Yew",
            links=(Link("Oak", "Ash", level=3, directed=True), Link("Elm", "Ash", level=None)),
        )

    assert network_svg(build(), marks={"Oak": "leads 2"}) == network_svg(
        build(), marks={"Oak": "leads 2"}
    )


def test_different_pictures_get_different_ids():
    first = parse(network_svg(network("Oak", "Ash")))
    second = parse(network_svg(network("Oak", "Elm")))
    retitled = parse(network_svg(network("Oak", "Ash"), title="Another"))
    ids = [set(root.get("aria-labelledby").split()) for root in (first, second, retitled)]
    assert not ids[0] & ids[1] and not ids[0] & ids[2] and not ids[1] & ids[2]


def test_marks_show_a_ring_and_their_text():
    net = network("Oak", "Ash", "Elm", links=(Link("Oak", "Ash", level=4),))
    root = parse(
        network_svg(
            net, marks={"Oak": "leads 3", "Nobody": "leads 9"}, mark_meaning="leads a group"
        )
    )
    rings = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "mark"]
    assert len(rings) == 1 and rings[0].get("fill") == "none"
    oak = next(
        g
        for g in root.iter(f"{SVG}g")
        if g.find("svg:title", NS) is not None and g.find("svg:title", NS).text.startswith("Oak ")
    )
    assert oak.find("svg:circle[@class='mark']", NS) is not None
    labels = texts(root)
    assert "leads 3" in labels and "leads 9" not in labels and "ring = leads a group" in labels
    assert (
        root.find("svg:desc", NS).text
        == "3 schools and partners and 1 link; 1 is marked (leads a group)."
    )


def test_unknown_mark_names_are_ignored():
    root = parse(network_svg(network("Oak", "Ash"), marks={"Nobody": "leads 1"}))
    assert not [c for c in root.iter(f"{SVG}circle") if c.get("class") == "mark"]
    assert not any(t.startswith("ring =") or t == "leads 1" for t in texts(root))
    assert "marked" not in root.find("svg:desc", NS).text


def test_empty_network_says_so():
    root = parse(network_svg(Network()))
    assert texts(root) == ["No schools yet."]
    assert root.find("svg:title", NS).text == "Your network"


def test_too_large_network_is_not_laid_out(monkeypatch):
    def no_layout(*args: object) -> None:
        raise AssertionError("no layout above MAX_DRAWN")

    monkeypatch.setattr(module, "_layout", no_layout)
    count = MAX_DRAWN + 1
    root = parse(network_svg(network(*(f"School {i}" for i in range(count)))))
    assert texts(root) == [f"This network has {count:,} schools — too many to draw; see the table."]


def test_directed_link_gets_an_arrowhead_and_undirected_does_not():
    root = parse(
        network_svg(
            network(
                "Oak",
                "Ash",
                "Elm",
                links=(Link("Oak", "Ash", level=2, directed=True), Link("Ash", "Elm", level=2)),
            )
        )
    )
    markers = {m.get("id") for m in root.iter(f"{SVG}marker")}
    assert len(markers) == 1
    ends = [line.get("marker-end") for line in drawn_lines(root)]
    assert sorted(ends, key=str) == [None, f"url(#{markers.pop()})"]
    assert "arrow = one-way link" in texts(root)
    plain = parse(network_svg(network("Oak", "Ash", links=(Link("Oak", "Ash", level=2),))))
    assert not list(plain.iter(f"{SVG}marker"))


def test_links_both_ways_are_one_line_with_two_arrowheads():
    root = parse(
        network_svg(
            network(
                "Oak",
                "Ash",
                links=(
                    Link("Oak", "Ash", level=1, directed=True),
                    Link("Ash", "Oak", level=4, directed=True),
                ),
            )
        )
    )
    (line,) = drawn_lines(root)
    assert line.get("marker-start") and line.get("marker-end")
    assert line.get("stroke-width") == "5.8"


def test_self_links_are_skipped_and_duplicates_drawn_once_at_the_thickest():
    links = (
        Link("Oak", "Oak", level=5),
        Link("Oak", "Ash", level=1),
        Link("Ash", "Oak", level=3),
        Link("Oak", "Elm"),
    )
    root = parse(network_svg(network("Oak", "Ash", "Elm", links=links)))
    widths = sorted(
        (float(line.get("stroke-width")), line.get("stroke-dasharray"))
        for line in drawn_lines(root)
    )
    assert widths == [(1.0, "5 4"), (4.6, None)]
    assert "dashed = level not given" in texts(root)


def test_thicker_lines_for_closer_levels():
    names = [f"S{i}" for i in range(7)]
    links = tuple(Link(names[i], names[i + 1], level=i) for i in range(6))
    widths = [
        float(line.get("stroke-width"))
        for line in drawn_lines(parse(network_svg(network(*names, links=links))))
    ]
    assert widths == sorted(widths) and len(set(widths)) == 6


def shape_of(node: ET.Element) -> tuple[str, int]:
    shape = next(
        child for child in node if child.tag != f"{SVG}title" and child.get("class") != "mark"
    )
    points = len(shape.get("points", "").split())
    return shape.tag.rsplit("}", 1)[-1], points


def test_each_kind_has_its_own_shape():
    net = Network(schools=tuple(School(f"A {kind}", kind=kind) for kind in KINDS))
    root = parse(network_svg(net))
    nodes = {
        g.get("class").split()[1]: g
        for g in root.iter(f"{SVG}g")
        if "node" in g.get("class", "").split()
    }
    shapes = {kind.removeprefix("node-"): shape_of(node) for kind, node in nodes.items()}
    assert shapes == {
        "school": ("circle", 0),
        "lea": ("rect", 0),
        "university": ("polygon", 3),
        "community": ("polygon", 4),
        "other": ("polygon", 10),
    }
    labels = texts(root)
    for words in ("School", "Local authority", "University", "Community group", "Other partner"):
        assert words in labels


def test_unknown_kind_is_drawn_as_other():
    root = parse(network_svg(network("Oak", kind="charity")))
    (node,) = [g for g in root.iter(f"{SVG}g") if "node" in g.get("class", "").split()]
    assert "node-other" in node.get("class") and shape_of(node) == ("polygon", 10)
    assert node.find("svg:title", NS).text == "Oak (charity)"


@pytest.mark.parametrize("count", [1, 2, 9, 60])
def test_nodes_stay_inside_the_picture(count):
    names = [f"Holy Trinity Church of England School {i}" for i in range(count)]
    links = tuple(
        Link(names[i], names[(i * 7 + 1) % count], level=i % 6) for i in range(count) if count > 1
    )
    root = parse(network_svg(network(*names, links=links), width=400, height=300))
    legend_top = float(root.find("svg:g[@class='legend']/svg:rect", NS).get("y"))
    for circle in root.findall("svg:g/svg:circle", NS):
        cx, cy, r = (float(circle.get(a)) for a in ("cx", "cy", "r"))
        assert r <= cx <= 400 - r and r <= cy <= legend_top - r
    for text in root.findall("svg:text", NS):
        assert 0 <= float(text.get("x")) <= 400 and 0 <= float(text.get("y")) <= legend_top

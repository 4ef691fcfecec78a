"""Places on the drawing travel with the network (issue 17): optional ``x`` and ``y`` columns in
every file the course reads and writes, one clear message for a bad one, none lost on a round trip."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from openpyxl import load_workbook

from widgets_lib.cohorts import participant_view
from widgets_lib.examples import list_examples, load_example
from widgets_lib.html import network_svg as network_svg_module
from widgets_lib.html.cohort_report import participant_card_html
from widgets_lib.html.drawing import network_page, pyvis_network
from widgets_lib.html.network_svg import network_svg
from widgets_lib.html.report import build_report
from widgets_lib.layout import moved, placed
from widgets_lib.network import Link, Network, School
from widgets_lib.network_io import (
    NetworkError,
    read_any,
    read_json,
    read_network,
    read_workbook,
    to_csv,
    to_gexf,
    to_graphml,
    to_json,
    to_workbook,
)
from widgets_lib.record import (
    NETWORK_ACTIVITY,
    NETWORK_KEY,
    load_network,
    load_record,
    network_to_value,
)
from widgets_lib.store import Membership

LINKS = b"from,to,level\nOak Primary,Ash High,3\n"


def positioned() -> Network:
    return Network(
        (
            School("Oak Primary", x=-120.5, y=40.0),
            School("Ash High", kind="university", x=0.0, y=-3.2),
            School("Elm Academy"),  # not placed yet: written with empty cells
        ),
        (Link("Oak Primary", "Ash High", level=3),),
        title="Oak cluster",
    )


def read_back_csv(network: Network) -> Network:
    schools, links = to_csv(network)
    return replace(read_network(schools, links), title=network.title)  # CSV has no title


@pytest.mark.parametrize(
    "round_trip",
    [
        read_back_csv,
        lambda network: read_workbook(to_workbook(network), "network.xlsx"),
        lambda network: read_json(to_json(network), "network.json"),
        lambda network: read_json(to_json(network), "network.json", check_lengths=True),
    ],
    ids=["csv", "workbook", "json", "json-upload"],
)
def test_positions_come_back_from_every_format(round_trip):
    network = positioned()
    assert round_trip(network) == network
    laid = placed(network)
    assert round_trip(laid) == laid


def test_a_network_without_positions_is_written_without_the_columns():
    schools, _ = to_csv(Network((School("Oak Primary"),)))
    assert schools.decode("utf-8-sig").splitlines()[0] == "name,kind,phase,locality"
    assert "x" not in json.loads(to_json(Network((School("Oak Primary"),))))["schools"][0]


def test_positions_are_written_as_plain_numbers():
    schools, _ = to_csv(positioned())
    lines = schools.decode("utf-8-sig").splitlines()
    assert lines[0] == "name,kind,phase,locality,x,y"
    assert lines[1] == "Oak Primary,school,,,-120.5,40.0"  # a number, never quoted as a formula
    assert lines[3] == "Elm Academy,school,,,,"
    document = json.loads(to_json(positioned()))
    assert document["columns"]["schools"][4:6] == ["x", "y"]
    assert document["schools"][0]["x"] == -120.5 and document["schools"][2]["y"] is None
    sheet = load_workbook(io.BytesIO(to_workbook(positioned())))["schools"]
    assert [cell.value for cell in sheet[2]][4:6] == [-120.5, 40.0]


def test_capitalised_headings_and_decimal_commas_are_read():
    schools = b"Name;X;Y\nOak Primary;12,5;-3\nAsh High;;\n"
    network = read_network(schools, b"from;to\nOak Primary;Ash High\n")
    assert network.school("Oak Primary") == School("Oak Primary", x=12.5, y=-3.0)
    assert network.school("Ash High").x is None


@pytest.mark.parametrize(
    "cells, column, words",
    [
        ("abc,5", "x", '"abc" is not a position'),
        ("5,1e9", "y", '"1e9" is not a position'),
        ("nan,5", "x", '"nan" is not a position'),
        ("5,inf", "y", '"inf" is not a position'),
        ("5,", "y", "is empty but x is not"),
        (",5", "x", "is empty but y is not"),
    ],
)
def test_a_bad_position_gets_one_message_naming_the_row_and_column(cells, column, words):
    schools = f"name,x,y\nOak Primary,1,2\nAsh High,{cells}\n".encode()
    with pytest.raises(NetworkError) as raised:
        read_network(schools, LINKS)
    error = raised.value
    assert (error.file, error.row, error.column) == ("schools.csv", 3, column)
    assert str(error).startswith(f'schools.csv, row 3, column "{column}": ')
    assert words in str(error)


def test_a_bad_position_in_a_workbook_names_the_sheet():
    book = to_workbook(positioned())
    opened = load_workbook(io.BytesIO(book))
    opened["schools"]["E3"] = "far left"
    out = io.BytesIO()
    opened.save(out)
    with pytest.raises(NetworkError, match='sheet "schools", row 3, column "x"'):
        read_workbook(out.getvalue(), "network.xlsx")


def test_a_saved_network_with_a_position_it_cannot_read_still_opens():
    document = json.loads(to_json(positioned()))
    document["schools"][0]["x"] = "garbled"
    document["schools"][1]["y"] = None
    network = read_json(json.dumps(document).encode(), "saved.json")
    assert network.names == positioned().names
    assert network.school("Oak Primary").x is None and network.school("Ash High").x is None
    with pytest.raises(NetworkError, match='"schools" item 1, field "x"'):
        read_any({"network.json": json.dumps(document).encode()})


def test_gephi_files_carry_the_positions():
    root = ET.fromstring(to_gexf(positioned()))
    viz = "{http://www.gexf.net/1.2draft/viz}position"
    positions = {
        node.get("label"): node.find(viz)
        for node in root.iter()
        if node.tag.endswith("}node") and node.get("label")
    }
    oak = positions["Oak Primary"]
    assert (float(oak.get("x")), float(oak.get("y"))) == (-120.5, -40.0)  # GEXF's y runs up
    assert positions["Elm Academy"] is None
    graphml = to_graphml(positioned()).decode()
    assert 'attr.name="x"' in graphml and "-120.5" in graphml and "viz" not in graphml


# -- the same places everywhere the network is shown ------------------------------------------
SVG = "{http://www.w3.org/2000/svg}"


def test_the_store_keeps_the_places(store):
    network = placed(positioned())
    store.ensure_learner("alice", "code")
    store.save("alice", NETWORK_ACTIVITY, NETWORK_KEY, network_to_value(network))
    assert load_network(store, "alice") == network


def test_the_drawing_shows_the_saved_places_without_physics():
    network = placed(positioned())
    drawn = pyvis_network(network)
    assert [(node["x"], node["y"]) for node in drawn.nodes] == [(s.x, s.y) for s in network.schools]
    assert drawn.options["physics"] == {"enabled": False}
    assert '\\"enabled\\": false' in network_page(network)


def test_the_drawing_lays_out_a_network_without_places_as_before():
    network = positioned()  # Elm Academy has no place yet
    drawn = pyvis_network(network)
    assert all("x" not in node for node in drawn.nodes)
    assert drawn.options["physics"]["solver"] == "forceAtlas2Based"


def _marks(svg: str) -> dict[str, tuple[float, float]]:
    """Each school's mark in a static picture: its name (from the tooltip) → centre."""
    found = {}
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        if "node" not in (group.get("class") or "").split():
            continue
        name = group.find(f"{SVG}title").text.split(" (")[0]
        shape = next(child for child in group if child.tag != f"{SVG}title")
        if shape.tag == f"{SVG}circle":
            found[name] = (float(shape.get("cx")), float(shape.get("cy")))
        elif shape.tag == f"{SVG}rect":
            x, y = float(shape.get("x")), float(shape.get("y"))
            side = float(shape.get("width"))
            found[name] = (x + side / 2, y + side / 2)
        else:  # a polygon: the middle of its corners' extent
            corners = [tuple(map(float, p.split(","))) for p in shape.get("points").split()]
            xs, ys = [c[0] for c in corners], [c[1] for c in corners]
            found[name] = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
    return found


def test_the_static_pictures_show_the_saved_places():
    network = Network(
        (
            School("West", x=-300.0, y=0.0),
            School("East", x=300.0, y=0.0),
            School("North", x=0.0, y=-200.0),
            School("South", x=0.0, y=200.0),
        ),
        (Link("West", "East"),),
    )
    marks = _marks(network_svg(network))
    assert marks["West"][0] < marks["North"][0] < marks["East"][0]
    assert marks["North"][1] < marks["West"][1] < marks["South"][1]
    assert marks["North"][0] == pytest.approx(marks["South"][0], abs=0.2)
    assert marks["West"][1] == pytest.approx(marks["East"][1], abs=0.2)
    # Same shape at any scale: the picture scales the learner's layout, never redraws it.
    assert (marks["East"][0] - marks["West"][0]) / (marks["South"][1] - marks["North"][1]) == (
        pytest.approx(600 / 400, rel=0.01)
    )
    swapped = moved(moved(network, "West", 300, 0), "East", -300, 0)
    again = _marks(network_svg(swapped))
    assert again["West"] == pytest.approx(marks["East"], abs=0.2)


def _label_boxes(svg: str) -> list[tuple[float, float, float, float]]:
    """The names under the marks (drawn with a white halo), as network_svg estimates their size."""
    boxes = []
    for text in ET.fromstring(svg).iter(f"{SVG}text"):
        if text.get("stroke") != "#ffffff":
            continue
        x, y, size = float(text.get("x")), float(text.get("y")), float(text.get("font-size"))
        half = network_svg_module._text_width(text.text, size) / 2
        boxes.append((x - half, y - size, x + half, y + size * 0.25))
    return boxes


@pytest.mark.parametrize("example_id", [eid for eid, _ in list_examples()])
def test_names_do_not_overlap_in_the_static_picture_of_an_example(example_id):
    network, _ = load_example(example_id)
    boxes = _label_boxes(network_svg(placed(network)))
    assert len(boxes) == len(network.schools)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)


def test_the_report_and_the_tutors_card_draw_the_layout_saved_in_the_store(store):
    network = moved(placed(positioned()), "Elm Academy", 900, 900)  # a drag, saved
    store.ensure_learner("alice", "code")
    store.save("alice", NETWORK_ACTIVITY, NETWORK_KEY, network_to_value(network))
    record = load_record(store, "alice")
    report = build_report(record)
    assert network_svg(network, title="My network", framed=True) in report
    member = Membership("alice", "cohort", "Alice", False, "2026-09-01T00:00:00+00:00")
    card = participant_card_html(participant_view(member, record.values, record.updated))
    picture = card[card.index("<svg") : card.index("</svg>") + len("</svg>")]
    marks = _marks(picture)
    assert marks["Elm Academy"][0] > marks["Ash High"][0] > marks["Oak Primary"][0]
    assert marks["Elm Academy"][1] > marks["Oak Primary"][1] > marks["Ash High"][1]

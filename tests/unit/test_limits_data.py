"""Length limits on every free text a learner can send (issue 15), checked by the models, and the
workbook checks made before openpyxl opens a file."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from widgets_lib import CourseError, challenges, cohorts, network_io, plan, reflections
from widgets_lib.cohort_network import without_names
from widgets_lib.network import (
    MAX_COLUMN_NAME,
    MAX_EXTRA_COLUMNS,
    MAX_EXTRA_VALUE,
    MAX_FIELD,
    MAX_NAME,
    EditError,
    Link,
    Network,
    School,
    check_link,
    check_school,
    check_school_name,
)
from widgets_lib.network_io import (
    MAX_NETWORK_CHARS,
    NetworkError,
    read_any,
    read_json,
    read_network,
    to_json,
    to_workbook,
)

LINKS = b"from,to\n"


def fails(schools: bytes, links: bytes = LINKS) -> str:
    with pytest.raises(NetworkError) as caught:
        read_network(schools, links)
    return str(caught.value)


# -- the forms' model ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("school", "words"),
    [
        (School("Oak", phase="p" * (MAX_FIELD + 1)), "Phase is 201 characters long"),
        (School("Oak", locality="l" * 10_000_000), "Locality is 10,000,000 characters long"),
        (School("Oak", extra=(("notes", "n" * 1001),)), "column “notes” is 1,001 characters"),
        (School("Oak", extra=(("h" * 61, "x"),)), "heading “hhhh"),
    ],
)
def test_a_school_with_a_text_too_long_is_refused_naming_the_field(school, words):
    with pytest.raises(EditError) as caught:
        check_school(school)
    assert words in str(caught.value) and "the course keeps at most" in str(caught.value)


def test_texts_at_the_limits_are_kept():
    school = School(
        "n" * MAX_NAME,
        phase="p" * MAX_FIELD,
        locality="l" * MAX_FIELD,
        extra=tuple((f"c{i}", "v" * MAX_EXTRA_VALUE) for i in range(MAX_EXTRA_COLUMNS)),
    )
    assert check_school(school) is school
    assert check_school_name(Network(), "n" * MAX_NAME) == "n" * MAX_NAME


def test_a_long_name_is_refused_with_its_length():
    with pytest.raises(
        EditError, match="name is 201 characters long; the course keeps at most 200"
    ):
        check_school_name(Network(), "n" * 201)


def test_a_link_with_too_long_an_extra_value_or_unknown_long_end_is_refused():
    network = Network(schools=(School("A"), School("B")))
    with pytest.raises(EditError, match="1,001 characters"):
        check_link(network, Link("A", "B", extra=(("notes", "n" * 1001),)))
    with pytest.raises(EditError) as caught:
        check_link(network, Link("A", "x" * 1_000_000))
    assert len(str(caught.value)) < 300


# -- files ---------------------------------------------------------------------------------------
def test_a_csv_cell_too_long_is_named_by_file_row_and_column():
    message = fails(b"name,phase\nOak," + b"p" * 5000 + b"\n")
    assert message == (
        'schools.csv, row 2, column "phase": the phase is 5,000 characters long; '
        "the course keeps at most 200."
    )
    message = fails(b"name,notes\nOak,ok\nAsh," + b"n" * 2000 + b"\n")
    assert message.startswith('schools.csv, row 3, column "notes": the value is 2,000 characters')


def test_too_many_extra_columns_or_a_long_heading_is_refused():
    headings = ",".join(f"c{i}" for i in range(MAX_EXTRA_COLUMNS + 1))
    assert "has 31 columns besides the course's own" in fails(f"name,{headings}\nOak\n".encode())
    long = "h" * (MAX_COLUMN_NAME + 1)
    assert "the heading is 61 characters long" in fails(f"name,{long}\nOak,x\n".encode())


def test_a_links_file_names_the_link_cell_too_long():
    with pytest.raises(NetworkError) as caught:
        read_network(b"name\nOak\n", b"from,to\nOak," + b"x" * 300 + b"\n")
    assert str(caught.value).startswith('links.csv, row 2, column "to": the name is 300 characters')


def test_json_uploads_are_checked_and_saved_networks_still_open():
    document = json.dumps({"schools": [{"name": "Oak", "locality": "l" * 300}]}).encode()
    with pytest.raises(NetworkError, match='network.json, "schools" item 1, field "locality"'):
        read_any({"network.json": document})
    assert read_json(document, "your saved network").schools[0].locality == "l" * 300


def test_a_title_too_long_is_refused():
    network = Network(schools=(School("Oak"),), title="t" * 300)
    with pytest.raises(NetworkError, match="the title is 300 characters long"):
        read_any({"network.json": to_json(network)})


def test_a_network_that_would_be_too_big_to_keep_is_refused():
    """Thirty long headings repeated in every one of 20,000 rows: a 1 MB file, a 60 MB network."""
    headings = [f"{i:02d}" + "h" * (MAX_COLUMN_NAME - 2) for i in range(MAX_EXTRA_COLUMNS)]
    rows = "".join(f"School {i}\n" for i in range(20_000))
    message = fails(("name," + ",".join(headings) + "\n" + rows).encode())
    assert message.startswith("schools.csv would make a network of about")
    assert f"at most {MAX_NETWORK_CHARS / 1e6:.0f} MB" in message


# -- workbooks: looked at before openpyxl opens them -----------------------------------------------
def repacked(data: bytes, name: str, content: bytes, level: int = 9) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr(name, content, zipfile.ZIP_DEFLATED, compresslevel=level)
    return out.getvalue()


def workbook() -> bytes:
    return to_workbook(Network(schools=(School("Oak"), School("Ash")), links=(Link("Oak", "Ash"),)))


def test_a_workbook_part_that_inflates_too_far_is_refused_naming_the_file():
    data = repacked(workbook(), "xl/padding.xml", b"A" * 5_000_000)
    with pytest.raises(NetworkError) as caught:
        read_any({"big.xlsx": data})
    assert str(caught.value).startswith("big.xlsx has a part (xl/padding.xml) that would unpack")


def test_a_workbook_that_unpacks_to_too_much_is_refused(monkeypatch):
    """The limits made small, so a few parts of ordinary (incompressible) data pass them."""
    monkeypatch.setattr(network_io, "MAX_UNPACKED_BYTES", 500_000)
    data = repacked(workbook(), "xl/media/image1.bin", bytes(range(256)) * 2000, level=0)
    with pytest.raises(NetworkError, match=r"^huge\.xlsx would unpack to [\d,]+ bytes"):
        read_any({"huge.xlsx": data})


def test_shared_strings_too_big_are_refused_and_a_normal_workbook_opens(monkeypatch):
    monkeypatch.setattr(network_io, "MAX_SHARED_STRINGS_BYTES", 100_000)
    data = repacked(workbook(), "xl/sharedStrings.xml", bytes(range(256)) * 1000, level=0)
    with pytest.raises(NetworkError, match="^texts.xlsx has texts that unpack to 256,000 bytes"):
        read_any({"texts.xlsx": data})
    assert read_any({"fine.xlsx": workbook()}).names == ["Oak", "Ash"]


# -- the other free texts: checked in Python, not only by a box's maxlength -------------------------
@pytest.mark.parametrize(
    "check",
    [
        lambda: reflections.check_text("r01a", "x" * (reflections.MAX_CHARS + 1)),
        lambda: challenges.check_note("distance", "x" * (challenges.MAX_NOTE + 1)),
        lambda: plan.check_action("x" * (plan.MAX_WHAT + 1), "Me", "2030-01-01", "culture"),
        lambda: plan.draft_value("ok", "x" * (plan.MAX_WHO + 1), None, None, None),
        lambda: cohorts.check_name("Name", "x" * (cohorts.MAX_DISPLAY_NAME + 1), 80),
    ],
)
def test_every_other_free_text_has_its_limit_in_the_model(check):
    with pytest.raises(CourseError):
        check()


# -- erasure: the learner's names out of the merges --------------------------------------------------
def test_without_names_joins_chains_up_and_drops_lone_merges():
    manual = {"a": "G", "b": "G", "G": "c", "d": "e", "g2": "f"}
    assert without_names(manual, {"g"}) == {"a": "c", "b": "c", "d": "e", "g2": "f"}
    assert without_names({"a": "G", "b": "G"}, {"g"}) == {"b": "a"}
    assert without_names({"a": "G"}, {"g"}) == {}
    assert without_names({"G": "a"}, {"g"}) == {}
    assert without_names({"a": "G", "G": "H", "H": "c"}, {"g", "h"}) == {"a": "c"}
    assert without_names(manual, set()) == manual

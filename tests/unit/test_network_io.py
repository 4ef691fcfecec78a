"""Network files: reading what real users' tools write, clear errors, safe exports, round trips."""

from __future__ import annotations

import io
import json
import time
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from widgets_lib.network import Link, Network, School, kept_reports, report_words
from widgets_lib.network_io import (
    MAX_DRAWN,
    MAX_FILE_BYTES,
    MAX_LINKS,
    MAX_SCHOOLS,
    REPORT_COLUMNS,
    NetworkError,
    parse_network,
    read_any,
    read_csv_text,
    read_json,
    read_network,
    read_workbook,
    to_csv,
    to_gexf,
    to_graphml,
    to_json,
    to_workbook,
)

FILES = Path(__file__).parent / "network_files"
SCHOOLS = (
    b"name,kind,phase,locality\nOak Primary,school,primary,Leeds\nAsh High,school,secondary,Leeds\n"
)
SCHOOLS_3 = SCHOOLS + b"Elm Academy,school,secondary,York\n"


def fails(schools: bytes = SCHOOLS_3, links: bytes = b"from,to\n") -> NetworkError:
    with pytest.raises(NetworkError) as caught:
        read_network(schools, links)
    return caught.value


def assert_one_plain_sentence(err: NetworkError) -> None:
    text = str(err)
    assert "\n" not in text and "Traceback" not in text and "Error" not in text
    assert text.endswith((".", "?")) and text.count(". ") == 0, text


def workbook(sheets: dict[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rich_network() -> Network:
    """Every awkward thing at once: unicode, markup, delimiters, quotes, line breaks, formulas."""
    schools = (
        School(
            "École Saint-Éloi – Llŷr",
            kind="school",
            phase="primary",
            locality="Lille",
            extra=(("Head teacher", "Mme Dupont"), ("notes", 'said "yes", then; maybe')),
        ),
        School(
            "<img src=x onerror=alert(1)>",
            kind="community",
            locality="line one\nline two",
            extra=(("notes", '=HYPERLINK("http://evil","click")'),),
        ),
        School("=cmd|' /C calc'!A0", kind="lea", phase="-", extra=(("Head teacher", "@SUM(1+1)"),)),
        School(
            "+44 113 000",
            kind="university",
            locality="\tTabbed",
            extra=(("notes", "'=already quoted"),),
        ),
        School('O\'Brien, "Saints"; Academy', kind="other", phase="'plain quote"),
        School("Ysgol Gymraeg 学校 🏫", locality="crlf\r\ninside"),
    )
    names = [s.name for s in schools]
    links = (
        Link(
            names[0],
            names[1],
            level=0,
            origin="shared_problem",
            flows=("joint_practice", "staff"),
            directed=False,
            trust=4,
            extra=(("since", "2019"),),
        ),
        Link(
            names[1],
            names[2],
            level=5,
            origin="mandate",
            directed=True,
            extra=(("comment", "-3 points"),),
        ),
        Link(names[2], names[1], level=None, origin=None, directed=True, trust=1),
        Link(names[3], names[4], flows=("pupils", "information", "resources")),
        Link(names[4], names[5], level=2, origin="prior_partnership"),
    )
    return Network(
        schools=schools,
        links=links,
        extra_school_columns=("Head teacher", "notes"),
        extra_link_columns=("since", "comment"),
    )


# -- reading what users' tools write ------------------------------------------------------------
def test_a_plain_network_reads_with_defaults():
    network = read_network(b"name\nOak Primary\nAsh High\n", b"from,to\nOak Primary,Ash High\n")
    assert network.schools == (School("Oak Primary"), School("Ash High"))
    assert network.links == (Link("Oak Primary", "Ash High"),)
    assert network.extra_school_columns == () and network.extra_link_columns == ()
    assert (MAX_FILE_BYTES, MAX_SCHOOLS, MAX_LINKS, MAX_DRAWN) == (
        20_000_000,
        20_000,
        100_000,
        1000,
    )


def test_every_link_column_is_read():
    links = (
        b"from,to,level,origin,flows,directed,trust\n"
        b"Oak Primary,Ash High,3,Prior-Partnership,information; Staff|information,Y,4\n"
        b"Ash High,Elm Academy,,,,,\n"
    )
    network = read_network(SCHOOLS_3, links)
    assert network.links == (
        Link(
            "Oak Primary",
            "Ash High",
            level=3,
            origin="prior_partnership",
            flows=("information", "staff"),
            directed=True,
            trust=4,
        ),
        Link("Ash High", "Elm Academy"),
    )


def test_windows_1252_file_decodes_correctly():
    raw = (FILES / "schools_windows1252.csv").read_bytes()
    assert "–".encode("cp1252") in raw  # the en dash really is one cp1252 byte, not UTF-8
    network = read_network(
        raw,
        (FILES / "links_windows1252.csv").read_bytes(),
        "schools_windows1252.csv",
        "links_windows1252.csv",
    )
    assert network.names == ["École Saint-Éloi", "Ash High"]
    assert network.schools[0].locality == "Lille – Sud"
    assert network.links == (Link("École Saint-Éloi", "Ash High", level=2),)


def test_semicolon_excel_export_with_bom_blank_rows_and_labels():
    network = read_network(
        (FILES / "schools_excel_semicolon.csv").read_bytes(),
        (FILES / "links_excel_semicolon.csv").read_bytes(),
    )
    assert network.names == ["Oak Primary", "Ash High", "Leeds City Council"]
    assert [s.kind for s in network.schools] == ["school", "school", "lea"]
    assert network.extra_school_columns == ("Head teacher",)
    assert network.schools[0].extra == (("Head teacher", "Ms Adé"),)
    assert network.schools[1].extra == ()  # empty extra cells are not kept
    assert network.links == (
        Link(
            "Oak Primary",
            "Ash High",
            level=3,
            origin="shared_problem",
            flows=("information", "joint_practice"),
            trust=3,
        ),
        Link(
            "Leeds City Council",
            "Oak Primary",
            level=1,
            origin="mandate",
            flows=("information",),
            directed=True,
        ),
    )


def test_kumu_labels_blank_lines_and_extra_columns_are_kept_in_order():
    network = read_network(
        (FILES / "schools_kumu.csv").read_bytes(), (FILES / "links_kumu.csv").read_bytes()
    )
    assert network.names == ["Oak Primary", "Ash High"]
    assert network.extra_school_columns == ("Type", "Description")
    assert network.schools[1].extra == (("Type", "School"), ("Description", "Large, urban"))
    assert network.extra_link_columns == ("Type",)
    assert network.links[0].extra == (("Type", "partnership"),)


def test_rows_keep_their_spreadsheet_row_numbers_and_headings_are_normalised():
    rows = read_csv_text(b"\n Name ,NOTES\n\n,,\nOak, a \n\t\nAsh,b\n", "s.csv")
    assert rows == [{"name": "Oak", "NOTES": "a"}, {"name": "Ash", "NOTES": "b"}]
    assert [row.row for row in rows] == [5, 7]
    assert rows.columns == ("name", "NOTES")


def test_tab_delimited_utf16_and_sep_line_are_understood():
    utf16 = "name\tkind\r\nÉcole\tschool\r\n".encode("utf-16")  # Excel's "Unicode text"
    assert read_csv_text(utf16, "s.txt") == [{"name": "École", "kind": "school"}]
    sep = b"sep=;\r\nname;kind\r\nOak, the school;lea\r\n"
    rows = read_csv_text(sep, "s.csv")
    assert rows == [{"name": "Oak, the school", "kind": "lea"}] and rows[0].row == 2


def test_trailing_empty_cells_and_short_rows_are_fine():
    rows = read_csv_text(b"name,kind,phase\nOak,school,,,\nAsh\n", "s.csv")
    assert rows == [
        {"name": "Oak", "kind": "school", "phase": ""},
        {"name": "Ash", "kind": "", "phase": ""},
    ]


def test_names_and_links_match_whatever_the_capitals_and_spaces():
    network = read_network(SCHOOLS, b"from,to\noak   PRIMARY,ash high\n")
    assert network.links == (Link("Oak Primary", "Ash High"),)


def test_markup_in_names_is_kept_verbatim():
    name = "<img src=x onerror=alert(1)>"
    network = read_network(f"name\n{name}\nAsh\n".encode(), f"from,to\n{name},Ash\n".encode())
    assert network.names[0] == name and network.links[0].source == name


def test_kinds_accept_labels_and_capitals():
    schools = (
        b"name,kind\nA,Local authority\nB,UNIVERSITY\nC,community group\nD,\nE,Other partner\n"
    )
    assert [s.kind for s in read_network(schools, b"from,to\n").schools] == [
        "lea",
        "university",
        "community",
        "school",
        "other",
    ]


def test_directed_accepts_the_usual_spellings():
    for cell, directed in [
        ("yes", True),
        ("TRUE", True),
        ("1", True),
        ("y", True),
        ("No", False),
        ("false", False),
        ("0", False),
        ("n", False),
        ("", False),
    ]:
        network = read_network(SCHOOLS, f"from,to,directed\nOak Primary,Ash High,{cell}\n".encode())
        assert network.links[0].directed is directed, cell


def test_a_network_without_links_is_fine():
    assert read_network(SCHOOLS, b"from,to,level\n").links == ()


# -- errors a school leader can act on ------------------------------------------------------------
def test_unknown_school_in_a_link_names_it_and_suggests_a_close_match():
    err = fails(links=b"from,to\nOak Primary,Ash High\nOak Primary,Elm Acadamy\n")
    assert (err.file, err.row, err.column) == ("links.csv", 3, "to")
    assert str(err) == (
        'links.csv, row 3, column "to": "Elm Acadamy" is not in schools.csv; '
        'did you mean "Elm Academy"?'
    )
    assert_one_plain_sentence(err)


def test_unknown_school_without_a_close_match():
    err = fails(links=b"from,to\nSt Mary's,Ash High\n")
    assert (err.row, err.column) == (2, "from")
    assert '"St Mary\'s" is not in schools.csv; add the school there or correct the name.' in str(
        err
    )


def test_missing_column_lists_the_columns_found():
    err = fails(links=b"source,target,level\nOak Primary,Ash High,1\n")
    assert (err.file, err.column) == ("links.csv", "from")
    assert str(err) == (
        'links.csv has no "from" column; the columns found are: "source", "target", "level".'
    )
    err = fails(schools=b"school,kind\nOak,school\n")
    assert str(err) == 'schools.csv has no "name" column; the columns found are: "school", "kind".'


@pytest.mark.parametrize("level", ["7", "high", "2.5", "-1", "3a"])
def test_level_must_be_a_whole_number_from_0_to_5(level):
    err = fails(
        links=f"from,to,level\nOak Primary,Ash High,1\nAsh High,Elm Academy,{level}\n".encode()
    )
    assert (err.file, err.row, err.column) == ("links.csv", 3, "level")
    assert str(err) == (
        f'links.csv, row 3, column "level": "{level}" is not a level of collaboration; '
        "use a whole number from 0 (none) to 5 (collaboration)."
    )
    assert_one_plain_sentence(err)


def test_level_written_by_a_spreadsheet_as_3_point_0_is_3():
    links = b"from;to;level;trust\nOak Primary;Ash High;3,0;4.0\n"
    assert read_network(SCHOOLS, links).links[0] == Link(
        "Oak Primary", "Ash High", level=3, trust=4
    )


@pytest.mark.parametrize("trust", ["0", "5", "good"])
def test_trust_must_be_1_to_4(trust):
    err = fails(links=f"from,to,trust\nOak Primary,Ash High,{trust}\n".encode())
    assert (err.row, err.column) == (2, "trust")
    assert f'"{trust}" is not a trust rating; use a whole number from 1 (low) to 4 (high).' in str(
        err
    )


def test_duplicate_school_names_say_which_rows():
    err = fails(schools=b"name\nOak Primary\nAsh High\nOak Primary\n")
    assert (err.file, err.row, err.column) == ("schools.csv", 4, "name")
    assert str(err) == (
        'schools.csv, row 4, column "name": "Oak Primary" is already in row 2; give '
        "each school its own name or remove one of the rows."
    )
    err = fails(schools=b'name\nOak Primary\nAsh High\n"oak  primary "\n')
    assert err.row == 4
    assert (
        '"oak primary" is the same name as "Oak Primary" in row 2 once capitals and spaces'
        in str(err)
    )


def test_empty_and_too_long_names():
    err = fails(schools=b"name,kind\nOak,school\n,lea\n")
    assert (err.row, err.column) == (3, "name") and "the name is empty" in str(err)
    err = fails(schools=b"name\n" + b"x" * 201 + b"\n")
    assert (err.row, err.column) == (2, "name")
    assert "the name is 201 characters long; the course keeps at most 200." in str(err)


def test_self_link():
    err = fails(links=b"from,to\nOak Primary,Ash High\nAsh High,ash high\n")
    assert (err.file, err.row) == ("links.csv", 3)
    assert "links a school to itself" in str(err)
    assert_one_plain_sentence(err)


def merged(links: bytes, schools: bytes = SCHOOLS_3) -> tuple[Network, list[str]]:
    notes: list[str] = []
    return read_network(schools, links, notes=notes), notes


def test_a_pair_reported_by_both_schools_is_one_confirmed_link_and_the_note_names_the_rows():
    network, notes = merged(
        b"from,to\nOak Primary,Ash High\nAsh High,Elm Academy\nAsh High,Oak Primary\n"
    )
    assert network.links == (
        Link("Oak Primary", "Ash High", confirmed=True),
        Link("Ash High", "Elm Academy"),
    )
    assert notes == [
        "links.csv: rows 2 and 4 (Oak Primary – Ash High) were merged into one link, confirmed "
        "by both sides."
    ]
    assert report_words(network.links[0]) == "confirmed by both sides"
    assert report_words(network.links[1]) == ""


def test_an_exact_duplicate_is_kept_once_and_not_counted_as_confirmed():
    network, notes = merged(b"from,to,level\nOak Primary,Ash High,3\nOak Primary,Ash High,3\n")
    assert network.links == (Link("Oak Primary", "Ash High", level=3),)
    assert notes == [
        "links.csv: rows 2 and 3 (Oak Primary – Ash High) were merged into one link, the same "
        "link listed twice."
    ]


def test_one_way_and_two_way_reports_from_the_two_sides_are_one_confirmed_two_way_link():
    network, notes = merged(
        b"from,to,directed\nOak Primary,Ash High,yes\nAsh High,Oak Primary,no\n"
    )
    assert network.links == (Link("Oak Primary", "Ash High", confirmed=True),)
    assert "confirmed by both sides" in notes[0]


def test_one_way_links_in_both_directions_stay_two_links_each_returning_the_other():
    links = b"from,to,directed\nOak Primary,Ash High,yes\nAsh High,Oak Primary,yes\n"
    network, notes = merged(links)
    assert network.links == (
        Link("Oak Primary", "Ash High", directed=True),
        Link("Ash High", "Oak Primary", directed=True),
    )
    assert notes == []
    network, notes = merged(links + b"Oak Primary,Ash High,yes\n")  # one of them twice
    assert len(network.links) == 2 and "rows 2 and 4" in notes[0] and "listed twice" in notes[0]
    network, notes = merged(links + b"Oak Primary,Ash High,no\n")  # a two-way row joins them
    assert network.links == (Link("Oak Primary", "Ash High", confirmed=True),)
    assert notes[0].startswith("links.csv: rows 2, 3 and 4 (Oak Primary – Ash High) were merged")


def test_differing_reports_keep_both_values_and_are_flagged():
    network, notes = merged(
        b"from,to,level,trust,flows,origin\n"
        b"Oak Primary,Ash High,3,2,information,funding\n"
        b"Ash High,Oak Primary,1,4,information|staff,friendship\n"
    )
    (link,) = network.links
    assert (link.level, link.trust, link.origin, link.flows) == (
        3,  # the higher level, as in the tutor's merged network
        2,  # the lower trust
        "funding",  # the first origin
        ("information", "staff"),  # every flow either side named
    )
    assert link.confirmed
    assert link.other_report == (
        ("level", "1"),
        ("origin", "friendship"),
        ("flows", "information"),
        ("trust", "4"),
    )
    assert report_words(link) == (
        "confirmed by both sides; the two sides disagree on level: 3 Coordination vs 1 "
        "Networking; how it began: Funding or a grant vs Friendship between leaders; what flows: "
        "Information, Staff between them, Information named by both; trust: 2 Some vs 4 High"
    )
    assert notes == [
        "links.csv: rows 2 and 3 (Oak Primary – Ash High) were merged into one link, confirmed "
        "by both sides, but the two sides disagree on level (3 vs 1), how it began (funding vs "
        "friendship), what flows (information + staff between them, information named by both) "
        "and trust (2 vs 4). Where reports disagree, the link keeps the higher level, the lower "
        "trust and every flow either names, and the links table shows the other report beside it."
    ]


def test_a_value_given_by_one_report_only_is_not_a_disagreement():
    network, _ = merged(
        b"from,to,level,flows\nOak Primary,Ash High,3,\nAsh High,Oak Primary,,staff\n"
    )
    assert network.links == (
        Link("Oak Primary", "Ash High", level=3, flows=("staff",), confirmed=True),
    )


def test_one_way_and_two_way_in_one_order_is_two_way_and_flagged():
    network, notes = merged(
        b"from,to,directed\nOak Primary,Ash High,yes\nOak Primary,Ash High,no\n"
    )
    assert network.links == (Link("Oak Primary", "Ash High", other_report=(("directed", "yes"),)),)
    assert "the rows disagree on direction (two-way vs one way)" in notes[0]
    assert report_words(network.links[0]) == (
        "the two reports disagree on direction: both ways vs one way only"
    )


def test_many_merges_are_one_line_naming_the_first_and_counting_the_rest():
    names = [f"School {i}" for i in range(8)]
    schools = ("name\n" + "\n".join(names) + "\n").encode()
    pairs = list(zip(names, names[1:], strict=False))
    rows = [f"{a},{b}" for a, b in pairs] + [f"{b},{a}" for a, b in pairs]
    network, notes = merged(("from,to\n" + "\n".join(rows) + "\n").encode(), schools)
    assert len(network.links) == 7 and all(link.confirmed for link in network.links)
    (note,) = notes
    assert "\n" not in note
    assert note.startswith(
        "links.csv: 7 pairs of schools were listed more than once, each merged into one link: "
        "rows 2 and 9 (School 0 – School 1), confirmed by both sides; rows 3 and 10"
    )
    assert note.endswith("; and 2 more (the links table marks them).")


def test_merged_links_survive_every_export_and_an_old_save_reads_as_reported_once():
    network, _ = merged(
        b"from,to,level,flows,notes\nOak Primary,Ash High,3,information,a\n"
        b"Ash High,Oak Primary,1,,b\nAsh High,Elm Academy,2,,\n"
    )
    assert network.links[0].extra == (("notes", "a"),)  # the first row's other columns
    schools, links = to_csv(network)
    assert links.decode("utf-8-sig").splitlines()[0] == (
        "from,to,level,origin,flows,directed,trust,reported_by_both,other_report,notes"
    )
    notes: list[str] = []
    assert read_network(schools, links, notes=notes) == network and notes == []
    assert read_workbook(to_workbook(network), "n.xlsx") == network
    assert read_json(to_json(network), "n.json", check_lengths=True) == network
    item = json.loads(to_json(network))["links"][0]
    assert (item["reported_by_both"], item["other_report"]) == (True, "level: 1")
    old = json.loads(to_json(network))
    for each in old["links"]:
        del each["reported_by_both"], each["other_report"]
    old["columns"]["links"] = [c for c in old["columns"]["links"] if c not in REPORT_COLUMNS]
    again = read_json(json.dumps(old).encode(), "your saved network")
    assert [(link.confirmed, link.other_report) for link in again.links] == [(False, ())] * 2
    plain = Network(schools=network.schools, links=(Link("Oak Primary", "Ash High"),))
    assert b"reported_by_both" not in to_csv(plain)[1]  # files without merges are as before


@pytest.mark.parametrize(
    "cell,column,expected",
    [
        ("maybe", "reported_by_both", '"maybe" is not yes or no; write yes when each'),
        ("level: 9", "other_report", '"level: 9" is not what the other report said;'),
        ("colour: red", "other_report", '"colour: red" is not what the other report said;'),
    ],
)
def test_report_columns_are_checked_like_the_others(cell, column, expected):
    err = fails(links=f"from,to,{column}\nOak Primary,Ash High,{cell}\n".encode())
    assert (err.file, err.row, err.column) == ("links.csv", 2, column)
    assert expected in str(err)
    assert_one_plain_sentence(err)


def test_a_bad_row_after_a_repeated_pair_is_still_refused():
    err = fails(links=b"from,to,level\nOak Primary,Ash High,3\nAsh High,Oak Primary,9\n")
    assert (err.row, err.column) == (3, "level")
    assert '"9" is not a level of collaboration' in str(err)


@pytest.mark.parametrize(
    "column,cell,expected",
    [
        ("kind", "academy", '"academy" is not a kind of partner; use school, lea'),
        ("origin", "grant", '"grant" is not one of the origins; use funding, mandate'),
        ("flows", "information|money", '"money" is not a kind of flow; use information'),
        ("directed", "maybe", '"maybe" is not yes or no;'),
    ],
)
def test_coded_columns_say_what_is_allowed(column, cell, expected):
    if column == "kind":
        err = fails(schools=f"name,kind\nOak,school\nAsh,{cell}\n".encode())
        assert (err.file, err.row) == ("schools.csv", 3)
    else:
        err = fails(links=f"from,to,{column}\nOak Primary,Ash High,{cell}\n".encode())
        assert (err.file, err.row) == ("links.csv", 2)
    assert err.column == column and expected in str(err)
    assert_one_plain_sentence(err)


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n", b"\xef\xbb\xbf", b";;;\n,,\n"])
def test_empty_file(data):
    err = fails(schools=data)
    assert str(err) == "schools.csv is empty."
    assert err.file == "schools.csv" and err.row is None


def test_header_without_rows():
    err = fails(schools=b"name,kind\n\n")
    assert str(err) == "schools.csv has column headings in row 1 but no rows of data below them."


def test_duplicate_headings():
    err = fails(schools=b"name,Notes,notes\nOak,a,b\n")
    assert (err.row, err.column) == (1, "notes")
    assert 'the heading "notes" appears twice (columns 2 and 3)' in str(err)
    assert "appears twice" in str(fails(schools=b"Name,NAME\nOak,Oak\n"))


def test_row_with_more_cells_than_headings_names_the_row():
    err = fails(schools=b"name;kind\nOak;school\nSt Mary;s;school\n")
    assert (err.file, err.row) == ("schools.csv", 3)
    assert str(err) == (
        "schools.csv, row 3 has 3 cells but row 1 has only 2 column headings; put "
        "quotes around any cell that contains a semicolon."
    )


def test_a_workbook_given_as_csv_is_recognised():
    err = fails(schools=to_workbook(Network(schools=(School("Oak"),))))
    assert "is an Excel workbook, not a CSV file" in str(err)


def test_too_big_file_is_refused_before_reading():
    err = fails(schools=b"name\n" + b"x" * MAX_FILE_BYTES)
    assert str(err).startswith(
        "schools.csv is 20,000,005 bytes (20.0 MB); the course takes files of at "
        "most 20,000,000 bytes (20 MB)"
    )


def test_100000_school_file_is_refused_quickly():
    big = "name,kind,phase,locality\n" + "".join(
        f"School number {i},school,primary,Town {i % 50}\n" for i in range(100_000)
    )
    started = time.perf_counter()
    err = fails(schools=big.encode())
    took = time.perf_counter() - started
    print(f"\nrefusing a 100,000-school CSV ({len(big):,} bytes) took {took:.3f} s")
    assert str(err) == (
        "schools.csv has more than 20,000 rows of data; the course takes at most 20,000."
    )
    assert err.file == "schools.csv"


def test_too_many_links_and_rows_given_directly():
    with pytest.raises(
        NetworkError,
        match=r"links\.csv has more than 100,000 rows of data; the "
        r"course takes at most 100,000\.",
    ):
        read_csv_text(b"from,to\n" + b"a,b\n" * 100_001, "links.csv")
    with pytest.raises(
        NetworkError,
        match=r"schools\.csv has 20,001 schools; the course takes at "
        r"most 20,000\.",
    ):
        parse_network([{"name": f"S{i}"} for i in range(20_001)], [])


def test_parse_network_takes_plain_rows_and_counts_rows_from_2():
    network = parse_network(
        [{"Name": "Oak"}, {"Name": "Ash", "Notes": 3}], [{"From": "Oak", "To": "Ash"}]
    )
    assert network.extra_school_columns == ("Notes",)
    assert network.schools[1].extra == (("Notes", "3"),)
    with pytest.raises(NetworkError) as caught:
        parse_network(
            [{"name": "Oak"}, {"name": "Ash"}],
            [{"from": "Oak", "to": "Ash", "level": "9"}],
            links_file="my links.csv",
        )
    err = caught.value
    assert (err.file, err.row, err.column) == ("my links.csv", 2, "level")


def test_messages_shorten_long_values():
    err = fails(links=("from,to\nOak Primary," + "y" * 190 + "\n").encode())
    assert '"' + "y" * 60 + '…"' in str(err) and len(str(err)) < 250
    err = fails(links=("from,to\nOak Primary," + "y" * 500 + "\n").encode())
    assert "the name is 500 characters long" in str(err) and len(str(err)) < 250


# -- exports are safe in spreadsheets -----------------------------------------------------------
def test_formula_cells_are_neutralised_in_csv_and_come_back_exactly():
    network = rich_network()
    schools_csv, links_csv = to_csv(network)
    assert schools_csv.startswith(b"\xef\xbb\xbf")
    text = schools_csv.decode("utf-8-sig")
    for dangerous in ["=cmd", "=HYPERLINK", "@SUM", "+44", "\tTabbed"]:
        assert f"'{dangerous}" in text, dangerous
    assert (
        "\n=cmd" not in text and ",=HYPERLINK" not in text and ",-," not in text and ",'-," in text
    )
    assert "''=already quoted" in text  # a quote that was already there is kept
    assert ",'plain quote" in text  # a quote before harmless text is left alone
    assert "'-3 points" in links_csv.decode("utf-8-sig")
    assert read_network(schools_csv, links_csv) == network


def test_formula_cells_are_neutralised_in_workbooks():
    data = to_workbook(rich_network())
    book = load_workbook(io.BytesIO(data))
    values = [cell.value for row in book["schools"].iter_rows() for cell in row]
    assert "'=cmd|' /C calc'!A0" in values and "'@SUM(1+1)" in values and "'+44 113 000" in values
    assert not any(
        book["schools"][cell.coordinate].data_type == "f"
        for row in book["schools"].iter_rows()
        for cell in row
    )
    links = list(book["links"].iter_rows(values_only=True))
    assert links[0] == (
        "from",
        "to",
        "level",
        "origin",
        "flows",
        "directed",
        "trust",
        "since",
        "comment",
    )
    assert links[1][2] == 0 and links[1][6] == 4 and links[2][8] == "'-3 points"


def test_importer_takes_off_only_the_neutralising_quote():
    rows = read_csv_text(b"name,notes\n'=1+1,'hello\n'-5,''@x\n", "s.csv")
    assert rows == [{"name": "=1+1", "notes": "'hello"}, {"name": "-5", "notes": "'@x"}]


# -- round trips ----------------------------------------------------------------------------------
def test_csv_round_trip():
    network = rich_network()
    assert read_network(*to_csv(network)) == network
    schools_csv, links_csv = to_csv(network)
    assert schools_csv.decode("utf-8-sig").splitlines()[0] == (
        "name,kind,phase,locality,Head teacher,notes"
    )
    assert links_csv.decode("utf-8-sig").splitlines()[0] == (
        "from,to,level,origin,flows,directed,trust,since,comment"
    )
    assert "joint_practice|staff" in links_csv.decode("utf-8-sig")
    assert ",yes," in links_csv.decode() and ",no," in links_csv.decode()


def test_workbook_round_trip():
    network = rich_network()
    crlf = network.schools[5]
    network = network.with_school(replace(crlf, locality="lf\ninside"))
    assert read_workbook(to_workbook(network), "network.xlsx") == network
    # XML turns a carriage return into a line feed: the one thing a workbook cannot keep.
    back = read_workbook(to_workbook(rich_network()), "network.xlsx")
    assert back.school(crlf.name).locality == "crlf\ninside"
    titled = Network(schools=(School("Oak"),), title="Leeds cluster")
    assert read_workbook(to_workbook(titled), "network.xlsx") == titled


def test_json_round_trip_and_shape():
    network = rich_network()
    data = to_json(network)
    assert read_json(data, "network.json") == network
    document = json.loads(data)
    assert set(document) == {"title", "columns", "schools", "links"}
    assert document["columns"]["schools"] == [
        "name",
        "kind",
        "phase",
        "locality",
        "Head teacher",
        "notes",
    ]
    assert document["schools"][1]["name"] == "<img src=x onerror=alert(1)>"
    assert document["schools"][1]["notes"].startswith("=HYPERLINK")  # JSON is not for spreadsheets
    assert document["links"][0] == {
        "from": "École Saint-Éloi – Llŷr",
        "to": "<img src=x onerror=alert(1)>",
        "level": 0,
        "origin": "shared_problem",
        "flows": ["joint_practice", "staff"],
        "directed": False,
        "trust": 4,
        "since": "2019",
        "comment": "",
    }


def test_round_trip_of_an_imported_network():
    network = read_network(
        (FILES / "schools_excel_semicolon.csv").read_bytes(),
        (FILES / "links_excel_semicolon.csv").read_bytes(),
    )
    assert read_network(*to_csv(network)) == network
    assert read_workbook(to_workbook(network), "n.xlsx") == network
    assert read_json(to_json(network), "n.json") == network


# -- workbooks ---------------------------------------------------------------------------------
def test_workbook_sheets_are_found_whatever_their_capitals_and_numbers_become_text():
    data = workbook(
        {
            "Notes": [["hello"]],
            "Schools": [
                ["Name", "Kind", "Year"],
                ["Oak", "School", 1998],
                [None, None, None],
                ["Ash", None, 2001.0],
            ],
            "LINKS": [["From", "To", "Level", "Directed", "Trust"], ["Oak", "Ash", 3.0, True, 2]],
        }
    )
    network = read_workbook(data, "cluster.xlsx")
    assert network.schools == (
        School("Oak", extra=(("Year", "1998"),)),
        School("Ash", extra=(("Year", "2001"),)),
    )
    assert network.links == (Link("Oak", "Ash", level=3, directed=True, trust=2),)


def test_workbook_errors_name_the_sheet_row_and_column():
    data = workbook(
        {
            "schools": [["name"], ["Oak"], ["Ash"]],
            "links": [["from", "to", "level"], ["Oak", "Ash", 2.5]],
        }
    )
    with pytest.raises(NetworkError) as caught:
        read_workbook(data, "cluster.xlsx")
    err = caught.value
    assert (err.file, err.sheet, err.row, err.column) == ("cluster.xlsx", "links", 2, "level")
    assert str(err).startswith(
        'cluster.xlsx, sheet "links", row 2, column "level": "2.5" is not a level'
    )
    data = workbook(
        {
            "Schools": [["name"], ["Oak Primary"], ["Ash High"]],
            "links": [["from", "to"], [None, None], ["Oak Primry", "Ash High"]],
        }
    )
    with pytest.raises(NetworkError) as caught:
        read_workbook(data, "cluster.xlsx")
    assert str(caught.value) == (
        'cluster.xlsx, sheet "links", row 3, column "from": "Oak Primry" is '
        'not in the "Schools" sheet; did you mean "Oak Primary"?'
    )


def test_workbook_without_a_links_sheet():
    with pytest.raises(NetworkError) as caught:
        read_workbook(workbook({"Schools": [["name"], ["Oak"]], "Sheet2": [["x"]]}), "cluster.xlsx")
    assert str(caught.value) == (
        'cluster.xlsx has no sheet called "links"; the sheets found are: "Schools", "Sheet2".'
    )


def test_not_a_workbook():
    with pytest.raises(NetworkError) as caught:
        read_workbook(b"name,kind\nOak,school\n", "cluster.xlsx")
    assert str(caught.value).startswith(
        "cluster.xlsx is not an Excel workbook (.xlsx) that can be read"
    )


def test_oversized_workbook_sheet_is_refused_at_the_limit():
    rows = [["name"]] + [[f"S{i}"] for i in range(MAX_SCHOOLS + 5)]
    started = time.perf_counter()
    with pytest.raises(NetworkError) as caught:
        read_workbook(workbook({"schools": rows, "links": [["from", "to"]]}), "big.xlsx")
    took = time.perf_counter() - started
    print(f"\nrefusing a {MAX_SCHOOLS + 5:,}-school workbook took {took:.3f} s")
    assert str(caught.value) == (
        'big.xlsx, sheet "schools" has more than 20,000 rows of data; '
        "the course takes at most 20,000."
    )


# -- JSON ---------------------------------------------------------------------------------------
def test_broken_json_names_the_file():
    with pytest.raises(NetworkError) as caught:
        read_json(b'{"schools": [', "network.json")
    assert caught.value.file == "network.json"
    assert str(caught.value).startswith("network.json is not valid JSON (the problem is at line 1")
    assert_one_plain_sentence(caught.value)


def test_json_is_validated_like_the_files():
    document = {
        "schools": [{"name": "Oak"}, {"name": "Ash"}],
        "links": [{"from": "Oak", "to": "Ash", "level": 9}],
    }
    with pytest.raises(NetworkError) as caught:
        read_json(json.dumps(document).encode(), "network.json")
    err = caught.value
    assert (err.file, err.row, err.column) == ("network.json", 1, "level")
    assert str(err).startswith('network.json, "links" item 1, field "level": "9" is not a level')
    with pytest.raises(
        NetworkError, match=r'network\.json, "schools" item 2, field "name": "oak" is the same'
    ):
        read_json(b'{"schools": [{"name": "Oak"}, {"name": "oak"}], "links": []}', "network.json")
    with pytest.raises(NetworkError, match=r'network\.json has no "schools" list\.'):
        read_json(b'{"links": []}', "network.json")
    with pytest.raises(NetworkError, match=r"network\.json is not a network"):
        read_json(b"[1, 2]", "network.json")
    with pytest.raises(NetworkError, match=r'"schools" item 1, field "name": the value is a list'):
        read_json(b'{"schools": [{"name": ["Oak"]}]}', "network.json")
    only_schools = read_json(b'{"schools": [{"name": "Oak"}]}', "n.json")
    assert only_schools == Network(schools=(School("Oak"),))


def test_an_empty_network_survives_json_as_the_widget_saves_it():
    for network in (Network(), Network(title="Mine", extra_school_columns=("notes",))):
        assert read_json(to_json(network), "your saved network") == network


# -- guessing what was uploaded ---------------------------------------------------------------
def test_read_any_picks_the_reader_from_the_files():
    network = rich_network()
    schools_csv, links_csv = to_csv(network)
    assert read_any({"a.csv": links_csv, "b.csv": schools_csv}) == network  # names do not matter
    assert read_any({"net.XLSX": to_workbook(Network(schools=(School("Oak"),)))}).names == ["Oak"]
    assert read_any({"net.json": to_json(network)}) == network
    excel = {"Links.CSV": b"sep=;\r\nFrom;To\r\nOak Primary;Ash High\r\n", "Schools.CSV": SCHOOLS}
    assert read_any(excel).links == (Link("Oak Primary", "Ash High"),)
    with pytest.raises(NetworkError, match=r"^empty\.csv is empty\.$"):
        read_any({"empty.csv": b"", "links.csv": b"from,to\n"})
    with pytest.raises(NetworkError) as caught:
        read_any({"Elm School, links?.csv": b"from;to\r\nOak;Elm Acadamy\r\n", "s.csv": SCHOOLS_3})
    assert caught.value.file == "Elm School, links?.csv" and caught.value.row == 2


@pytest.mark.parametrize(
    "files,expected",
    [
        ({"schools.csv": SCHOOLS}, "Choose one workbook (.xlsx), one .json file, or two CSV files"),
        ({"a.csv": SCHOOLS, "b.csv": SCHOOLS}, 'Exactly one of the two CSV files must have "from"'),
        ({"net.xls": b"\xd0\xcf"}, "net.xls is in a spreadsheet format the course cannot read"),
        ({"a.csv": SCHOOLS, "b.json": b"{}"}, "you chose: a.csv, b.json."),
    ],
)
def test_read_any_says_what_to_choose(files, expected):
    with pytest.raises(NetworkError) as caught:
        read_any(files)
    assert expected in str(caught.value)
    assert_one_plain_sentence(caught.value)


# -- more awkward files -------------------------------------------------------------------------
def test_binary_and_oversized_cells_are_refused_clearly():
    err = fails(schools=b"name\x00kind\nOak\x00school\n")
    assert str(err) == "schools.csv is not a text file; save it from your spreadsheet as CSV."
    err = fails(schools=b"name\nOak\nAsh\n" + b'"' + b"x" * 200_000 + b'"\n')
    assert (
        err.row == 4
        and "has a cell that is too long or a quote mark that is never closed" in str(err)
    )


def test_uploads_as_memoryview_are_read():
    # ipywidgets' FileUpload hands over memoryviews, not bytes.
    network = read_network(memoryview(SCHOOLS), memoryview(b"from,to\nOak Primary,Ash High\n"))
    assert len(network.links) == 1


# -- Kumu's export --------------------------------------------------------------------------------
def kumu_workbook(elements=None, connections=None, **more) -> bytes:
    """A workbook laid out as Kumu exports a map (sheets and headings as Kumu writes them)."""
    sheets = {
        "Elements": elements
        if elements is not None
        else [
            ["Label", "Type", "Description", "Tags", "Image"],
            [
                "Oakfield Primary",
                "Primary school",
                "Invented school",
                "rural|small",
                "http://x/a.png",
            ],
            ["Hill Top", "Council", None, None, None],
            ["<b>A & B</b>", "Person", None, None, None],
            ["Moor Academy", None, None, None, None],
        ],
        "Connections": connections
        if connections is not None
        else [
            ["From", "To", "Type", "Direction", "Tags", "Strength", "Weight"],
            ["Oakfield Primary", "Hill Top", "Partnership", "directed", "Information|staff", 3, 1],
            ["Hill Top", "Oakfield Primary", None, "mutual", None, None, None],
            ["Oakfield Primary", "<b>A & B</b>|Moor Academy", None, "undirected", None, None, None],
        ],
    }
    sheets.update(more)
    return workbook(sheets)


def test_kumu_export_is_read_with_what_was_assumed_and_left_out_said():
    notes: list[str] = []
    network = read_any({"map.xlsx": kumu_workbook()}, notes=notes)
    assert network.names == ["Oakfield Primary", "Hill Top", "<b>A & B</b>", "Moor Academy"]
    assert [school.kind for school in network.schools] == ["school", "lea", "other", "school"]
    assert network.schools[0].extra == (
        ("Type", "Primary school"),
        ("Description", "Invented school"),
        ("Tags", "rural|small"),
    )
    assert network.extra_school_columns == ("Type", "Description", "Tags")
    assert network.links == (
        Link(
            "Oakfield Primary",
            "Hill Top",
            flows=("information", "staff"),  # tags that name a flow
            extra=(("Type", "Partnership"), ("Tags", "Information|staff"), ("Strength", "3")),
            confirmed=True,  # reported from both ends
        ),
        Link("Oakfield Primary", "<b>A & B</b>"),  # Kumu's "To" with | is one link to each
        Link("Oakfield Primary", "Moor Academy"),
    )
    assert notes == [
        "Read as Kumu's export: Label gave each name; Type gave each partner's kind: \"Primary "
        'school" as School, "Council" as Local authority and "Person" as Other partner; '
        'Direction "directed" is a one-way link, "undirected" and "mutual" two-way; tags that '
        "name a flow (information, resources, joint practice, staff, pupils) say what flows "
        "along a link; Kumu has no level of collaboration or trust, so each link's is \"Not "
        'given" (set them under "Change or remove a link").',
        'Not imported, as the course has no place for them: "Image" in the "Elements" sheet and '
        '"Weight" in the "Connections" sheet.',
        'map.xlsx, sheet "Connections": rows 2 and 3 (Oakfield Primary – Hill Top) were merged '
        "into one link, confirmed by both sides.",
    ]


def test_kumu_ids_and_the_course_own_columns_are_used():
    network = read_any(
        {
            "map.xlsx": kumu_workbook(
                [["ID", "Label", "Locality"], ["e1", "Oak", "Leeds"], ["e2", "Oak Annexe", ""]],
                [["From", "To", "Level", "Trust", "Direction"], ["e1", "e2", 4, 3, "directed"]],
            )
        }
    )
    assert network.schools[0] == School("Oak", locality="Leeds")
    assert network.links == (Link("Oak", "Oak Annexe", level=4, trust=3, directed=True),)


@pytest.mark.parametrize(
    "sheets,expected,where",
    [
        (
            {"Elements": [["Label"], ["Oak"]]},
            'map.xlsx has an "Elements" sheet, as Kumu exports, but no sheet called '
            '"Connections"; the sheets found are: "Elements".',
            (None, None, None),
        ),
        (
            {"Elements": [["Name", "Type"], ["Oak", "School"]], "Connections": [["From", "To"]]},
            'map.xlsx, sheet "Elements" has no "Label" column, which Kumu writes; the columns '
            'found are: "name", "Type".',
            ("Elements", None, "Label"),
        ),
        (
            {"Elements": [["Label"], ["Oak"], ["Ash"]], "Connections": [["From", "Type"]]},
            'map.xlsx, sheet "Connections" has no "To" column, which Kumu writes; the columns '
            'found are: "from", "Type".',
            ("Connections", None, "To"),
        ),
        (
            {
                "Elements": [["Label"], ["Oak"], ["Ash"]],
                "Connections": [["From", "To", "Direction"], ["Oak", "Ash", "sideways"]],
            },
            'map.xlsx, sheet "Connections", row 2, column "Direction": "sideways" is not one of '
            "Kumu's directions; use directed (one way), undirected or mutual (both ways).",
            ("Connections", 2, "Direction"),
        ),
        (
            {
                "Elements": [["Label"], ["Oak"], ["Ash High"]],
                "Connections": [["From", "To"], ["Oak", "Ash High"], ["Oak", "Ash Hgh"]],
            },
            'map.xlsx, sheet "Connections", row 3, column "To": "Ash Hgh" is not in the '
            '"Elements" sheet; did you mean "Ash High"?',
            ("Connections", 3, "To"),
        ),
        (
            {
                "Elements": [["Label", "Type"], ["Oak", "School"], [None, "School"]],
                "Connections": [["From", "To"]],
            },
            'map.xlsx, sheet "Elements", row 3, column "Label": the name is empty; every school '
            "needs a name.",
            ("Elements", 3, "Label"),
        ),
        (
            {"Elements": [["Label"], ["Oak"], ["oak"]], "Connections": [["From", "To"]]},
            'map.xlsx, sheet "Elements", row 3, column "Label": "oak" is the same name as "Oak" '
            "in row 2 once capitals and spaces are ignored; give each school its own name or "
            "remove one of the rows.",
            ("Elements", 3, "Label"),
        ),
        (
            {"Sheet1": [["Label"], ["Oak"]]},
            'map.xlsx has no sheet called "schools"; the sheets found are: "Sheet1".',
            (None, None, None),
        ),
    ],
)
def test_a_bad_kumu_file_is_one_message_naming_sheet_row_and_column(sheets, expected, where):
    with pytest.raises(NetworkError) as caught:
        read_any({"map.xlsx": workbook(sheets)})
    assert str(caught.value) == expected
    assert (caught.value.sheet, caught.value.row, caught.value.column) == where
    assert_one_plain_sentence(caught.value)


def test_kumu_sheets_saved_as_two_csv_files_are_read_the_same_way():
    notes: list[str] = []
    network = read_any(
        {
            "Elements.csv": b"Label,Type,Notes\nOak,Academy,x\nAsh,\n",
            "Connections.csv": b"From,To,Direction\nOak,Ash,directed\n",
        },
        notes=notes,
    )
    assert [school.kind for school in network.schools] == ["school", "school"]
    assert network.links == (Link("Oak", "Ash", directed=True),)
    assert notes[1] == 'Not imported, as the course has no place for them: "Notes" in Elements.csv.'


def test_kumu_to_cells_with_many_names_stop_at_the_links_limit():
    names = "|".join(["Ash"] * 8000)  # a cell of a workbook holds at most 32,767 characters
    data = kumu_workbook([["Label"], ["Oak"], ["Ash"]], [["From", "To"]] + [["Oak", names]] * 13)
    with pytest.raises(NetworkError) as caught:
        read_any({"map.xlsx": data})
    assert str(caught.value) == (
        f'map.xlsx, sheet "Connections" has more than {MAX_LINKS:,} links; the course takes at '
        f"most {MAX_LINKS:,}."
    )


def test_kumu_names_with_markup_stay_text():
    network = read_any({"map.xlsx": kumu_workbook()})
    assert network.school("<b>A & B</b>").name == "<b>A & B</b>"


# -- Gephi's formats ------------------------------------------------------------------------------
def gephi_network() -> Network:
    return Network(
        schools=(
            School("<b>A & B</b>", kind="community", phase="primary", extra=(("type", "x"),)),
            School('Oak "Primary"', locality="Leeds", extra=(("Head teacher", "Ms O'Neil"),)),
            School("Hill Top", kind="lea"),
        ),
        links=(
            Link(
                "<b>A & B</b>",
                'Oak "Primary"',
                level=3,
                trust=2,
                origin="funding",
                flows=("information", "staff"),
                confirmed=True,
                other_report=(("level", "1"),),
            ),
            Link("Hill Top", 'Oak "Primary"', directed=True, extra=(("since", "2019"),)),
        ),
        extra_school_columns=("type", "Head teacher"),
        extra_link_columns=("since",),
    )


@pytest.mark.parametrize("kind", ["gexf", "graphml"])
def test_gephi_files_carry_every_school_and_link_with_their_attributes(kind):
    import networkx as nx

    network = gephi_network()
    data = to_gexf(network) if kind == "gexf" else to_graphml(network)
    assert b"<b>" not in data  # markup in names is written as text, escaped
    graph = (nx.read_gexf if kind == "gexf" else nx.read_graphml)(io.BytesIO(data))
    assert graph.is_directed()  # one link is one way
    assert sorted(graph.nodes) == sorted(network.names)
    first = graph.nodes["<b>A & B</b>"]
    assert (first["kind"], first["phase"], first["type (column)"]) == ("community", "primary", "x")
    assert graph.nodes['Oak "Primary"']["Head teacher"] == "Ms O'Neil"
    edges = [("<b>A & B</b>", 'Oak "Primary"'), ("Hill Top", 'Oak "Primary"')]
    if kind == "gexf":  # GEXF's "mutual" edge, so Gephi draws it without an arrow: both ways
        edges.append(('Oak "Primary"', "<b>A & B</b>"))
    assert sorted(graph.edges) == sorted(edges)
    edge = graph.edges["<b>A & B</b>", 'Oak "Primary"']
    assert (edge["level"], edge["trust"], edge["origin"], edge["flows"]) == (
        3,
        2,
        "funding",
        "information|staff",
    )
    assert (edge["one_way"], edge["reported_by_both"], edge["other_report"]) == (
        False,
        True,
        "level: 1",
    )
    other = graph.edges["Hill Top", 'Oak "Primary"']
    assert (other["one_way"], other["since"]) == (True, "2019") and "level" not in other


def test_gephi_files_of_an_all_two_way_network_are_undirected_and_drop_control_characters():
    import networkx as nx

    network = Network(
        schools=(School("Oak\x01"), School("Ash")), links=(Link("Oak\x01", "Ash", level=2),)
    )
    for data, read in ((to_gexf(network), nx.read_gexf), (to_graphml(network), nx.read_graphml)):
        graph = read(io.BytesIO(data))
        assert not graph.is_directed()
        assert sorted(graph.nodes) == ["Ash", "Oak"]


def test_an_edited_link_keeps_what_the_form_does_not_show():
    old = Link(
        "Oak",
        "Ash",
        level=3,
        trust=2,
        extra=(("notes", "a"),),
        confirmed=True,
        other_report=(("level", "1"), ("trust", "4")),
    )
    new = kept_reports(old, Link("Oak", "Ash", level=2, trust=2))
    # The level the learner chose is their answer; trust, left as it was, is still in dispute.
    assert new == Link(
        "Oak",
        "Ash",
        level=2,
        trust=2,
        extra=(("notes", "a"),),
        confirmed=True,
        other_report=(("trust", "4"),),
    )

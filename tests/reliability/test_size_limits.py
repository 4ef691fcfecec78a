"""Size limits: a file too big for the course is refused with one clear message naming the file
and the limit, at once, and never by a silent disconnect.

The limits (``widgets_lib/network_io.py``): files of at most ``MAX_FILE_BYTES`` (20 MB), at most
``MAX_SCHOOLS`` (20,000) schools and ``MAX_LINKS`` (100,000) links; one import sends at most
``MAX_UPLOAD_BYTES`` (two files of 20 MB). Lesson 04's upload button sends the chosen files' bytes
in ONE websocket message to the kernel. Tornado refuses a bigger message than its
``websocket_max_message_size`` by closing the connection; its default, 10 MiB, which neither
Jupyter Server nor Voila changes, was below the course's own 20 MB: an 11 MB file was lost without
a word and the button stayed dead until the page was reloaded. The server now takes
``serve.WEBSOCKET_MAX_BYTES`` (the most one import sends plus room for the message's fields), and
the page (course.js) refuses files over the limits before sending them, with network_io's words.

The in-process tests count what the readers parse: past the row limit nothing more is read. Times
are printed, never asserted (``-s`` shows them).
"""

from __future__ import annotations

import csv
import functools
import html
import io
import json
import re
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from widgets_lib import network_io
from widgets_lib.html.network_tables import upload_check_html
from widgets_lib.network_io import (
    MAX_FILE_BYTES,
    MAX_SCHOOLS,
    MAX_UPLOAD_BYTES,
    NetworkError,
    read_any,
    read_csv_text,
)
from widgets_lib.server.serve import WEBSOCKET_MAX_BYTES, server_extension_config, voila_config

BIG = 100_000  # schools in the oversized files
LESSON = "04_draw_your_network.ipynb"
READY = ".course-activity button:not([disabled])"
TOO_MANY_CSV = "schools.csv has more than 20,000 rows of data; the course takes at most 20,000."
TOO_MANY_SHEET = (
    'schools.xlsx, sheet "schools" has more than 20,000 rows of data; the course '
    "takes at most 20,000."
)
LINKS = b"from,to\nOak Primary,Ash High\n"


# -- files -----------------------------------------------------------------------------------------
def school_rows(count: int) -> list[list[str]]:
    return [["name", "kind", "phase", "locality"]] + [
        [f"School number {i}", "school", "primary", f"Town {i % 50}"] for i in range(count)
    ]


def csv_file(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def workbook(schools: list[list], write_only: bool) -> bytes:
    """An .xlsx as openpyxl writes it: write-only (the course's own exports: no stated size, so
    openpyxl used to read every row on opening) or normal (the size stated, as Excel does)."""
    book = Workbook(write_only=write_only)
    if write_only:
        sheet = book.create_sheet("schools")
    else:
        sheet = book.active
        sheet.title = "schools"
    for row in schools:
        sheet.append(row)
    book.create_sheet("links").append(["from", "to"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@functools.cache
def big_csv() -> bytes:
    return csv_file(school_rows(BIG))


@functools.cache
def big_workbook(write_only: bool) -> bytes:
    """100,000 schools in a workbook (made once: it takes a while)."""
    return workbook(school_rows(BIG), write_only)


def padded_schools_csv(size: int) -> bytes:
    """A schools CSV of exactly ``size`` bytes with far more than 20,000 rows."""
    body = csv_file(school_rows(size // 30))[: size - 1]
    return body[: body.rfind(b"\n") + 1].ljust(size - 1, b"x") + b"\n"


def timed(action) -> tuple[NetworkError, float, float]:
    """The error ``action`` raises, with its wall-clock and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    with pytest.raises(NetworkError) as caught:
        action()
    return caught.value, time.perf_counter() - wall, time.process_time() - cpu


# -- in process: the readers stop at the limit -----------------------------------------------------
def test_a_100000_school_csv_is_refused_after_reading_one_row_past_the_limit(monkeypatch):
    data = big_csv()
    parsed: list[int] = []  # records parsed, one count per CSV reader
    reader = csv.reader

    def counting_reader(*args, **kwargs):
        parsed.append(0)
        index = len(parsed) - 1
        for record in reader(*args, **kwargs):
            parsed[index] += 1
            yield record

    monkeypatch.setattr(network_io.csv, "reader", counting_reader)
    err, wall, cpu = timed(lambda: read_any({"schools.csv": data, "links.csv": LINKS}))
    print(f"\n100,000-school CSV ({len(data):,} bytes): refused in {wall:.3f} s ({cpu:.3f} s CPU)")
    assert str(err) == TOO_MANY_CSV
    assert err.file == "schools.csv"
    # The header, 20,000 rows of data and the one row that passes the limit: nothing after it.
    # (The other readers read one heading line each, to tell the links file from the schools.)
    assert max(parsed) == MAX_SCHOOLS + 2, parsed


def test_a_broken_row_after_the_limit_is_never_read():
    """Refused for its size, not for a row that was never reached."""
    rows = school_rows(MAX_SCHOOLS + 5)
    broken = csv_file(rows) + b'"an unclosed quote' + b"y" * 200_000 + b"\n" + csv_file(rows[1:50])
    with pytest.raises(NetworkError) as caught:
        read_csv_text(broken, "schools.csv", max_rows=MAX_SCHOOLS)
    assert str(caught.value) == TOO_MANY_CSV
    # The same file cut before the limit is refused for the broken row: it is really broken.
    short = csv_file(rows[:100]) + b'"an unclosed quote' + b"y" * 200_000 + b"\n"
    with pytest.raises(NetworkError, match="quote mark that is never closed"):
        read_csv_text(short, "schools.csv", max_rows=MAX_SCHOOLS)

    sheet_rows = [*rows, ["Late School", "school", "", "", "a value with no heading"]]
    with pytest.raises(NetworkError) as caught:
        read_any({"schools.xlsx": workbook(sheet_rows, write_only=True)})
    assert str(caught.value) == TOO_MANY_SHEET
    with pytest.raises(NetworkError, match="which has no heading"):
        read_any({"schools.xlsx": workbook([*rows[:100], sheet_rows[-1]], write_only=True)})


# The course's own exports do not state their size, the slower case; a sheet that states it was
# tried in development too (refused in 1.5-2.4 s CPU).
@pytest.mark.parametrize("write_only", [True], ids=["size-not-stated"])
def test_a_100000_school_workbook_is_refused_after_reading_a_fifth_of_it(monkeypatch, write_only):
    data = big_workbook(write_only)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_name = next(n for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))
        sheet_size = archive.getinfo(sheet_name).file_size
    read: dict[str, int] = {}
    original = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        chunk = original(self, n)
        read[self.name] = read.get(self.name, 0) + len(chunk)
        return chunk

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    err, wall, cpu = timed(lambda: read_any({"schools.xlsx": data}))
    print(
        f"\n100,000-school workbook ({'size stated' if not write_only else 'size not stated'}, "
        f"{len(data):,} bytes): refused in {wall:.3f} s ({cpu:.3f} s CPU); read "
        f"{read.get(sheet_name, 0):,} of the sheet's {sheet_size:,} bytes"
    )
    assert str(err) == TOO_MANY_SHEET
    assert (err.file, err.sheet) == ("schools.xlsx", "schools")
    # 20,001 of 100,001 rows is a fifth; openpyxl's reads run ahead in blocks, so allow a third.
    # Before the fix, opening a sheet without a stated size read all of it first.
    assert read[sheet_name] < sheet_size / 3, (read[sheet_name], sheet_size)


def test_a_100000_school_json_file_is_refused_with_one_message():
    schools = [{"name": row[0], "kind": row[1]} for row in school_rows(BIG)[1:]]
    data = json.dumps({"schools": schools, "links": []}).encode()
    err, wall, cpu = timed(lambda: read_any({"network.json": data}))
    print(f"\n100,000-school JSON ({len(data):,} bytes): refused in {wall:.3f} s ({cpu:.3f} s CPU)")
    assert str(err) == "network.json has 100,000 schools; the course takes at most 20,000."


def test_the_page_refuses_with_the_same_words_and_limits_as_the_import():
    check = upload_check_html()
    attributes = {
        name: html.unescape(value) for name, value in re.findall(r'(data-[a-z-]+)="([^"]*)"', check)
    }
    assert attributes["data-max-file-bytes"] == str(MAX_FILE_BYTES)
    assert attributes["data-max-upload-bytes"] == str(MAX_UPLOAD_BYTES) == str(2 * MAX_FILE_BYTES)
    size = MAX_FILE_BYTES + 1
    with pytest.raises(NetworkError) as caught:
        read_any({"big.xlsx": b"x" * size})
    # course.js fills in the same figures: en-GB thousands separators, megabytes to one decimal.
    page_says = (
        attributes["data-too-big"]
        .replace("{file}", "big.xlsx")
        .replace("{bytes}", f"{size:,}")
        .replace("{mb}", f"{size / 1e6:.1f}")
    )
    assert (
        page_says
        == str(caught.value)
        == (
            "big.xlsx is 20,000,001 bytes (20.0 MB); the course takes files of at most 20,000,000 "
            "bytes (20 MB)."
        )
    )
    assert attributes["data-too-much"] == (
        "The files you chose add up to {bytes} bytes ({mb} MB); the course takes at most "
        "40,000,000 bytes (40 MB) at a time."
    )


def test_the_server_takes_the_largest_message_one_import_sends():
    assert WEBSOCKET_MAX_BYTES > MAX_UPLOAD_BYTES > 10 * 2**20  # tornado's default is 10 MiB
    for settings in (
        voila_config().Voila.tornado_settings,
        server_extension_config().ServerApp.tornado_settings,
    ):
        assert settings["websocket_max_message_size"] == WEBSOCKET_MAX_BYTES


# -- in Chromium -----------------------------------------------------------------------------------
class Watch:
    """What the page sends and whether its kernel connection closes."""

    def __init__(self, page) -> None:
        self.closed: list[str] = []
        self.biggest_frame = 0
        self.sockets: list = []
        page.on("websocket", self._socket)

    def _socket(self, socket) -> None:
        if "/channels" not in socket.url:
            return
        self.sockets.append(socket)
        socket.on("close", lambda ws: self.closed.append(ws.url))
        socket.on("framesent", self._sent)

    def wait_closed(self, timeout_ms: float) -> None:
        """Wait for the page's kernel connection to close (Playwright's own event, no polling)."""
        assert self.sockets, "the page opened no kernel connection"
        for socket in self.sockets:
            if not socket.is_closed():
                socket.wait_for_event("close", timeout=timeout_ms)

    def _sent(self, payload) -> None:
        self.biggest_frame = max(self.biggest_frame, len(payload))


def start(page, server) -> Watch:
    watch = Watch(page)
    page.goto(f"{server.url}/voila/render/{LESSON}")
    page.get_by_role("button", name="Start the course (get a new code)").click()
    page.locator(".course-code").wait_for(timeout=120_000)
    page.wait_for_selector(READY, timeout=120_000)
    return watch


def quiet(page) -> None:
    """Wait until every widget message the page sent has been answered by the kernel: ipywidgets
    holds a model's next change back until then, and a button press would overtake it."""
    page.wait_for_function(
        """() => {
            const models = window.jupyterapp && window.jupyterapp.widgetManager._models;
            if (!models) { return false; }
            return Promise.all(Object.values(models)).then(
                list => list.every(m => !m._pending_msgs && !m._msg_buffer));
        }""",
        timeout=120_000,
    )


def choose(page, *paths: Path) -> float:
    """Choose files with the upload button, as a person would; returns when they were chosen."""
    with page.expect_file_chooser() as chooser:
        button = page.locator(".widget-upload")
        button.focus()
        page.keyboard.press("Enter")
    chosen = time.perf_counter()
    chooser.value.set_files([str(p) for p in paths])
    return chosen


def upload_label(page) -> str:
    return page.locator(".widget-upload").inner_text().strip()


def page_refusal(page) -> str:
    warning = page.locator(".course-upload-check .course-warning")
    warning.wait_for(timeout=60_000)
    return warning.inner_text().strip()


def import_files(page, *paths: Path) -> tuple[float, float]:
    """Choose files and press Import once they have reached the kernel; returns when they were
    chosen and when Import was pressed."""
    chosen = choose(page, *paths)
    page.locator(".widget-upload", has_text=f"({len(paths)})").wait_for(timeout=60_000)
    quiet(page)
    pressed = time.perf_counter()
    page.get_by_role("button", name="Import the chosen files").click()
    return chosen, pressed


def import_refusal(page, expected: str) -> None:
    page.locator(
        ".course-activity .course-form-message .course-warning", has_text=expected
    ).wait_for(timeout=120_000)


def import_small_network(page, folder: Path) -> None:
    """The page still works: a small valid pair of files imports."""
    schools, links = folder / "small_schools.csv", folder / "small_links.csv"
    schools.write_bytes(b"name\nOak Primary\nAsh High\n")
    links.write_bytes(LINKS)
    quiet(page)
    import_files(page, schools, links)
    page.get_by_text("2 members and 1 link").wait_for(timeout=120_000)


@pytest.mark.browser
def test_files_too_big_to_send_are_refused_in_the_page_before_sending(
    new_context, course_server, tmp_path
):
    page = new_context().new_page()
    watch = start(page, course_server)
    links = tmp_path / "links.csv"
    links.write_bytes(LINKS)

    # One file over 20 MB (25 MB): refused by name, with the limit, and not sent.
    big = tmp_path / "big schools.csv"
    big.write_bytes(padded_schools_csv(25_000_000))
    chosen = choose(page, big, links)
    said = page_refusal(page)
    print(
        f"\n25 MB file: the page refused it {time.perf_counter() - chosen:.2f} s after it was "
        "chosen"
    )
    assert said == (
        "big schools.csv is 25,000,000 bytes (25.0 MB); the course takes files of at "
        "most 20,000,000 bytes (20 MB)."
    )
    page.locator(".widget-upload", has_text="(0)").wait_for(timeout=60_000)  # nothing chosen
    quiet(page)

    # Three files of 14 MB: each allowed, together 42 MB, more than one import sends and more
    # than the server's websocket takes (40 MB + 1 MiB).
    parts = []
    for i in range(3):
        part = tmp_path / f"part{i}.csv"
        part.write_bytes(padded_schools_csv(14_000_000))
        parts.append(part)
    assert 3 * 14_000_000 > WEBSOCKET_MAX_BYTES
    choose(page, *parts)
    page.locator(".course-upload-check .course-warning", has_text="add up to").wait_for(
        timeout=60_000
    )
    assert page_refusal(page) == (
        "The files you chose add up to 42,000,000 bytes (42.0 MB); the course takes at most "
        "40,000,000 bytes (40 MB) at a time."
    )
    page.locator(".widget-upload", has_text="(0)").wait_for(timeout=60_000)

    # Pressing Import now says that nothing is chosen; a valid choice clears the refusal.
    quiet(page)
    page.get_by_role("button", name="Import the chosen files").click()
    import_refusal(page, "Choose one workbook, one JSON file, or the two CSV files first.")
    import_small_network(page, tmp_path)
    assert page.locator(".course-upload-check .course-warning").count() == 0
    assert watch.closed == [], "the kernel connection closed"
    assert 0 < watch.biggest_frame < 1_000_000, watch.biggest_frame  # the big files never left


@pytest.mark.browser
def test_big_files_the_server_takes_are_refused_by_the_import_with_one_message(
    new_context, course_server, tmp_path
):
    page = new_context().new_page()
    watch = start(page, course_server)
    links = tmp_path / "links.csv"
    links.write_bytes(LINKS)

    # 11 MB: over tornado's default 10 MiB (this closed the connection before), under 20 MB.
    eleven = tmp_path / "eleven.csv"
    eleven.write_bytes(padded_schools_csv(11_000_000))
    import_files(page, eleven, links)
    import_refusal(page, TOO_MANY_CSV.replace("schools.csv", "eleven.csv"))
    assert watch.biggest_frame > 11_000_000  # it did travel, in one message

    # 100,000 schools as CSV and as a workbook: one message naming the file and the limit.
    hundred_k = tmp_path / "schools.csv"
    hundred_k.write_bytes(big_csv())
    book = tmp_path / "schools.xlsx"
    book.write_bytes(big_workbook(write_only=True))
    for kind, files, expected in (
        ("CSV", (hundred_k, links), TOO_MANY_CSV),
        ("workbook", (book,), TOO_MANY_SHEET),
    ):
        quiet(page)
        chosen, pressed = import_files(page, *files)
        import_refusal(page, expected)
        done = time.perf_counter()
        print(
            f"\n100,000-school {kind} in Chromium: the message {done - chosen:.2f} s after "
            f"choosing it, {done - pressed:.2f} s after pressing Import"
        )
        messages = page.locator(".course-activity .course-form-message .course-warning")
        assert messages.all_inner_texts() == [expected]

    import_small_network(page, tmp_path)
    assert watch.closed == [], "the kernel connection closed"


def send_upload_directly(page, name: str, size: int) -> None:
    """Set the upload widget's value from the page's script, as a visitor's own code could,
    without the page's size check: the bytes travel in one websocket message."""
    page.evaluate(
        """async ([name, size]) => {
            const manager = window.jupyterapp.widgetManager;
            const models = await Promise.all(Object.values(manager._models));
            const upload = models.find(m => m.get('_model_name') === 'FileUploadModel');
            upload.set('value', [{name: name, type: '', size: size, last_modified: 0,
                                  content: new ArrayBuffer(size)}]);
            upload.save_changes();
        }""",
        [name, size],
    )


@pytest.mark.browser
def test_the_server_takes_one_import_and_closes_on_more(new_context, course_server):
    """The real websocket limit, found by experiment: a message of 30 MB (nearly three times tornado's
    default) reaches the kernel, which refuses the file with the same words as the page; a message
    just over ``WEBSOCKET_MAX_BYTES`` closes the connection (what the page's check prevents)."""
    page = new_context().new_page()
    watch = start(page, course_server)
    quiet(page)
    send_upload_directly(page, "huge.xlsx", 30_000_000)
    quiet(page)
    page.get_by_role("button", name="Import the chosen files").click()
    import_refusal(
        page,
        "huge.xlsx is 30,000,000 bytes (30.0 MB); the course takes files of at "
        "most 20,000,000 bytes (20 MB).",
    )
    assert watch.closed == []
    assert watch.biggest_frame > 30_000_000

    send_upload_directly(page, "huger.xlsx", WEBSOCKET_MAX_BYTES)
    try:
        watch.wait_closed(timeout_ms=120_000)
    except PlaywrightTimeoutError:
        pass  # said below
    assert watch.closed, "a message over the server's limit did not close the connection"

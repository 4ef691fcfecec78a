"""Printing (issue 13): a lesson prints in full on A4, without what only a screen needs; the personal
and the cohort reports print on a few A4 pages, their first page more than a title, no table cut off;
on the tutor's dashboard a wide table scrolls sideways in its own box instead of being cut off.

Chromium prints as its print dialog does (``page.pdf``, A4, the pages' own ``@page`` margins). The
PDF's pages are counted and their text read here, in pure Python (``pdf_pages``). Before the print
styles, the personal report took 15 A4 pages, the cohort report 9 (its first page a title alone, its
placement table two columns short), lesson 04 lost the right-hand columns of its tables, and the
dashboard's placement table and the one above it were cut off on screen.
"""

from __future__ import annotations

import re
import unicodedata
import zlib

import pytest
from playwright.sync_api import expect

from tests.person import person
from tests.reliability.course_pages import (
    DASHBOARD,
    TIMEOUT_MS,
    _lesson_results,
    goto,
    seed,
    wait_rendered,
    wait_signed_in,
)

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
# The width a page is laid out at on A4 paper: 210 mm less the 14 mm margins of the course's @page rules.
PRINTED_WIDTH = round((210 - 2 * 14) / 25.4 * 96)  # CSS pixels (688)
# A learner with work in every lesson: 6 pages (15 before); a cohort of two: 4 pages (9 before).
# The bounds leave room for the course's text to grow, not for a page per section again.
PERSONAL_MAX_PAGES = 8
COHORT_MAX_PAGES = 6


# -- the text of a PDF ---------------------------------------------------------------------------
_OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_REF = rb"(\d+) 0 R"
_SHOWN = re.compile(
    rb"/([^\s/\[\]<>()]+)\s+[-\d.]+\s+Tf|<([0-9A-Fa-f\s]*)>|\(((?:\\.|[^\\)])*)\)|\b(ET)\b", re.S
)


def _stream(body: bytes) -> bytes:
    head, _, rest = body.partition(b"stream")
    data = re.sub(rb"^\r?\n", b"", rest.rpartition(b"endstream")[0])
    return zlib.decompressobj().decompress(data) if b"/FlateDecode" in head else data


def _to_unicode(cmap: bytes) -> dict[int, str]:
    """A font's ToUnicode CMap: the character each glyph code stands for."""

    def text(hexa: bytes) -> str:
        return bytes.fromhex(hexa.decode()).decode("utf-16-be", "replace")

    chars: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            chars[int(code, 16)] = text(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, dst, each in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(?:<([0-9A-Fa-f]+)>|\[([^\]]*)\])", block
        ):
            codes = range(int(low, 16), int(high, 16) + 1)
            if dst:
                first = text(dst)
                chars.update(
                    (code, first[:-1] + chr(ord(first[-1]) + i)) for i, code in enumerate(codes)
                )
            else:
                chars.update(
                    zip(codes, map(text, re.findall(rb"<([0-9A-Fa-f]+)>", each)), strict=False)
                )
    return chars


def _literal(raw: bytes) -> bytes:
    return re.sub(
        rb"\\([0-7]{1,3}|.)",
        lambda m: (
            bytes([int(m[1], 8)])
            if m[1][:1].isdigit()
            else {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(m[1], m[1])
        ),
        raw,
        flags=re.S,
    )


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page of a PDF that Chromium (Skia) printed: the strings each page shows,
    read through their fonts' ToUnicode maps, a line per text object, ligatures unfolded (NFKC)."""
    objects = {int(number): body for number, body in _OBJECT.findall(pdf)}

    def pages_under(ref: int) -> list[int]:
        body = objects[ref]
        if not re.search(rb"/Type\s*/Pages\b", body):
            return [ref]
        kids = re.search(rb"/Kids\s*\[([^\]]*)\]", body)[1]
        return [page for kid in re.findall(_REF, kids) for page in pages_under(int(kid))]

    def font(ref: int) -> tuple[int, dict[int, str]]:
        body = objects[ref]
        cmap = re.search(rb"/ToUnicode " + _REF, body)
        return (2 if b"/Type0" in body else 1), (
            _to_unicode(_stream(objects[int(cmap[1])])) if cmap else {}
        )

    root = int(re.search(rb"/Type\s*/Catalog.*?/Pages " + _REF, pdf, re.S)[1])
    texts = []
    for ref in pages_under(root):
        body = objects[ref]
        resources = re.search(rb"/Resources " + _REF, body)
        fonts = re.search(
            rb"/Font\s*<<(.*?)>>", objects[int(resources[1])] if resources else body, re.S
        )
        named = (
            {name: font(int(n)) for name, n in re.findall(rb"/([^\s/]+) " + _REF, fonts[1])}
            if fonts
            else {}
        )
        shown, (width, chars) = [], (1, {})
        for content in re.findall(_REF, re.search(rb"/Contents\s*(\[[^\]]*\]|\d+ 0 R)", body)[1]):
            for name, hexa, literal, end in _SHOWN.findall(_stream(objects[int(content)])):
                if name:
                    width, chars = named.get(name, (1, {}))
                elif end:
                    shown.append("\n")
                else:
                    data = (
                        bytes.fromhex(re.sub(rb"\s", b"", hexa).decode())
                        if hexa
                        else _literal(literal)
                    )
                    shown.append(
                        "".join(
                            chars.get(int.from_bytes(data[i : i + width], "big"), "")
                            for i in range(0, len(data), width)
                        )
                    )
        texts.append(unicodedata.normalize("NFKC", "".join(shown)))
    return texts


def squeezed(text: str) -> str:
    """Text without its spaces and line breaks, which printing moves: what is left must match."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


# -- on paper --------------------------------------------------------------------------------------
def print_a4(page) -> list[str]:
    """Print the page as the browser's print dialog does, on A4; the text of each printed page."""
    pages = pdf_pages(page.pdf(format="A4"))
    assert pages, "nothing was printed"
    blank = [i + 1 for i, text in enumerate(pages) if not text.strip()]
    assert not blank, f"blank pages {blank} of {len(pages)}"
    return pages


def past_paper_edge(page) -> list[str]:
    """With the print styles, at the width a page is printed at: the tables, drawings and frames
    that reach past the paper's right edge (printing cuts them off there)."""
    size = page.viewport_size
    page.set_viewport_size({"width": PRINTED_WIDTH, "height": 1000})
    page.emulate_media(media="print")
    try:
        return page.evaluate(
            """(width) => Array.from(document.querySelectorAll('table, svg, iframe'))
                .filter(e => e.getClientRects().length && !e.closest('details:not([open])'))
                .filter(e => e.getBoundingClientRect().right > width + 1)
                .map(e => `${e.tagName.toLowerCase()} "${(e.querySelector('caption') || e).textContent
                    .trim().slice(0, 40)}" right=${Math.round(e.getBoundingClientRect().right)}`)""",
            PRINTED_WIDTH,
        )
    finally:
        page.emulate_media(media="null")  # as before: printing uses print styles again
        page.set_viewport_size(size)


def column_headings(page) -> dict[str, list[str]]:
    """Every table on the page (by caption) with its column headings; not those in a closed panel
    (<details>), which neither the screen nor the printout shows."""
    return page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll('table'))
            .filter(t => t.getClientRects().length && !t.closest('details:not([open])'))
            .map((t, i) => [(t.querySelector('caption') || {}).textContent || `table ${i + 1}`,
                            Array.from(t.querySelectorAll('th[scope=col]')).map(h => h.textContent)]))"""
    )


def headings_missing(page, printed: str) -> list[str]:
    """The tables whose row of column headings is not printed whole, one after another (a heading
    short of the row is a column cut off; a heading alone could be found in the text elsewhere)."""
    text = squeezed(printed)
    return [
        f"{caption}: {' | '.join(heads)}"
        for caption, heads in column_headings(page).items()
        if squeezed("".join(heads)) not in text
    ]


@pytest.fixture(scope="module")
def seeded(course_server):
    return seed(course_server)


def open_lesson(page, server, notebook: str, code: str) -> None:
    goto(page, f"{server.url}/voila/render/{notebook}?learner={code}")
    wait_rendered(page)
    wait_signed_in(page)


def downloaded(page, link_name: str) -> str:
    """Click a download link as a person does; the file's text."""
    link = page.get_by_role("link", name=link_name, exact=True)
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        person.click(page, link)
    with open(download.value.path(), encoding="utf-8") as file:
        return file.read()


def check_report(page, html: str, max_pages: int) -> list[str]:
    """A downloaded report, opened and printed: a few A4 pages, the first more than a title, no
    table past the paper's edge and every column heading of every table printed."""
    page.set_content(html)
    assert past_paper_edge(page) == []
    printed = print_a4(page)
    assert len(printed) <= max_pages, f"{len(printed)} A4 pages"
    first_section = page.locator("main section h2").first.inner_text()
    assert squeezed(first_section) in squeezed(printed[0]), "the first page holds the title alone"
    assert len(printed[0].split()) >= 60, f"the first page is nearly empty: {printed[0]!r}"
    assert headings_missing(page, "".join(printed)) == []
    return printed


# -- the tests ---------------------------------------------------------------------------------------
def test_a_lesson_prints_in_full_with_its_tables_and_without_screen_chrome(
    new_context, course_server, seeded
):
    page = new_context(viewport=DESKTOP).new_page()
    open_lesson(page, course_server, "04_draw_your_network.ipynb", seeded.learner.code)
    _lesson_results(page, "04_draw_your_network.ipynb")
    last_section = page.locator("main#rendered_cells .jp-RenderedMarkdown").last.inner_text()
    navigation = page.locator("nav.course-nav").all_inner_texts()
    assert navigation and last_section.strip()

    assert past_paper_edge(page) == []
    printed = print_a4(page)
    assert len(printed) >= 5, f"the lesson printed on {len(printed)} page(s)"
    assert squeezed(last_section) in squeezed(printed[-2] + printed[-1]), (
        "the lesson's end is not printed"
    )
    assert headings_missing(page, "".join(printed)) == []
    whole = squeezed("".join(printed))
    for chrome in [*navigation, "Skip to the lesson"]:
        assert squeezed(chrome) not in whole, f"printed, though only a screen needs it: {chrome!r}"
    assert page.get_by_text(seeded.learner.code).first.is_visible(), "the code is on screen"
    assert squeezed(seeded.learner.code) not in whole, (
        "the learner code, a key to their work, is printed"
    )


def test_the_personal_report_prints_on_a_few_a4_pages(new_context, course_server, seeded):
    page = new_context(viewport=DESKTOP).new_page()
    open_lesson(page, course_server, "08_next_steps.ipynb", seeded.learner.code)
    person.click(page, page.get_by_role("button", name="Prepare my report", exact=True))
    html = downloaded(page, "Download my report (HTML)")

    printed = check_report(page, html, PERSONAL_MAX_PAGES)
    assert "Teaching assistants lead the phonics group" in "".join(printed)  # the journal's answers


def test_dashboard_tables_scroll_in_their_own_box_and_the_cohort_report_prints_on_a4(
    new_context, course_server, seeded
):
    page = new_context(viewport=DESKTOP).new_page()
    goto(page, f"{course_server.url}/voila/render/{DASHBOARD}?key={seeded.tutor_key}")
    wait_rendered(page)
    page.get_by_text("Progress of each participant").first.wait_for(timeout=TIMEOUT_MS)

    # On screen: each table's box lies inside everything that could cut it off; a wider table
    # scrolls sideways inside it, where a person scrolls to its last column.
    cut = page.evaluate(
        """() => Array.from(document.querySelectorAll('.course-scroll')).flatMap(box => {
            const r = box.getBoundingClientRect(), out = [];
            for (let p = box.parentElement; p; p = p.parentElement) {
              const q = p.getBoundingClientRect();
              if (getComputedStyle(p).overflowX !== 'visible' && (r.right > q.right + 1 || r.left < q.left - 1))
                out.push(`${box.getAttribute('aria-label')}: ${Math.round(r.width)} px` +
                         ` in ${Math.round(q.width)} px`);
            }
            return out; })"""
    )
    assert cut == [], f"tables cut off by the boxes around them: {cut}"
    box = page.get_by_role("region", name="Each school's placement")
    assert box.evaluate(
        "b => [b, b.querySelector('table')].some(e => e.scrollWidth > e.clientWidth + 1)"
    ), "nothing scrolls sideways: widen the table or narrow the page"
    last = box.locator("th[scope=col]").last
    person.wheel_to(page, box)
    place = box.bounding_box()
    page.mouse.move(place["x"] + place["width"] / 2, place["y"] + min(place["height"], 300) / 2)
    for _ in range(20):
        if last.evaluate(
            "h => h.getBoundingClientRect().right <= "
            "h.closest('.course-scroll').getBoundingClientRect().right + 1"
        ):
            break
        page.mouse.wheel(300, 0)  # sideways, as a touchpad or Shift and the wheel do
    expect(last).to_be_in_viewport()

    # On paper: the dashboard, then the cohort report the tutor downloads.
    assert past_paper_edge(page) == []
    person.click(page, page.get_by_role("button", name="Prepare the exports", exact=True))
    check_report(page, downloaded(page, "cohort report (HTML)"), COHORT_MAX_PAGES)
    assert len(column_headings(page)["Each school's placement"]) == 11  # all printed (check_report)

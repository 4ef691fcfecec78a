"""Attacks on the course's data (issue 15, rows 4, 5 and 10), against real parts: a real SQLite
file and lesson 04's page (a real :class:`Lesson`, driven in-process as a visitor's widget
messages drive it); the workbook bomb in a separate Python process, whose memory is measured.

Each test prints its figure (``-s`` shows it). Measured before the fix:

- row 4: three schools with a 10 MB "Phase" from a new anonymous learner grew the database to
  about 90 MB (every later edit saved the network again, with a history row);
- row 5: a 200 KB workbook whose shared strings unpack to 200 MB raised the importing process's
  peak memory by about 400 MB, and the import said "saved";
- row 10: after erasing a learner, the ``merges`` table kept every row naming their schools.
"""

from __future__ import annotations

import html
import io
import json
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from widgets_lib import cohorts
from widgets_lib.network import Network, School
from widgets_lib.record import NETWORK_ACTIVITY, NETWORK_KEY, network_to_value
from widgets_lib.store import Store
from widgets_lib.views.lesson import Lesson

ROOT = Path(__file__).resolve().parents[2]
TEN_MB = 10_000_000


def database_bytes(path: Path) -> int:
    """The database file and its WAL together: what the attack costs the disk."""
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def lesson_04(store: Store, query: str = ""):
    lesson = Lesson("04", store=store, show=False)
    view = lesson.activity("network", show=False)
    lesson.finish(query_string=query, show=False)
    return lesson, view


def add_school(view, name: str, phase: str = "", locality: str = "") -> None:
    view.name.value, view.phase.value, view.locality.value = name, phase, locality
    view.add_school.click()


# -- row 4: one visitor fills the disk ----------------------------------------------------------
def test_row_4_ten_megabyte_phases_are_refused_and_the_database_stays_small(tmp_path):
    path = tmp_path / "course.db"
    store = Store(f"sqlite:///{path}")
    try:
        lesson, view = lesson_04(store)
        lesson.identity.start_button.click()  # a new anonymous learner, as anyone can make
        add_school(view, "Oak Primary")
        for number in range(3):
            add_school(view, f"Bulky school {number}", phase="p" * TEN_MB)
        add_school(view, "Elm High", locality="l" * TEN_MB)
        message = html.unescape(view.message.value + view.status.value)
        add_school(view, "Ash Academy")  # a later edit saves the network again
        saved = store.load(lesson.learner.id, NETWORK_ACTIVITY)[NETWORK_KEY]
    finally:
        store.dispose()
    size = database_bytes(path)
    print(f"\nrow 4: database after three 10 MB phases and a 10 MB locality: {size:,} bytes")
    assert "Locality is 10,000,000 characters long; the course keeps at most 200" in message
    assert [s["name"] for s in saved["schools"]] == ["Oak Primary", "Ash Academy"]
    assert size < 2_000_000


def test_row_4_a_learner_who_reaches_the_quota_is_told_and_keeps_what_was_saved(
    tmp_path, monkeypatch
):
    """Within the length limits, many long schools: the quota stops the learner's saves with a
    message beside the form, and what was saved before stays as it was."""
    monkeypatch.setenv("COURSE_QUOTA_ANSWERS_MB", "0.1")
    path = tmp_path / "course.db"
    store = Store(f"sqlite:///{path}")
    try:
        lesson, view = lesson_04(store)
        lesson.identity.start_button.click()
        refused = None
        for number in range(400):
            add_school(view, f"School {number} " + "n" * 150, "p" * 200, "l" * 200)
            if view.status.state == "failed":
                refused = number
                break
        shown = view.school_feedback.children
        typed = view.name.value
        status = html.unescape(view.status.value)
        learner_code = lesson.learner.code
        again, view2 = lesson_04(store, f"learner={learner_code}")
    finally:
        store.dispose()
    size = database_bytes(path)
    print(f"\nrow 4 (quota 0.1 MB): refused at school {refused}; database {size:,} bytes")
    assert refused is not None, "400 long schools saved: there is no quota"
    assert "Your saved work has reached the course's limit" in status
    assert view.status in shown, "the message is shown beside the form that was used"
    assert typed == f"School {refused} " + "n" * 150, "what was typed stays for another try"
    assert len(view2.network.schools) == refused == len(view.network.schools)
    assert size < 2_000_000


# -- row 5: a workbook bomb --------------------------------------------------------------------
SHARED = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def bomb(path: Path, unpacked: int = 200_000_000) -> None:
    """A real workbook (openpyxl's own parts) whose one shared string, a school's phase, is
    ``unpacked`` bytes long: written in pieces, so the test never holds it. (openpyxl writes
    texts inline; Excel, and this file, keep them once in ``xl/sharedStrings.xml``.)"""
    book = Workbook()
    schools = book.active
    schools.title = "schools"
    schools.append(["name", "phase"])
    schools.append(["Oak Primary", "PLACEHOLDER"])
    book.create_sheet("links").append(["from", "to"])
    plain = io.BytesIO()
    book.save(plain)
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out,
    ):
        for item in source.infolist():
            data = source.read(item).decode()
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    "</Types>",
                    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED}"/></Types>',
                )
            elif "PLACEHOLDER" in data:
                data = re.sub(r'<c r="B2"[^>]*>.*?</c>', '<c r="B2" t="s"><v>0</v></c>', data)
            out.writestr(item.filename, data)
        with out.open("xl/sharedStrings.xml", "w", force_zip64=True) as member:
            member.write(
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                b'count="1" uniqueCount="1"><si><t>'
            )
            chunk = b"A" * 1_000_000
            for _ in range(unpacked // len(chunk)):
                member.write(chunk)
            member.write(b"</t></si></sst>")


IMPORT_IN_A_KERNEL = textwrap.dedent(
    """
    import json, resource, sys
    from datetime import datetime, timezone
    from pathlib import Path
    from widgets_lib.store import Store
    from widgets_lib.views.lesson import Lesson

    def rss():
        return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize()

    data, db = Path(sys.argv[1]).read_bytes(), sys.argv[2]
    store = Store(f"sqlite:///{db}")
    lesson = Lesson("04", store=store, show=False)
    view = lesson.activity("network", show=False)
    lesson.finish(query_string="", show=False)
    lesson.identity.start_button.click()
    before, peak_before = rss(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    view.upload.value = [{"name": "bomb.xlsx", "type": "", "size": len(data),
                          "content": memoryview(data), "last_modified": datetime.now(timezone.utc)}]
    view.import_button.click()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"before": before, "peak_before": peak_before, "peak": peak, "after": rss(),
                      "message": view.message.value, "status": view.status.value,
                      "schools": len(view.network.schools)}))
    """
)


def test_row_5_a_workbook_that_unpacks_to_200_mb_is_refused_before_it_is_opened(tmp_path):
    path = tmp_path / "bomb.xlsx"
    bomb(path)
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_IN_A_KERNEL, str(path), str(tmp_path / "course.db")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=True,
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    grew = seen["peak"] - max(seen["before"], seen["peak_before"])
    print(
        f"\nrow 5: bomb.xlsx is {path.stat().st_size:,} bytes; the importing process's peak "
        f"memory grew by {max(grew, 0) / 1e6:.0f} MB (after: {seen['after'] / 1e6:.0f} MB)"
    )
    assert "bomb.xlsx" in seen["message"] and "unpack" in seen["message"], seen["message"]
    assert seen["schools"] == 0
    assert grew < 50_000_000


# -- row 10: erasure leaves the learner's school names in the tutor's merges -----------------------
def network(*names: str) -> dict:
    return network_to_value(Network(schools=tuple(School(name) for name in names)))


def test_row_10_erasing_a_learner_removes_their_school_names_from_the_merges(tmp_path):
    path = tmp_path / "course.db"
    store = Store(f"sqlite:///{path}")
    try:
        cohort, code, _key = cohorts.create(store, "Spring cohort")
        welcome = Lesson("00", store=store, show=False)
        privacy = welcome.activity("privacy", show=False)
        welcome.finish(query_string="", show=False)
        welcome.identity.start_button.click()
        leaving = welcome.learner.id
        staying = "someone-else"
        store.ensure_learner(staying, "code")
        cohorts.join(store, leaving, code, "Asha", False)
        cohorts.join(store, staying, code, "Ben", False)
        secret = "Secret Street Pupil Referral Unit"
        store.save(leaving, NETWORK_ACTIVITY, NETWORK_KEY, network("Ash Prim.", secret, "Oak"))
        store.save(staying, NETWORK_ACTIVITY, NETWORK_KEY, network("Ash Primary School", "Oak P"))
        store.add_merge(cohort.id, "Ash Prim.", "Ash Primary School")  # only the leaver's name
        store.add_merge(cohort.id, "Oak P", secret)  # a name of each: the chain must not keep it
        store.add_merge(cohort.id, "Oak", "Oak P")  # "Oak" is the leaver's too
        privacy.confirm.value = "delete"
        privacy.delete.click()
        left = store.merges(cohort.id)
    finally:
        store.dispose()
    text = path.read_bytes()
    named = [name for name in ("Ash Prim.", secret) if name.encode() in text]
    print(f"\nrow 10: rows left in merges after erasure: {len(left)} {left}")
    assert not store.learner_exists(leaving)
    assert left == {}, "every merge named a school only the erased learner had"
    assert named == [], f"still in the database file: {named}"


def test_row_10_merges_of_names_other_learners_share_are_kept(tmp_path):
    """A school name someone else also has is theirs too: a merge of it stays; a chain through
    the erased learner's own name is joined up without it."""
    store = Store(f"sqlite:///{tmp_path / 'course.db'}")
    try:
        cohort, code, _key = cohorts.create(store, "C")
        for learner in ("leaving", "ben", "cara"):
            store.ensure_learner(learner, "code")
            cohorts.join(store, learner, code, learner.title(), False)
        store.save("leaving", NETWORK_ACTIVITY, NETWORK_KEY, network("Elm", "Only Mine", "Fir"))
        store.save("ben", NETWORK_ACTIVITY, NETWORK_KEY, network("elm", "Elm Primary", "Birch"))
        store.save("cara", NETWORK_ACTIVITY, NETWORK_KEY, network("Fir School"))
        store.add_merge(cohort.id, "elm", "Elm Primary")  # "Elm" is Ben's too: kept
        store.add_merge(cohort.id, "Birch", "Only Mine")  # Birch → Only Mine → Fir School
        store.add_merge(cohort.id, "Only Mine", "Fir School")
        store.delete_learner("leaving")
        left = store.merges(cohort.id)
    finally:
        store.dispose()
    print(f"\nrow 10 (shared names): merges left {left}")
    assert left == {"elm": "Elm Primary", "Birch": "Fir School"}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-s"]))

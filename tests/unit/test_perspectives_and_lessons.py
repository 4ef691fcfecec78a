import json

import nbformat
import pytest

from widgets_lib import lessons, perspectives
from widgets_lib.paths import course_dir

SORTER = perspectives.load_sorter()


def test_each_perspective_has_statements():
    ids = [p.id for p in SORTER.perspectives]
    assert len(ids) == 4
    for pid in ids:
        assert sum(1 for s in SORTER.statements if s.answer == pid) >= 2


def test_feedback_names_the_right_perspective():
    statement = SORTER.statements[0]
    wrong = next(p.id for p in SORTER.perspectives if p.id != statement.answer)
    right = SORTER.perspective(statement.answer)
    assert perspectives.check(SORTER, statement.id, statement.answer).correct
    feedback = perspectives.check(SORTER, statement.id, wrong)
    assert not feedback.correct and right.name in feedback.text
    with pytest.raises(ValueError):
        perspectives.check(SORTER, statement.id, "nonsense")
    assert perspectives.score(SORTER, {statement.id: statement.answer, "x": "y"}) == (1, 1)


def test_navigation_links_the_lessons_that_exist_and_keeps_the_code(monkeypatch):
    prev, nxt = lessons.neighbours("02")
    assert (prev.id, nxt.id) == ("01", "03")
    assert lessons.url(nxt, "AB-CD") == "03_capacity_model.ipynb?learner=AB-CD"
    assert lessons.url(nxt, None) == "03_capacity_model.ipynb"
    present = {"00", "02", "03"}
    monkeypatch.setattr(lessons.LessonInfo, "available", property(lambda info: info.id in present))
    prev, nxt = lessons.neighbours("02")
    assert (prev.id, nxt.id) == ("00", "03"), "lessons in preparation are skipped"
    assert lessons.neighbours("03")[1] is None


def test_every_available_lesson_is_a_notebook_with_the_lesson_skeleton():
    for info in lessons.available():
        nb = nbformat.read(course_dir() / info.file, 4)
        code = [c.source for c in nb.cells if c.cell_type == "code"]
        assert (
            code[0] == f'from widgets_lib.views.lesson import Lesson\nlesson = Lesson("{info.id}")'
        ), info.file
        assert code[-1] == "lesson.finish()", info.file
        assert all(len(c.splitlines()) <= 2 for c in code), "notebook cells hold one or two lines"


def test_notebooks_are_committed_without_outputs():
    for path in sorted(course_dir().rglob("*.ipynb")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        for cell in raw["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs"), f"{path.name} has outputs"
                assert cell.get("execution_count") is None, f"{path.name} has execution counts"


def test_the_score_says_nothing_of_zero_before_the_first_answer():
    assert perspectives.score_sentence(0, 0, 8) == "None placed yet (8 statements to place)."
    assert (
        perspectives.score_sentence(2, 3, 8)
        == "2 of 3 placed as the course reads the paper; 5 still to place."
    )
    assert (
        perspectives.score_sentence(6, 8, 8)
        == "6 of 8 placed as the course reads the paper; every statement is placed."
    )
    assert "0 of 0" not in perspectives.score_sentence(0, 0, 8)


def test_every_count_of_lessons_agrees_and_the_welcome_is_not_one_of_them():
    assert [info.id for info in lessons.COUNTED] == ["01", "02", "03", "04", "05", "06", "07", "08"]
    assert lessons.position("00") == ""
    assert lessons.position("01") == "Lesson 1 of 8" and lessons.position("08") == "Lesson 8 of 8"
    progress = {
        "00": {"status": "started"},
        "01": {"status": "done"},
        "03": {"status": "done"},
        "04": {"status": "started"},
    }
    assert lessons.summary(progress) == (2, 8)  # the welcome, started, is not counted
    assert [info.id for info in lessons.still_to_do(progress)] == [
        "02",
        "04",
        "05",
        "06",
        "07",
        "08",
    ]
    for info in lessons.COUNTED:  # "Lesson n of N" and "completed d of N" share N
        assert lessons.position(info.id).endswith(f" of {lessons.summary({})[1]}")


def test_the_welcome_page_counts_the_lessons_as_the_pages_do():
    nb = nbformat.read(course_dir() / "00_welcome.ipynb", 4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "nine lessons" not in text
    assert "eight lessons, numbered 01 to 08" in text and len(lessons.COUNTED) == 8

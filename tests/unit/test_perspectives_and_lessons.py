import copy
import json
import re

import nbformat
import pytest

from widgets_lib import CourseError, lessons, perspectives
from widgets_lib.paths import course_dir, load_json
from widgets_lib.perspectives import MAX_OWN, OWN_CHOICE, OWN_TEXT

SORTER = perspectives.load_sorter()
SORTERS = {name: perspectives.load_sorter(name) for name in perspectives.SORTERS.values()}

# Words that tell the answer instead of the statement: intensifiers that mark a claim as one to doubt,
# and absolutes that only "is not" (or one perspective) can carry.
GIVEAWAY_WORDS = [
    "properly", "truly", "exactly", "really", "real", "genuine", "genuinely", "correctly",
    "always", "never", "ever", "every", "everybody", "everyone", "everything", "nobody", "no one",
    "all the time", "only", "must", "simply", "just", "completely", "totally",
]  # fmt: skip
# Words that name one option: a statement using them is sorted by matching words, not by reading.
NAMING_WORDS = {
    "perspectives": [
        "IQEA", "Hopkins", "Newmann", "Fullan", "Corcoran", "Goertz", "Hargreaves",
        "condition", "conditions", "alongside", "priority", "priorities", "component",
        "components", "optimal", "optimum", "production", "capital", "chain", "leverage",
        "coherence", "coherent", "efficiency", "efficient", "effectiveness",
        "professional learning community",
    ],
    "distributed_leadership": [
        "distributed", "distribute", "distribution", "delegate", "delegated", "delegation",
        "delegating", "mandate", "mandated", "mandatory", "inclusive", "configuration",
        "organisational condition", "personal qualities",
    ],
}  # fmt: skip


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
    with pytest.raises(CourseError):
        perspectives.check(SORTER, "no such statement", statement.answer)
    assert perspectives.score(SORTER, {statement.id: statement.answer, "x": "y"}) == (1, 1)


def test_each_option_of_the_is_not_sorter_has_statements():
    sorter = SORTERS["distributed_leadership"]
    assert [p.id for p in sorter.perspectives] == ["is", "is_not"]
    for pid in ("is", "is_not"):
        assert sum(1 for s in sorter.statements if s.answer == pid) >= 2


@pytest.mark.parametrize("name", list(perspectives.SORTERS.values()))
def test_every_wrong_option_of_every_statement_has_feedback_of_its_own(name):
    sorter = SORTERS[name]
    for statement in sorter.statements:
        right = sorter.perspective(statement.answer)
        wrong = [p for p in sorter.perspectives if p.id != statement.answer]
        assert set(statement.why_not) == {p.id for p in wrong}, statement.id
        texts = set()
        for option in wrong:
            why_not = statement.why_not[option.id]
            assert len(why_not.split()) >= 15, f"{statement.id}/{option.id} says too little"
            result = perspectives.check(sorter, statement.id, option.id)
            assert not result.correct
            assert why_not in result.text and option.name in result.text, (statement.id, option.id)
            assert right.name in result.text and statement.feedback in result.text
            texts.add(result.text)
        assert len(texts) == len(wrong), f"{statement.id}: two wrong options get the same feedback"
        result = perspectives.check(sorter, statement.id, statement.answer)
        assert result.correct and statement.feedback in result.text
        assert not any(w in result.text for w in statement.why_not.values())


def test_the_feedback_changes_with_the_wrong_option_chosen():
    statement = SORTER.statement("S2")  # Hargreaves' chain: each wrong option tempts differently
    said = {
        option: perspectives.check(SORTER, "S2", option).text
        for option in ("iqea", "newmann", "corcoran")
    }
    assert "internal conditions" in said["iqea"] and "components" in said["newmann"]
    assert "works backwards from outcomes" in said["corcoran"]
    assert statement.why_not["newmann"] not in said["iqea"]


def test_a_sorter_without_feedback_for_a_wrong_option_is_refused(monkeypatch):
    raw = copy.deepcopy(load_json("sorters/distributed_leadership.json"))  # the cache stays whole
    raw["statements"][0]["why_not"] = {}
    monkeypatch.setattr(perspectives, "load_json", lambda _name: raw)
    with pytest.raises(CourseError, match="D1"):
        perspectives.load_sorter("distributed_leadership")


@pytest.mark.parametrize("name", list(perspectives.SORTERS.values()))
def test_statements_carry_no_giveaway_words(name):
    words = GIVEAWAY_WORDS + NAMING_WORDS[name]
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)
    found = {s.id: pattern.findall(s.text) for s in SORTERS[name].statements}
    assert not {k: v for k, v in found.items() if v}, found
    assert pattern.search("leadership here is now properly distributed")  # the check can fail


def test_the_own_example_counts_for_nothing_in_the_score():
    statement = SORTER.statements[0]
    saved = {statement.id: statement.answer, OWN_TEXT: "Our plan", OWN_CHOICE: "iqea"}
    assert perspectives.score(SORTER, saved) == (1, 1)
    assert perspectives.score(SORTER, {OWN_CHOICE: "iqea"}) == (0, 0)


def test_the_summary_gives_the_score_and_the_own_example_with_its_option():
    sorter = SORTERS["distributed_leadership"]
    saved = {s.id: s.answer for s in sorter.statements[:5]}
    saved[sorter.statements[5].id] = next(
        p.id for p in sorter.perspectives if p.id != sorter.statements[5].answer
    )
    saved |= {
        OWN_TEXT: "We gave the reading group a term to enquire <b>together</b>.",
        OWN_CHOICE: "is",
    }
    found = perspectives.summary(sorter, saved)
    assert (found.right, found.answered, found.total) == (5, 6, 8)
    assert found.own_text == "We gave the reading group a term to enquire <b>together</b>."
    assert found.own_choice == sorter.perspective("is")
    assert found.sentence == "5 of 6 placed as the course reads the paper; 2 still to place."
    empty = perspectives.summary(sorter, {})
    assert (empty.right, empty.answered, empty.own_text, empty.own_choice) == (0, 0, None, None)


@pytest.mark.parametrize(
    "saved",
    [
        None,
        "S1=iqea",
        ["S1", "iqea"],
        {"S1": 3, "S2": None, "S3": "nonsense", "S4": ["iqea"], "S99": "iqea", 7: "iqea"},
        {OWN_TEXT: "x" * (MAX_OWN + 1), OWN_CHOICE: "nonsense"},
        {OWN_TEXT: {"text": "ours"}, OWN_CHOICE: 2},
        {OWN_TEXT: "   ", OWN_CHOICE: None},
    ],
)
def test_malformed_saved_answers_are_ignored_in_the_summary(saved):
    found = perspectives.summary(SORTER, saved)
    assert (found.right, found.answered, found.total) == (0, 0, len(SORTER.statements))
    assert found.own_text is None and found.own_choice is None


def test_the_own_example_is_kept_as_typed_up_to_its_limit():
    markup = "<script>alert(1)</script> & our staff room"
    assert perspectives.check_own_text(markup) == markup
    assert perspectives.check_own_text("x" * MAX_OWN) == "x" * MAX_OWN
    with pytest.raises(CourseError, match="under 300 characters"):
        perspectives.check_own_text("x" * (MAX_OWN + 1))
    with pytest.raises(CourseError):
        perspectives.check_own_choice(SORTER, "is")  # an option of the other sorter
    assert perspectives.check_own_choice(SORTER, "corcoran") == "corcoran"


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

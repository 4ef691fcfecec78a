"""``python -m widgets_lib.classify``: one JSON object on success; one clear line and exit 2 on bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "data" / "networks"
SCHOOLS = "name,kind,phase\nAsh Primary,school,primary\nBirch Junior,school,primary\nCedar High,school,secondary\n"
LINKS = (
    "from,to,level,origin,flows,directed,trust\nAsh Primary,Birch Junior,3,shared_problem,information,no,3\n"
    "Birch Junior,Cedar High,2,funding,resources,no,2\n"
)
ANSWERS = '{"constructs": {"trust": 4, "shared_goals": 4}}'


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "widgets_lib.classify", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write(folder: Path, name: str, content: str | bytes) -> str:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def files(tmp_path: Path, schools=SCHOOLS, links=LINKS, answers=ANSWERS) -> list[str]:
    return [
        "--schools",
        write(tmp_path, "S.csv", schools),
        "--links",
        write(tmp_path, "L.csv", links),
        "--answers",
        write(tmp_path, "A.json", answers),
    ]


def test_prints_one_json_object(tmp_path):
    result = run(*files(tmp_path))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"verdict", "scores", "evidence", "reasons", "metrics"}
    assert data["metrics"]["schools"] == 3 and data["metrics"]["links"] == 2


@pytest.mark.parametrize(
    "answers",
    [
        '{"trust": 4, "shared_goals": 4}',
        '{"items": {"H01": 4, "H15": 2}}',
        '{"constructs": {"trust": 4}, "items": {"H01": 4}, "note": "mine"}',
        '\ufeff{"trust": 4}',
    ],
)
def test_accepts_every_answers_shape(tmp_path, answers):
    result = run(*files(tmp_path, answers=answers))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["verdict"] in {
        "meaningful",
        "contrived",
        "cosy",
        "inertia",
        "thuggery",
        "uncertain",
    }


def test_answers_are_optional(tmp_path):
    args = files(tmp_path)[:4]
    result = run(*args)
    assert result.returncode == 0 and json.loads(result.stdout)["verdict"] == "uncertain"


@pytest.mark.parametrize(
    "folder", sorted(p for p in EXAMPLES.iterdir() if p.is_dir()), ids=lambda p: p.name
)
def test_example_networks_through_the_command_line(folder):
    about = json.loads((folder / "about.json").read_text(encoding="utf-8"))
    result = run(
        "--schools",
        str(folder / "schools.csv"),
        "--links",
        str(folder / "links.csv"),
        "--answers",
        str(folder / "answers.json"),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["verdict"] == about["built_to_show"]


# Each bad input: (which file is broken, its content, words the one line must contain).
BAD = {
    "unknown school in a link": (
        "links",
        LINKS + "Cedar High,Nowhere Academy,2,,,,\n",
        ["L.csv", "row 4", '"to"', "Nowhere Academy"],
    ),
    "missing column": ("links", "from,level\nAsh Primary,3\n", ["L.csv", '"to"']),
    "level 7": (
        "links",
        "from,to,level\nAsh Primary,Birch Junior,7\n",
        ["L.csv", "row 2", '"level"', "7"],
    ),
    "level high": (
        "links",
        "from,to,level\nAsh Primary,Birch Junior,high\n",
        ["L.csv", "row 2", '"level"', "high"],
    ),
    "duplicate school": (
        "schools",
        SCHOOLS + "Ash Primary,school,primary\n",
        ["S.csv", "row 5", "Ash Primary"],
    ),
    "self-link": ("links", "from,to\nAsh Primary,Ash Primary\n", ["L.csv", "row 2", "itself"]),
    "empty schools file": ("schools", "", ["S.csv", "empty"]),
    "empty links file": ("links", b"", ["L.csv", "empty"]),
    "schools file in UTF-16 without a mark": (
        "schools",
        "name\nAsh\n".encode("utf-16-le"),
        ["S.csv"],
    ),
    "answers not UTF-8": (
        "answers",
        '{"trust": 4, "note": "café"}'.encode("cp1252"),
        ["A.json", "UTF-8"],
    ),
    "empty answers file": ("answers", "", ["A.json", "empty"]),
    "construct out of range": ("answers", '{"trust": 7}', ["A.json", "trust", "1 to 5"]),
    "statement out of range": ("answers", '{"items": {"H01": 0}}', ["A.json", "H01"]),
    "unknown statement": ("answers", '{"items": {"H99": 3}}', ["A.json", "H99"]),
    "unknown construct": (
        "answers",
        '{"constructs": {"happiness": 4}}',
        ["A.json", "happiness", "shared_goals"],
    ),
    "unknown top-level key": ("answers", '{"constructs": {}, "extra": 1}', ["A.json", "extra"]),
    "broken JSON": ("answers", '{"trust": 4,', ["A.json", "line 1", "column"]),
    "answers not an object": ("answers", "[4, 5]", ["A.json", "object"]),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_exits_2_with_one_line_naming_the_place(tmp_path, case):
    which, content, words = BAD[case]
    result = run(*files(tmp_path, **{which: content}))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_missing_file(tmp_path):
    args = files(tmp_path)
    args[1] = str(tmp_path / "nope.csv")
    result = run(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"{tmp_path / 'nope.csv'}: file not found"


def test_a_folder_instead_of_a_file(tmp_path):
    args = files(tmp_path)
    args[5] = str(tmp_path)
    result = run(*args)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "folder" in result.stderr


def test_missing_argument_is_one_line_too():
    result = run("--links", "L.csv")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "--schools" in result.stderr


def test_an_unexpected_error_is_one_line_and_exit_1(tmp_path, monkeypatch, capsys):
    from widgets_lib import classify

    def broken(*args, **kwargs):
        raise RuntimeError("the sky\nfell")

    monkeypatch.setattr(classify, "diagnose", broken)
    assert classify.main(files(tmp_path)) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == "internal error: RuntimeError: the sky fell\n"

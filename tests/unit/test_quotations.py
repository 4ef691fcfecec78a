"""Every quotation the course gives a learner is word for word in one of the two papers, and is given to
whoever says it there.

A quotation is text in double quotes (straight or curly) or in curly single quotes, of five words or more,
given to an author: a name in its sentence (or "she", "they"… after one), else in the sentence before,
else, in a lesson, the paper's authors the lesson has named (a lesson follows its paper). Shorter quoted
words are terms and scare quotes, and are not checked; longer quoted text that is not a quotation (a
title) is listed in ``NOT_QUOTATIONS`` with its reason. It is looked for in the lesson notebooks'
markdown, in every string of ``data/**/*.json`` and in every string of the ``widgets_lib`` source. The
papers are the text copies in ``../shared/seeds/`` (CONTENT.md).

Compared after normalising both sides: curly and straight quotes alike, every dash alike, runs of white
space as one space, markdown emphasis and footnote numbers dropped, the case of the first letter free,
and an ellipsis (``…``, ``...``, ``[…]``) a gap: the pieces must then be found in order, close together.

Who says it: where the paper has the words in its own voice, the course must name the paper's author
(Harris; Hopkins or Jackson), or someone the paper's sentence reports ("They [Newmann, King and Young]
define school capacity as…"); where the paper itself quotes someone (the words are in quotation marks
there, with a name in the sentence, the sentence before, the footnote, or the line under a quotation
set apart), the course must name that person. "X, cited by Harris" gives the words to X, so it is wrong
for Harris's own words.
"""

from __future__ import annotations

import ast
import html
import json
import re
from dataclasses import dataclass
from functools import cache

import pytest

from widgets_lib.paths import PACKAGE_DIR, REPO_DIR, course_dir, data_dir

SEEDS = REPO_DIR.parent / "shared" / "seeds"
PAPERS = {
    "harris-distributed-leadership-within-learning-networks.txt": ("Harris",),
    "hopkins-jackson-nlc-capacity-building.txt": ("Hopkins", "Jackson"),
}
# The papers' authors, and the authors and bodies they quote or cite, by the names the course uses
# (names that are also everyday words, such as King, Young, West or Miles, are left out: "Newmann" and
# "Hopkins" find those references).
AUTHORS = ("Harris", "Hopkins", "Jackson")
NAMES = AUTHORS + tuple(
    (
        "Fullan Hargreaves Fink Surowiecki Castells Wenger Senge Huxham Vangen Hutchins Spillane "
        "Halverson Sergiovanni Lambert Silins Mulford Rutter Murphy Newmann Corcoran Goertz Firestone "
        "Mitchell Sackney Hadfield Weick Caldwell Ainscow Argyris Huberman Mortimore Southworth "
        "Teddlie Reynolds Greenleaf Velzen OECD ISIP DfES DEMOS"
    ).split()
)
PRONOUNS = re.compile(r"\b(?:[Ss]he|[Hh]er|[Hh]e|[Hh]is|[Tt]hey|[Tt]heir|[Tt]hem)\b")
# Quoted text of five words or more, near an author's name, that is not a quotation of a paper: each
# with the reason. Keys are the quoted words as written (normalised, see ``norm``).
NOT_QUOTATIONS: dict[str, str] = {
    "The diagnosis from the command line": "a heading of the README, named in classify.py's docstring",
}
# How far apart (in characters of the paper) the pieces of a quotation with an ellipsis may lie.
GAP = 1500
MIN_WORDS = 5

SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
QUOTES = "'\"‘’“”‚„′″«»"
DASHES = "-‐‑‒–—―−"
SPACES = " \t\n\r\u00a0\u2009\u202f\u2007\u200a"


def norm_map(text: str) -> tuple[str, list[int]]:
    """The text normalised, and for each of its characters the index of the character it came from."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch in "*\u00ad\u200b" or ch in SUPERSCRIPTS:
            continue
        if ch == "…":
            for dot in "...":
                out.append(dot)
                where.append(i)
            continue
        if ch in SPACES:
            if out and out[-1] == " ":
                continue
            ch = " "
        elif ch in QUOTES:
            ch = "'"
        elif ch in DASHES:
            ch = "-"
        out.append(ch)
        where.append(i)
    return "".join(out), where


def norm(text: str) -> str:
    return norm_map(text)[0].strip()


@dataclass(frozen=True)
class Paper:
    name: str
    authors: tuple[str, ...]
    raw: str
    text: str  # normalised
    where: tuple[int, ...]  # normalised index -> raw index
    footnotes: dict[str, tuple[str, ...]]  # footnote number -> names in it


def _names_in(text: str) -> list[str]:
    text = re.sub(f"[{SUPERSCRIPTS}]", " ", text)  # "Fullan¹": a footnote number ends the name
    return [n for n in NAMES if re.search(rf"\b{n}\b", text)]


@cache
def papers() -> tuple[Paper, ...]:
    if not SEEDS.is_dir():
        pytest.skip(f"the papers are not beside the checkout ({SEEDS})")
    found = []
    for file, authors in PAPERS.items():
        raw = (SEEDS / file).read_text(encoding="utf-8")
        text, where = norm_map(raw)
        footnotes: dict[str, tuple[str, ...]] = {}
        last: tuple[str, ...] = ()
        for line in raw.splitlines():
            match = re.match(rf"^([{SUPERSCRIPTS}]+)\s+(.*)", line)
            if match:  # "Ibid": the same source as the footnote before
                ibid = match.group(2).strip().lower().startswith("ibid")
                source = re.split(r"\d{4}|\*", match.group(2))[0]  # not "in Harris, A et al"
                last = last if ibid else tuple(_names_in(source))
                footnotes[match.group(1)] = last
        found.append(Paper(file, authors, raw, text, tuple(where), footnotes))
    return tuple(found)


# -- the paper's side: where the words are, and who says them there ------------------------------


def _pieces(quote: str) -> list[str]:
    """The quotation's pieces between ellipses, without the punctuation at their ends."""
    parts = re.split(r"\s*\[?\.\.\.\]?\s*", norm(quote))
    return [p.strip(" ,.;:!?'") for p in parts if p.strip(" ,.;:!?'")]


def _find(text: str, piece: str, start: int) -> int:
    """Where ``piece`` is in ``text`` at or after ``start``, the case of its first letter free."""
    hits = [
        text.find(variant, start)
        for variant in {piece, piece[:1].lower() + piece[1:], piece[:1].upper() + piece[1:]}
    ]
    hits = [h for h in hits if h >= 0]
    return min(hits) if hits else -1


def locate(quote: str) -> tuple[Paper, int, int] | None:
    """(paper, raw start, raw end) of the quotation's first place, or None when no paper has it."""
    return next(iter(locations(quote)), None)


def locations(quote: str) -> list[tuple[Paper, int, int]]:
    """Every (paper, raw start, raw end) where the quotation is word for word."""
    pieces = _pieces(quote)
    found: list[tuple[Paper, int, int]] = []
    if not pieces:
        return found
    for paper in papers():
        start = _find(paper.text, pieces[0], 0)
        while start >= 0:
            at, ok = start + len(pieces[0]), True
            for piece in pieces[1:]:
                nxt = _find(paper.text, piece, at)
                if nxt < 0 or nxt - at > GAP:
                    ok = False
                    break
                at = nxt + len(piece)
            if ok:
                found.append((paper, paper.where[start], paper.where[at - 1] + 1))
            start = _find(paper.text, pieces[0], start + 1)
    return found


def _quoted_in_paper(raw: str, start: int, end: int) -> tuple[int, int] | None:
    """The paper's own quotation marks around raw[start:end], as (open, close), if it has them."""
    para_start = raw.rfind("\n\n", 0, start) + 1
    para_end = raw.find("\n\n", end)
    para_end = len(raw) if para_end < 0 else para_end
    opened = None
    for i in range(para_start, para_end):
        ch = raw[i]
        before = raw[i - 1] if i > 0 else " "
        after = raw[i + 1] if i + 1 < len(raw) else " "
        if ch in "“‘" or (ch in "'\"" and opened is None and not before.isalnum()):
            if opened is None and not (ch == "‘" and before.isalpha()):
                opened = i
            continue
        if ch in "”’'\"" and opened is not None and not after.isalpha() and i > opened + 1:
            if opened < start and i >= end - 1:
                return opened, i
            if i >= start:
                return None
            opened = None
    return None


def _sentence_around(raw: str, start: int, end: int) -> tuple[str, str]:
    """(the sentence before, the sentence with raw[start:end] and a little after), in the paper."""
    bounds = [m.end() for m in re.finditer(r"[.!?][’'”\"*]?\s+|\n\s*\n", raw[:start])]
    this = bounds[-1] if bounds else 0
    before = bounds[-2] if len(bounds) > 1 else 0
    # to the end of the sentence after the quotation: a quotation set apart is often followed by
    # "…, according to ISIP" rather than by a line naming its source
    tails = list(re.finditer(r"[.!?]\s|\n\s*\n", raw[end : end + 600]))
    stop = end + (tails[1].end() if len(tails) > 1 else tails[0].end() if tails else 0)
    return raw[before:this], raw[this:stop]


def speakers_in_paper(paper: Paper, start: int, end: int) -> set[str]:
    """Who says raw[start:end] in the paper: its author, or the people it quotes there."""
    raw = paper.raw
    marks = _quoted_in_paper(raw, start, end)
    if marks is None:
        # in the paper's own voice; when it reports someone ("Newmann, King and Young… They define
        # school capacity as…"), the people its sentence names may be given the words too
        sentence = raw[raw.rfind("\n", 0, start) + 1 : start]
        sentence = re.split(r"[.!?]\s", sentence)[-1]
        reported = set(_names_in(sentence))
        if re.match(r"\s*\*?(They|He|She)\b", sentence):
            reported |= set(_names_in(raw[max(0, start - 600) : start]))
        return set(paper.authors) | reported
    para_start = raw.rfind("\n\n", 0, marks[0]) + 2
    para_end = raw.find("\n\n", marks[1])
    if not raw[para_start : marks[0]].strip("* ") and not raw[marks[1] + 1 : para_end].strip("*' "):
        # a quotation set apart, its source on the short line below it ("Rutter 1979")
        below = raw[para_end:].lstrip().split("\n\n", 1)[0]
        if len(below) < 80 and _names_in(below):
            return set(_names_in(below))
    before, this = _sentence_around(raw, *marks)
    names = set(_names_in(before + this))
    for number in re.findall(rf"[{SUPERSCRIPTS}]+", this):
        names.update(paper.footnotes.get(number, ()))
    return names or set(paper.authors)


# -- the course's side: quoted text, and whom the course gives it to -------------------------------

QUOTED = re.compile(
    r"“(?P<a>[^”]+?)”"
    r"|(?<![A-Za-z0-9])\"(?P<b>[^\"\n]+?)\"(?![A-Za-z0-9])"
    r"|(?<![A-Za-z])‘(?P<c>[^’]+?(?:’[A-Za-z][^’]*?)*)’(?![A-Za-z])"
)
BOUNDARY = re.compile(r"[.!?][)\]*_]*\s+(?=[A-Z“\"‘(*])|\n\s*\n|^#+ |\n#+ |\n- ")
CITED = re.compile(
    r"(?P<who>(?:[A-Z][A-Za-z]+(?:,\s*|\s+and\s+|\s+&\s+)?)+)[^.;]{0,40}?"
    r"\b(?:cited|quoted|reported)\s+by\b"
)


@dataclass(frozen=True)
class Quotation:
    where: str  # file and place
    text: str  # the quoted words as written
    named: frozenset[str]  # the authors the course gives them to


def _context(unit: str, start: int, end: int) -> tuple[str, str, str]:
    """(everything before the sentence, the sentence before, the quotation's sentence outside it)."""
    bounds = [m.end() for m in BOUNDARY.finditer(unit[:start])]
    this = bounds[-1] if bounds else 0
    before = bounds[-2] if len(bounds) > 1 else 0
    tail = BOUNDARY.search(unit, end)
    after = unit[end : tail.start() + 1 if tail else len(unit)]
    if re.search(r"[.!?]\W*$", unit[start:end]):  # the quotation ends its sentence
        after = ""
    return unit[:before], unit[before:this], unit[this:start] + " " + after


def _latest_name(text: str) -> set[str]:
    """The name written last in ``text`` (with its partner: "Hopkins and Jackson" counts as both)."""
    hits = [m.start() for n in NAMES for m in re.finditer(rf"\b{n}\b", text)]
    if not hits:
        return set()
    last = max(hits)
    return set(_names_in(text[max(0, last - 20) : last + 30]))


def attributed(unit: str, start: int, end: int, before: str = "") -> frozenset[str] | None:
    """The authors the course gives the quotation at unit[start:end] to, or None when nobody is named
    (then it is not a quotation of a paper).

    "X, cited by Y" gives it to X; otherwise the names in its sentence; "she", "they"… add the papers'
    authors named earlier and the name written last; with no name in the sentence, those of the
    sentence before; with none there either, the papers' authors the text (a lesson: the lesson so
    far) has named, since a lesson follows its paper."""
    earlier, previous, sentence = _context(unit, start, end)
    earlier = before + "\n\n" + earlier
    cited = CITED.search(sentence)
    if cited and _names_in(cited.group("who")):
        return frozenset(_names_in(cited.group("who")))
    named = set(_names_in(sentence))
    if PRONOUNS.search(sentence):
        named |= {a for a in AUTHORS if a in _names_in(earlier + previous)}
        named |= _latest_name(earlier + previous)
    if not named:
        named = set(_names_in(previous))
    if not named:
        named = {a for a in AUTHORS if a in _names_in(earlier)}
    return frozenset(named) or None


def quotations_in(unit: str, where: str, before: str = "") -> list[Quotation]:
    found = []
    text = html.unescape(unit)
    for match in QUOTED.finditer(text):
        words = match.group("a") or match.group("b") or match.group("c")
        if len(re.findall(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?", words)) < MIN_WORDS:
            continue
        named = attributed(text, match.start(), match.end(), before)
        if named is None or norm(words) in NOT_QUOTATIONS:
            continue
        found.append(Quotation(where, words, named))
    return found


def problems(quotation: Quotation) -> list[str]:
    """What is wrong with one quotation: not word for word, or given to someone who did not say it."""
    places = locations(quotation.text)
    label = f"{quotation.where}: “{quotation.text[:90]}{'…' if len(quotation.text) > 90 else ''}”"
    if not places:
        return [f"{label} is not word for word in either paper"]
    said = [(paper, speakers_in_paper(paper, start, end)) for paper, start, end in places]
    paper, says = said[0]
    if not any(says & quotation.named for _paper, says in said):
        return [
            f"{label} is given to {' and '.join(sorted(quotation.named))}, but in "
            f"{paper.name} it is said by {' and '.join(sorted(says))}"
        ]
    return []


# -- where the course's text is -------------------------------------------------------------------


def lesson_units() -> list[tuple[str, str, str]]:
    """(where, a markdown cell, the lesson's markdown before it)."""
    units = []
    for path in sorted(course_dir().glob("[0-9][0-9]_*.ipynb")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        so_far = ""
        for number, cell in enumerate(raw["cells"]):
            if cell["cell_type"] == "markdown":
                source = cell["source"]
                text = source if isinstance(source, str) else "".join(source)
                units.append((f"{path.name} cell {number}", text, so_far))
                so_far += "\n\n" + text
    return units


def _strings(value: object, where: str) -> list[tuple[str, str, str]]:
    if isinstance(value, str):
        return [(where, value, "")]
    if isinstance(value, dict):
        return [pair for key, item in value.items() for pair in _strings(item, f"{where}.{key}")]
    if isinstance(value, list):
        return [pair for i, item in enumerate(value) for pair in _strings(item, f"{where}[{i}]")]
    return []


def data_units() -> list[tuple[str, str, str]]:
    units = []
    for path in sorted(data_dir().rglob("*.json")):
        name = str(path.relative_to(data_dir()))
        units += _strings(json.loads(path.read_text(encoding="utf-8")), f"data/{name} ")
    return units


def library_units() -> list[tuple[str, str, str]]:
    units = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        name = str(path.relative_to(PACKAGE_DIR.parent))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                units.append((f"{name} line {node.lineno}", node.value, ""))
            elif isinstance(node, ast.JoinedStr):  # an f-string: its text, the fields as a gap
                text = "".join(
                    part.value if isinstance(part, ast.Constant) else "…" for part in node.values
                )
                units.append((f"{name} line {node.lineno}", text, ""))
    return units


SOURCES = {"lessons": lesson_units, "data": data_units, "library": library_units}


def all_quotations(source: str) -> list[Quotation]:
    return [
        q for where, unit, before in SOURCES[source]() for q in quotations_in(unit, where, before)
    ]


@pytest.mark.parametrize("source", list(SOURCES))
def test_every_quotation_is_word_for_word_and_given_to_who_says_it(source):
    found = all_quotations(source)
    wrong = [problem for quotation in found for problem in problems(quotation)]
    assert not wrong, f"{len(wrong)} of {len(found)} quotations:\n" + "\n".join(wrong)


def test_the_lessons_quote_the_papers():
    """The finder finds: the lessons hold many quotations (a broken pattern would find none)."""
    assert len(all_quotations("lessons")) >= 40


def test_not_quotations_are_still_in_the_course():
    """Each exception is still needed: its words are still quoted somewhere in the course."""
    written = {
        norm(m.group("a") or m.group("b") or m.group("c"))
        for source in SOURCES.values()
        for _where, unit, _before in source()
        for m in QUOTED.finditer(html.unescape(unit))
    }
    stale = [words for words in NOT_QUOTATIONS if words not in written]
    assert not stale, f"no longer in the course, remove from NOT_QUOTATIONS: {stale}"


# -- the test can fail: a changed word, a wrong author, a "cited by" for the paper's own words ------

RIGHT = (
    "As Harris puts it, “Engaging the many rather than the few in leadership activity is at the heart "
    "of distributed leadership.”"
)


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        (RIGHT, None),
        (RIGHT.replace("the many", "the most"), "not word for word"),
        (RIGHT.replace("Harris", "Senge"), "given to Senge, but in harris"),
        (
            "Harris says that “The test of a network must be its ability to withstand and accommodate "
            "dissent”.",
            None,
        ),
        (
            "Surowiecki, cited by Harris, says that “The test of a network must be its ability to "
            "withstand and accommodate dissent”.",
            "given to Surowiecki, but in harris",
        ),
        (
            "Hopkins and Jackson quote Sergiovanni (2001): “Schools need to be culturally tight and "
            "managerially loose.”",
            None,
        ),
        (
            "Hopkins and Jackson write: “Schools need to be culturally tight and managerially loose.”",
            "but in hopkins-jackson",
        ),
        (
            "Harris writes that leadership is “a lateral form of agency” and that “not everyone "
            "will be leading … at the same time”.",
            None,
        ),
        (
            "Harris writes that “not everyone will be leading … on the same day”.",
            "not word for word",
        ),
        (  # Harris quotes them, naming them in her footnote 19
            "Harris writes that where “leadership and organizational growth collide it is, by "
            "definition, dispersed or distributed”.",
            "given to Harris, but in harris",
        ),
        (
            "Hopkins and Jackson, cited by Harris: where “leadership and organizational growth "
            "collide it is, by definition, dispersed or distributed”.",
            None,
        ),
    ],
)
def test_the_check_catches_a_changed_word_and_a_wrong_author(unit, expected):
    found = quotations_in(unit, "example")
    assert found, f"no quotation found in {unit!r}"
    wrong = [problem for quotation in found for problem in problems(quotation)]
    if expected is None:
        assert not wrong, wrong
    else:
        assert len(wrong) == 1 and expected in wrong[0], wrong


def test_normalising_quotes_dashes_spaces_and_case():
    assert norm("‘Know  what’ – \n “how”…") == "'Know what' - 'how'..."
    assert _pieces("“…the routine handing out of tasks.”") == ["the routine handing out of tasks"]
    assert locate("The routine handing out of tasks") is not None
    assert locate("the routine handing down of tasks") is None

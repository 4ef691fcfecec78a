"""The package's layers (issue 14): models and html/ never load ipywidgets; HTML is made only in html/;
one table function; the views live in views/ and serving in server/."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "widgets_lib"


def modules(folder: Path, package: str) -> list[str]:
    return sorted(f"{package}.{p.stem}" for p in folder.glob("*.py") if p.stem != "__init__")


MODELS = modules(PACKAGE, "widgets_lib")
HTML = modules(PACKAGE / "html", "widgets_lib.html")


def loaded_by(module: str) -> set[str]:
    """The top-level packages a fresh interpreter has loaded after importing ``module``."""
    code = f"import json, sys, {module}; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return set(json.loads(done.stdout))


@pytest.mark.parametrize("module", MODELS + HTML)
def test_models_and_html_never_load_ipywidgets(module):
    assert "ipywidgets" not in loaded_by(module), (
        f"{module} loads ipywidgets: it belongs in views/, or an import does"
    )


def test_every_view_is_in_views_and_no_module_elsewhere_imports_ipywidgets():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"^\s*(import ipywidgets|from ipywidgets)", text, re.M):
            assert path.parent.name == "views", (
                f"{path.relative_to(PACKAGE)} imports ipywidgets outside views/"
            )
    assert not list(PACKAGE.glob("widget_*.py")), "views live in views/, without the widget_ prefix"


def test_tables_are_made_by_the_one_table_function():
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "html" / "common.py":
            continue
        assert "<table" not in path.read_text(encoding="utf-8"), (
            f"{path.relative_to(PACKAGE)} builds a table by hand: use widgets_lib.html.common.table"
        )


def test_svg_pictures_are_made_in_html():
    for path in PACKAGE.rglob("*.py"):
        if "html" in path.relative_to(PACKAGE).parts:
            continue
        assert "<svg" not in path.read_text(encoding="utf-8"), (
            f"{path.relative_to(PACKAGE)} draws SVG outside html/"
        )


def test_there_is_one_bar_chart():
    defined = [
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if re.search(r"^def \w*(bars|profile)\w*_svg\(", p.read_text(encoding="utf-8"), re.M)
    ]
    charts = [p for p in defined if p == "html/charts.py"]
    assert charts, "the bar chart lives in html/charts.py"
    for path in defined:
        if path != "html/charts.py":
            text = (PACKAGE / path).read_text(encoding="utf-8")
            for body in re.findall(r"^def \w*profile\w*_svg\(.*?(?=^def |\Z)", text, re.M | re.S):
                assert "bars_svg(" in body, (
                    f"a profile chart in {path} draws its own bars instead of bars_svg"
                )

"""Where the course's files live, whatever the working directory.

Voila runs each notebook with the notebook's folder as working directory, so
nothing may rely on the current directory.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent  # the checkout, when running from one


def _shipped(folder: str) -> Path:
    """``course`` or ``data``: the source tree's when running from a checkout (an editable
    install included), else the copy a wheel carries inside the package (pyproject.toml maps
    them there). A checkout is told by its ``pyproject.toml``, so a stray ``data/`` in
    site-packages is never taken for the course's."""
    root = REPO_DIR if (REPO_DIR / "pyproject.toml").is_file() else PACKAGE_DIR
    return root / folder


def data_dir() -> Path:
    """The folder of question banks and examples (``COURSE_DATA_DIR`` overrides)."""
    return Path(os.environ.get("COURSE_DATA_DIR", _shipped("data")))


def course_dir() -> Path:
    """The folder of lesson notebooks (``COURSE_DIR`` overrides)."""
    return Path(os.environ.get("COURSE_DIR", _shipped("course")))


def template_root() -> Path:
    """The ``share/jupyter`` folder holding the course's Voila template."""
    return PACKAGE_DIR / "server" / "share" / "jupyter"


@cache
def load_json(name: str) -> Any:
    """Read a JSON file of ``data/`` once per process."""
    with open(data_dir() / name, encoding="utf-8") as handle:
        return json.load(handle)

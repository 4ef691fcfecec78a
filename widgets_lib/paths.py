"""Where the course's files live, whatever the working directory.

Voila runs each notebook with the notebook's folder as working directory, so
nothing may rely on the current directory.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


def data_dir() -> Path:
    """The folder of question banks and examples (``COURSE_DATA_DIR`` overrides)."""
    return Path(os.environ.get("COURSE_DATA_DIR", REPO_DIR / "data"))


def course_dir() -> Path:
    """The folder of lesson notebooks (``COURSE_DIR`` overrides)."""
    return Path(os.environ.get("COURSE_DIR", REPO_DIR / "course"))


def template_root() -> Path:
    """The ``share/jupyter`` folder holding the course's Voila template."""
    return PACKAGE_DIR / "server" / "share" / "jupyter"


@lru_cache(maxsize=None)
def load_json(name: str) -> Any:
    """Read a JSON file of ``data/`` once per process."""
    with open(data_dir() / name, encoding="utf-8") as handle:
        return json.load(handle)

"""Where a benchmark writes what it measured: ``bench/results/<name>-<when>.json`` (git-ignored),
which ``run_all.py`` reads back for its table."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict:
    """What the figures were measured on."""
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def write(name: str, doc: dict, started: dt.datetime | None = None) -> Path:
    """Write ``doc`` as ``bench/results/<name>-<started>.json``, say where, and return the path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}-{(started or dt.datetime.now()):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"results: bench/results/{out.name}")
    return out

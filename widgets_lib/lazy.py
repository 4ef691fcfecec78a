"""Heavy libraries imported when first used, not when a module that may use them is imported
(issue 18): a lesson kernel that never draws or measures a network never loads numpy, networkx or
pyvis (``tests/notebooks/test_kernel_modules.py``), which saves it tens of megabytes and up to a
second of start-up.

    np = lazy_module("numpy")   # instead of: import numpy as np
    np.array(...)               # imports numpy here, the first time

Attributes are looked up on the real module once and then kept. Annotations that name the module
(``np.ndarray``) need ``from __future__ import annotations``.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for a module until one of its attributes is needed."""

    def __init__(self, name: str) -> None:
        self.__dict__["_lazy_name"] = name

    def _module(self) -> ModuleType:
        return importlib.import_module(self.__dict__["_lazy_name"])

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(self._module(), attribute)
        self.__dict__[attribute] = value  # found here directly from now on
        return value

    def __repr__(self) -> str:
        return f"<lazy module {self.__dict__['_lazy_name']!r}>"


def lazy_module(name: str) -> Any:
    """A stand-in for ``import name``, importing it at the first attribute used."""
    return LazyModule(name)

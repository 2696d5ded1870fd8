"""Shared helpers: the bundled formulas, temporary formula files, an independent forward pass."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
FORMULAS = ROOT / "formulas"


def bundled_text(name: str) -> str:
    return (FORMULAS / name).read_text(encoding="utf-8")


@pytest.fixture
def formula_file(tmp_path):
    """Write a formula file from TOML text and return its path."""
    def write(text: str, name: str = "f.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return write


def entry(latex: str, id: str = "f", kind: str = "chain") -> str:
    return f"[[formula]]\nid = \"{id}\"\ntitle = \"t\"\nkind = \"{kind}\"\nlatex = '''\n{latex}\n'''\n"


class Net:
    """A plain NumPy 2-2-2 (or any size) sigmoid network, written here without derive's help."""

    def __init__(self, sizes=(2, 2, 2)):
        self.sizes = sizes

    def loss(self, p: dict) -> float:
        a = [p[f"x_{i}"] for i in range(1, self.sizes[0] + 1)]
        for l in range(2, len(self.sizes) + 1):
            a = [1 / (1 + np.exp(-(sum(a[i - 1] * p[f"w_{{{j}{i}}}^{{({l})}}"]
                                       for i in range(1, self.sizes[l - 2] + 1)) + p[f"b_{j}^{{({l})}}"])))
                 for j in range(1, self.sizes[l - 1] + 1)]
        L = len(self.sizes)
        return 0.5 * sum((p[f"t_{i}^{{({L})}}"] - a[i - 1]) ** 2 for i in range(1, self.sizes[-1] + 1))

    def gradient(self, p: dict, name: str, h: float = 1e-6) -> float:
        up, down = dict(p), dict(p)
        up[name] += h
        down[name] -= h
        return (self.loss(up) - self.loss(down)) / (2 * h)


def as_floats(point: dict) -> dict:
    return {k: float(v) for k, v in point.items()}


def require_tool(name: str, install: str, fallback: str | None = None) -> str:
    """The path of a system tool; on CI its absence fails the test (.ci/system-packages.sh installs
    it), elsewhere the test is skipped."""
    import os
    import shutil
    found = shutil.which(name) or (fallback if fallback and os.path.exists(fallback) else None)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"{name} is missing on CI: .ci/system-packages.sh should have installed {install}")
    pytest.skip(f"{name} is not installed (apt-get install {install})")


def check_text(tmp_path, text: str, name: str = "post.md"):
    """derive.check on `text` written as `name` in tmp_path."""
    import derive
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return derive.check(path)


def line_of(text: str, snippet: str) -> int:
    """The number of the first line of `text` that holds `snippet`."""
    return next(k for k, line in enumerate(text.split("\n"), start=1) if snippet in line)

"""`derive init`: the CI files of a lecture repository, written for the lectures it holds.

Two files, at the top of the repository (the git work tree's top, else the current directory):

- `.github/workflows/derive.yml`, a GitHub Actions workflow that installs derive (the distribution
  `derive-backprop`; `derive` on the package index is another project) and runs
  `derive check <paths> --format github` on every push and pull request, then writes the HTML
  report and uploads it as the artifact `derive-report`;
- `.pre-commit-config.yaml`, a hook that runs `derive check` on the changed lecture files.

`<paths>` are the top-level folders (and files) that hold lectures with math or formula files,
found as `derive check .` would find them (.gitignore and [tool.derive] exclude respected); `.`
when there are none yet.  Nothing is overwritten: when either file exists, neither is written.
"""
from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .._version import __version__
from ..errors import DeriveError
from ..sources.documents import DOCUMENT_SUFFIXES, read_document
from ..sources.formula_files import FORMULA_SUFFIXES
from ..sources.scan import find_files, work_tree_top
from .config import load_config

WORKFLOW = Path(".github/workflows/derive.yml")
PRE_COMMIT = Path(".pre-commit-config.yaml")
DISTRIBUTION = "derive-backprop"      # derive's name on the package index ("derive" there is another project)
REPORT = "derive-report.html"
DOCUMENT_PATTERN = r"\.(?:md|markdown|tex|ipynb)"


class InitError(DeriveError):
    """CI files that exist already, or that cannot be written."""


@dataclass
class Written:
    """What `write_ci_files` wrote, and from where the workflow installs derive."""

    root: Path
    files: list[Path]
    paths: list[str]
    command: str
    install: str
    install_known: bool


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def repository_root(start: Path | None = None) -> Path:
    """The top of the git work tree holding `start` (default: the current directory), else `start`;
    found without running git (`sources.scan.work_tree_top`)."""
    start = (start or Path.cwd()).resolve()
    return work_tree_top(start) or start


def lecture_files(root: Path) -> tuple[list[Path], list[Path]]:
    """(documents with math, formula files) that `derive check .` would read in `root`."""
    try:
        config = load_config(root)
    except DeriveError:
        config = None
    exclude = config.exclude if config and config.root == root else []
    documents, formulas = [], []
    for path in find_files([root], FORMULA_SUFFIXES + DOCUMENT_SUFFIXES, exclude):
        if path.suffix.lower() in FORMULA_SUFFIXES:
            formulas.append(path)
            continue
        try:
            spans, _ = read_document(path)
        except DeriveError:
            continue
        if any(not sp.skipped for sp in spans):
            documents.append(path)
    return documents, formulas


def lecture_paths(root: Path, files: list[Path]) -> list[str]:
    """The top-level folders and files of `root` that hold `files`; ["."] when there are none."""
    tops = sorted({f.relative_to(root).parts[0] for f in files})
    return tops or ["."]


def install_source() -> tuple[str, bool]:
    """Where CI can install derive from: the URL (and commit) it was installed from, when pip
    recorded one (PEP 610); else its distribution on the package index, at this version.
    (spec, known: False when the package index is a guess the user should confirm)."""
    try:
        direct = metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        direct = None
    if direct:
        try:
            info = json.loads(direct)
        except ValueError:
            info = {}
        url, vcs = info.get("url", ""), info.get("vcs_info")
        if vcs and url:
            commit = vcs.get("commit_id")
            return f"{vcs.get('vcs', 'git')}+{url}" + (f"@{commit}" if commit else ""), True
        if url and not url.startswith("file:"):
            return url, True
    return f"{DISTRIBUTION}=={__version__}", False


def check_command(paths: list[str]) -> str:
    return "derive check " + " ".join(shlex.quote(p) for p in paths) + " --format github"


def report_command(paths: list[str]) -> str:
    """The workflow's second run: the HTML report, uploaded as an artifact whatever the verdicts."""
    return "derive check " + " ".join(shlex.quote(p) for p in paths) + f" -o {REPORT} || true"


def workflow_text(paths: list[str], install: str, known: bool) -> str:
    note = "" if known else (f"      # where to install derive from: {DISTRIBUTION} on the package index, or a git "
                             "URL of derive\n")
    return f"""# Written by `derive init`: proves (or refutes, with a counterexample) the backpropagation
# formulas of the lectures on every push and pull request; a mistake shows as an annotation on
# its line.
name: derive
on: [push, pull_request]
jobs:
  check:
    runs-on: ubuntu-latest
    env:
{note}      DERIVE: {json.dumps(install)}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install "$DERIVE"
      - run: {check_command(paths)}
      - run: {report_command(paths)}
        if: always()
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: derive-report
          path: {REPORT}
"""


def files_pattern(root: Path, paths: list[str], formulas: list[Path]) -> str:
    """The pre-commit `files` regex: lecture documents under `paths`, and the formula files found."""
    folders = [p for p in paths if p != "." and (root / p).is_dir()]
    singles = [p for p in paths if p != "." and not (root / p).is_dir()]
    singles += [f.relative_to(root).as_posix() for f in formulas]
    if "." in paths or not folders + singles:
        documents = [f".*{DOCUMENT_PATTERN}"]
    elif folders:
        documents = ["(?:" + "|".join(re.escape(d) for d in folders) + f")/.*{DOCUMENT_PATTERN}"]
    else:
        documents = []
    alternatives = documents + [re.escape(s) for s in sorted(set(singles))]
    return "^(?:" + "|".join(alternatives) + ")$"


def pre_commit_text(pattern: str, install: str, known: bool) -> str:
    language = (f"        language: python\n        additional_dependencies: [{json.dumps(install)}]\n"
                if known else "        language: system      # derive installed in the environment\n")
    quoted = "'" + pattern.replace("'", "''") + "'"
    return f"""# Written by `derive init`: checks the formulas of the changed lecture files before each commit.
repos:
  - repo: local
    hooks:
      - id: derive-check
        name: derive check
        entry: derive check
{language}        files: {quoted}
"""


def _create(path: Path, text: str) -> None:
    """Write a new file: never through a symbolic link (even a dangling one, which would create the
    file it names anywhere), never over a file that appeared meanwhile."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def write_ci_files(start: Path | None = None, install: str | None = None) -> Written:
    """Write the workflow and the pre-commit configuration; InitError when either exists."""
    root = repository_root(start)
    existing = [p.as_posix() for p in (WORKFLOW, PRE_COMMIT) if os.path.lexists(root / p)]   # a dangling link too
    if existing:
        them = "it" if len(existing) == 1 else "them"
        raise InitError(f"{' and '.join(existing)} exist{'s' if len(existing) == 1 else ''} already; "
                        f"derive init writes nothing over {them}", file=_shown(root / existing[0]),
                        expected="a repository without them (remove or edit them by hand)")
    documents, formulas = lecture_files(root)
    paths = lecture_paths(root, documents + formulas)
    known = install is not None
    if install is None:
        install, known = install_source()
    texts = {WORKFLOW: workflow_text(paths, install, known),
             PRE_COMMIT: pre_commit_text(files_pattern(root, paths, formulas), install, known)}
    try:
        for name, text in texts.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            _create(root / name, text)
    except OSError as e:
        raise InitError(f"cannot write {name}: {e.strerror or e}", file=str(root / name)) from None
    return Written(root, [root / n for n in texts], paths, check_command(paths), install, known)

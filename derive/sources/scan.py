"""Which files a folder scan checks, in a repository that holds more than lectures.

- A `.toml` file found in a folder is a formula file only when it has `[[formula]]` entries or a
  `[model]` table (a `pyproject.toml` is not one); one named explicitly is always read.
- `exclude` patterns (gitignore syntax: `drafts/`, `*.ipynb`, `book/_build`) leave out files and
  folders, matched against the path relative to the folder scanned and to the current directory;
  they apply to files named explicitly too (so a pre-commit hook honours them).
- Files that git ignores are left out of folder scans: inside a git work tree `git check-ignore`
  decides; elsewhere the `.gitignore` files of the folder scanned, of its subfolders and of the
  folders from the current directory down to it are read with `pathspec`.  A file named explicitly
  is checked whether ignored or not.
"""
from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

import pathspec

from ..errors import DeriveError
from ..runtime.bounds import current
from .files import read_input

SKIPPED_DIRS = {".git", "node_modules", "__pycache__", ".venv"}
_FORMULA_HEADER = re.compile(r"^[ \t]*(\[\[[ \t]*formula[ \t]*\]\]|\[[ \t]*model[ \t]*\])", re.M)


def is_formula_file(path: Path) -> bool:
    """Whether a TOML file holds formulas: a [[formula]] entry or a [model] table.  A file that is
    not valid TOML counts when such a header is in it (so that its error is reported), and so does
    one that cannot be read within the bounds (a FIFO, a link loop, a file too large: the run notes
    or reports it instead of reading it here)."""
    try:
        raw = read_input(path, current())
    except DeriveError:                 # NotRegular included
        return True
    try:
        data = tomllib.loads(raw)
    except RecursionError:              # nested too deeply to tell: read, so that its error is reported
        return True
    except (tomllib.TOMLDecodeError, ValueError):
        return _FORMULA_HEADER.search(raw) is not None
    return "formula" in data or "model" in data


class PatternError(DeriveError):
    """An exclude pattern that is not valid gitignore syntax."""


def exclusion(patterns) -> pathspec.PathSpec | None:
    """The exclude patterns as one matcher (None when there are none); PatternError on a bad one."""
    patterns = [p for p in patterns if p and p.strip()]
    for pattern in patterns:
        try:
            pathspec.GitIgnoreSpec.from_lines([pattern])
        except (ValueError, TypeError) as e:
            raise PatternError(f"not a valid exclude pattern: {pattern!r} ({e})",
                               expected="gitignore syntax, e.g. drafts/ or *.ipynb") from None
    return pathspec.GitIgnoreSpec.from_lines(patterns) if patterns else None


def _excluded(spec, path: Path, base: Path | None, is_dir: bool = False) -> bool:
    if spec is None:
        return False
    names = []
    for root in (base, Path.cwd()):
        if root is None:
            continue
        try:
            names.append(os.path.relpath(path.resolve(), root.resolve()))
        except ValueError:                      # another drive
            continue
    names.append(str(path))
    for name in names:
        if name.startswith(".."):
            continue
        name = Path(name).as_posix() + ("/" if is_dir else "")
        if name not in ("./", ".") and spec.match_file(name):
            return True
    return False


def find_files(paths, suffixes, exclude=(), gitignore: bool = True) -> list[Path]:
    """The files named by `paths`: folders searched (sorted; hidden and tool folders, excluded and
    ignored files left out), TOML files in folders kept only when they hold formulas."""
    spec = exclusion(exclude)
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if not path.is_dir():
            if not _excluded(spec, path, None):
                found.append(path)
            continue
        inside = []
        for folder, dirs, files in os.walk(path):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")
                             and not _excluded(spec, here / d, path, is_dir=True))
            for name in files:
                file = here / name
                if name.startswith(".") or file.suffix.lower() not in suffixes:
                    continue
                if _excluded(spec, file, path):
                    continue
                if file.suffix.lower() == ".toml" and not is_formula_file(file):
                    continue
                inside.append(file)
        if gitignore:
            ignored = ignored_files(path, inside)
            inside = [f for f in inside if f not in ignored]
        found += sorted(inside, key=lambda p: p.relative_to(path).parts)
    return list(dict.fromkeys(found))


def ignored_files(folder: Path, files: list[Path]) -> set[Path]:
    """The files among `files` (all under `folder`) that git would ignore."""
    if not files:
        return set()
    by_git = _git_ignored(folder, files)
    if by_git is not None:
        return by_git
    return _gitignore_files_ignored(folder, files)


def _git_ignored(folder: Path, files: list[Path]) -> set[Path] | None:
    """`git check-ignore` on the files; None when `folder` is not in a git work tree (or no git)."""
    try:
        inside = subprocess.run(["git", "-C", str(folder), "rev-parse", "--is-inside-work-tree"],
                                capture_output=True, text=True, timeout=30)
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return None
        names = [os.path.relpath(f, folder) for f in files]
        done = subprocess.run(["git", "-C", str(folder), "check-ignore", "--stdin", "-z"],
                              input="\0".join(names) + "\0", capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode not in (0, 1):
        return None
    ignored = {n for n in done.stdout.split("\0") if n}
    return {f for f, n in zip(files, names) if n in ignored}


def _valid(line: str) -> bool:
    """Whether a .gitignore line is a pattern pathspec can read (git, too, passes over bad ones)."""
    try:
        pathspec.GitIgnoreSpec.from_lines([line])
        return True
    except (ValueError, TypeError):
        return False


def _gitignore_files_ignored(folder: Path, files: list[Path]) -> set[Path]:
    """Outside git: the .gitignore files of `folder` and its subfolders, and of the folders between
    the current directory and `folder`, each for the paths below it."""
    specs = []
    here, top = folder.resolve(), Path.cwd().resolve()
    above = [p / ".gitignore" for p in here.parents if p == top or top in p.parents] if top in here.parents else []
    for gitignore in sorted(p for p in above if p.is_file()) + sorted(folder.rglob(".gitignore")):
        try:
            lines = gitignore.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        specs.append((gitignore.parent, pathspec.GitIgnoreSpec.from_lines([l for l in lines if _valid(l)])))
    ignored = set()
    for f in files:
        for base, spec in specs:
            try:
                name = f.resolve().relative_to(base.resolve()).as_posix()
            except ValueError:
                continue
            if spec.match_file(name):
                ignored.add(f)
                break
    return ignored

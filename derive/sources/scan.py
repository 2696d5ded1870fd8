"""Which files a folder scan checks, in a repository that holds more than lectures.

- A `.toml` file found in a folder is a formula file only when it has `[[formula]]` entries or a
  `[model]` table (a `pyproject.toml` is not one); one named explicitly is always read.
- `exclude` patterns (gitignore syntax: `drafts/`, `*.ipynb`, `book/_build`) leave out files and
  folders, matched against the path relative to the folder scanned and to the current directory;
  they apply to files named explicitly too (so a pre-commit hook honours them).
- Files that git ignores are left out of folder scans: the `.gitignore` files of the folder
  scanned, of its subfolders and of the folders above it up to the git work tree's top (outside
  one: up to the current directory), and `.git/info/exclude`, are read with `pathspec`.  git itself
  is never run: a scanned folder may carry a `.git/config` whose `core.fsmonitor` or hooks would
  run a command.  A file named explicitly is checked whether ignored or not.
- A symbolic link in a folder is followed only to a file inside the folder scanned; one leading
  out of it is skipped with a note (nothing of it is read or quoted).
"""
from __future__ import annotations

import os
import re
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


def find_files(paths, suffixes, exclude=(), gitignore: bool = True, skipped: list | None = None) -> list[Path]:
    """The files named by `paths`: folders searched (sorted; hidden and tool folders, excluded and
    ignored files left out), TOML files in folders kept only when they hold formulas.  A symbolic
    link found in a folder is followed only to a file inside that folder: one that leads out of it
    (to a credentials file, /etc/passwd, /proc/self/environ) is left out, and (name, why) added to
    `skipped`, so that no text of a file outside the folders scanned is ever quoted."""
    spec = exclusion(exclude)
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if not path.is_dir():
            if not _excluded(spec, path, None):
                found.append(path)
            continue
        inside, ignore_files = [], []
        root = path.resolve()
        for folder, dirs, files in os.walk(path):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")
                             and not _excluded(spec, here / d, path, is_dir=True))
            if ".gitignore" in files:
                ignore_files.append(here / ".gitignore")
            for name in sorted(files):
                file = here / name
                if name.startswith(".") or file.suffix.lower() not in suffixes:
                    continue
                if _excluded(spec, file, path):
                    continue
                if os.path.islink(file) and not _leads_inside(file, root):
                    if skipped is not None:
                        skipped.append((file, "a symbolic link to a file outside the folders checked: not followed"))
                    continue
                if file.suffix.lower() == ".toml" and not is_formula_file(file):
                    continue
                inside.append(file)
        if gitignore:
            ignored = ignored_files(path, inside, ignore_files)
            inside = [f for f in inside if f not in ignored]
        found += sorted(inside, key=lambda p: p.relative_to(path).parts)
    return list(dict.fromkeys(found))


def _leads_inside(link: Path, root: Path) -> bool:
    """Whether a symbolic link leads (through all its links) to a place inside `root`.  A loop or a
    dangling link counts as inside: reading it says so, and quotes nothing."""
    try:
        target = Path(os.path.realpath(link, strict=True))
    except (OSError, RuntimeError, ValueError):
        return True
    return target == root or root in target.parents


def work_tree_top(folder: Path) -> Path | None:
    """The top of the git work tree holding `folder` (the nearest folder above with a `.git`),
    found without running git: None outside one."""
    for here in (folder, *folder.parents):
        if os.path.lexists(here / ".git"):
            return here
    return None


def ignored_files(folder: Path, files: list[Path], inside: list[Path] | None = None) -> set[Path]:
    """The files among `files` (all under `folder`) that git would ignore, as git reads its
    `.gitignore` files: those of the folders from the work tree's top (else from the current
    directory) down to `folder`, of its subfolders (`inside`, else found here), and the work tree's
    `.git/info/exclude`.  No git is run: a scanned folder's own `.git/config` (a `core.fsmonitor`
    command, a hook) is never executed."""
    if not files:
        return set()
    here = folder.resolve()
    top = work_tree_top(here)
    if top is None:
        start = Path.cwd().resolve()
        top = start if start == here or start in here.parents else here
    above = [p / ".gitignore" for p in reversed(here.parents) if p == top or top in p.parents]
    if inside is None:
        inside = [Path(f) / ".gitignore" for f, _, names in os.walk(folder) if ".gitignore" in names]
    specs = []
    exclude_file = top / ".git" / "info" / "exclude"
    for gitignore, base in [(exclude_file, top)] + [(p, p.parent) for p in above] + \
            [(p.resolve(), p.resolve().parent) for p in sorted(inside)]:
        lines = _lines(gitignore)
        if lines:
            specs.append((base, pathspec.GitIgnoreSpec.from_lines([l for l in lines if _valid(l)])))
    ignored = set()
    for f in files:
        resolved = f.absolute() if os.path.islink(f) else f.resolve()
        for base, spec in specs:
            try:
                name = resolved.relative_to(base).as_posix()
            except ValueError:
                try:
                    name = f.resolve().relative_to(base).as_posix()
                except ValueError:
                    continue
            if spec.match_file(name):
                ignored.add(f)
                break
    return ignored


def _lines(path: Path) -> list[str]:
    """The lines of an ignore file, read as any input is (a regular file, non-blocking, bounded);
    none when it cannot be read."""
    if not os.path.lexists(path):
        return []
    try:
        return read_input(path, current()).splitlines()
    except DeriveError:
        return []


def _valid(line: str) -> bool:
    """Whether a .gitignore line is a pattern pathspec can read (git, too, passes over bad ones)."""
    try:
        pathspec.GitIgnoreSpec.from_lines([line])
        return True
    except (ValueError, TypeError):
        return False

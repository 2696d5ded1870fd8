"""A lecture repository's settings: the `[tool.derive]` table of its `pyproject.toml`.

    [tool.derive]
    paths = ["lectures", "book"]     # what `derive check` checks when given no paths
    exclude = ["drafts/", "book/_build"]
    timeout = 10
    model = "2-2-2"                  # or a TOML file with a [model] table
    format = "github"
    strict = true                    # an equation derive cannot read or model fails the run

The file is found in the current directory or the nearest folder above it (not above the git work
tree's top).  Paths (and a model file) are relative to the folder that holds it.  Options given on
the command line win; `--exclude` patterns are added to the table's.  An unknown key or a value of
the wrong type is a ConfigError with the file and line; so is a pyproject.toml that is not valid
TOML and has a [tool.derive] header (one without it is none of derive's business).
"""
from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DeriveError
from ..sources.scan import PatternError, exclusion

KEYS = ("paths", "exclude", "timeout", "model", "format", "run-code", "strict")
_TABLE = re.compile(r"^[ \t]*\[[ \t]*tool[ \t]*\.[ \t]*derive[ \t]*\]", re.M)


class ConfigError(DeriveError):
    """A [tool.derive] table that cannot be used."""


@dataclass
class Config:
    """The settings of one [tool.derive] table; `root` is the folder of its pyproject.toml."""

    file: Path
    root: Path
    paths: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    timeout: float | None = None
    model: str | None = None
    format: str | None = None
    run_code: bool = False          # run-code = true: as --run-code
    strict: bool = False            # strict = true: as --strict (an equation not checked fails the run)

    def path_args(self) -> list[str]:
        """The table's paths (the repository itself when it names none), as the command line would
        name them from the current directory."""
        return [_shown(self.root / p) for p in (self.paths or ["."])]

    def model_arg(self) -> str | None:
        """The model setting, a file made relative to the current directory when it is one."""
        if self.model and (self.root / self.model).is_file():
            return _shown(self.root / self.model)
        return self.model


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def find_pyproject(start: Path | None = None) -> Path | None:
    """The pyproject.toml of `start` (default: the current directory) or of the nearest folder above
    it, stopping at the top of a git work tree."""
    folder = (start or Path.cwd()).resolve()
    for here in (folder, *folder.parents):
        candidate = here / "pyproject.toml"
        if candidate.is_file():
            return candidate
        if (here / ".git").exists():
            return None
    return None


def find_repository(start: Path | None = None) -> Path | None:
    """The lecture repository `start` (default: the current directory) is in: the nearest folder,
    from it upwards, that holds a pyproject.toml or a .git; None outside any."""
    folder = (start or Path.cwd()).resolve()
    for here in (folder, *folder.parents):
        if (here / "pyproject.toml").is_file() or (here / ".git").exists():
            return here
    return None


def default_paths(config: Config | None, start: Path | None = None) -> list[str] | None:
    """What `derive check` and `derive export` read when given no paths -- the one rule:
    the paths of [tool.derive] when the table names them, else the repository the current
    directory is in (see `find_repository`), else None: outside any repository, the formulas
    bundled with derive."""
    if config is not None:
        return config.path_args()
    root = find_repository(start)
    return [_shown(root)] if root is not None else None


def _unknown(keys: list[str]) -> str:
    """`unknown key 'pahts' (did you mean 'paths'?)`, or the keys, when several."""
    if len(keys) == 1:
        return f"unknown key {keys[0]!r}" + _did_you_mean(keys[0], KEYS)
    return "unknown keys " + ", ".join(repr(k) + _did_you_mean(k, KEYS) for k in keys)


def _did_you_mean(word, choices) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word.lower().replace("_", "-"), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _key_line(lines: list[str], table_line: int, key: str) -> int:
    """The line of `key = ...` in the table that starts at `table_line` (else the table's line)."""
    pattern = re.compile(r"^[ \t]*(?:" + re.escape(key) + r"|\"" + re.escape(key) + r"\"|'" + re.escape(key)
                         + r"')[ \t]*=")
    for k in range(table_line, len(lines)):
        if re.match(r"^[ \t]*\[", lines[k]):
            break
        if pattern.match(lines[k]):
            return k + 1
    return table_line


def load_config(start: Path | None = None, formats=None) -> Config | None:
    """The [tool.derive] settings that apply here, or None when there are none."""
    file = find_pyproject(start)
    if file is None:
        return None
    shown = _shown(file)
    try:
        raw = file.read_text(encoding="utf-8")
        data = tomllib.loads(raw)
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read the file: {e}", file=shown) from None
    except tomllib.TOMLDecodeError as e:
        if not _TABLE.search(raw):              # not ours to judge: no settings for derive in it
            return None
        raise ConfigError(f"not valid TOML: {e}", file=shown, expected="a pyproject.toml") from None
    table = data.get("tool", {}).get("derive") if isinstance(data.get("tool"), dict) else None
    if table is None:
        return None
    lines = raw.split("\n")
    line = next((k + 1 for k, text in enumerate(lines) if _TABLE.match(text)), 1)

    def problem(message: str, expected: str, key: str | None = None) -> ConfigError:
        at = _key_line(lines, line, key) if key else line
        return ConfigError(f"[tool.derive]: {message}", file=shown, line=at, col=1,
                           source_line=lines[at - 1], expected=expected)

    if not isinstance(table, dict):
        raise problem("is not a table", "[tool.derive] with " + ", ".join(KEYS))
    unknown = [key for key in table if key not in KEYS]
    if unknown:
        raise problem(_unknown(unknown), "keys among " + ", ".join(KEYS), unknown[0])
    config = Config(file=file, root=file.parent)
    for key in ("paths", "exclude"):
        value = table.get(key, [])
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise problem(f"{key} must be a list of strings", f'{key} = ["..."]', key)
        setattr(config, key, value)
    try:
        exclusion(config.exclude)
    except PatternError as e:
        raise problem(f"exclude: {e.message}", e.expected, "exclude") from None
    if "timeout" in table:
        t = table["timeout"]
        if isinstance(t, bool) or not isinstance(t, (int, float)) or t < 0.1:
            raise problem(f"timeout must be a number of seconds (at least 0.1), not {t!r}", "timeout = 5", "timeout")
        config.timeout = float(t)
    if "model" in table:
        if not isinstance(table["model"], str) or not table["model"].strip():
            raise problem("model must be a string", 'model = "2-2-2" or a TOML file with a [model] table', "model")
        config.model = table["model"]
    if "run-code" in table:
        if not isinstance(table["run-code"], bool):
            raise problem(f"run-code must be true or false, not {table['run-code']!r}", "run-code = true",
                          "run-code")
        config.run_code = table["run-code"]
    if "strict" in table:
        if not isinstance(table["strict"], bool):
            raise problem(f"strict must be true or false, not {table['strict']!r}", "strict = true")
        config.strict = table["strict"]
    if "format" in table:
        if formats is not None and table["format"] not in formats:
            raise problem(f"unknown format {table['format']!r}" + _did_you_mean(table["format"], formats),
                          " or ".join(formats), "format")
        config.format = table["format"]
    return config

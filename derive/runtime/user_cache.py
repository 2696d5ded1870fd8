"""A cache folder of this user's own, for what is worth keeping between runs (lark's parse tables).

lark's `cache=True` pickle-loads a file with a predictable name in the shared temporary folder: any
local user could plant one there and run code in every run of derive.  So the grammar's tables are
kept only in a folder that this user alone can write, and verified before every use:

- `$XDG_CACHE_HOME/derive` (else `~/.cache/derive`), made with mode 0700;
- the folder, and a cache file in it, must be owned by this user, not be a symbolic link, and not
  be writable by the group or others; otherwise nothing is cached (the grammar is built afresh,
  about a tenth of a second) and nothing there is read.

`DERIVE_NO_CACHE=1` turns the cache off; so does a home folder that cannot be written.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

NO_CACHE = "DERIVE_NO_CACHE"


def _safe(info: os.stat_result, kind) -> bool:
    """Ours, of the kind expected, and writable by nobody else."""
    owner = os.getuid() if hasattr(os, "getuid") else info.st_uid
    return kind(info.st_mode) and info.st_uid == owner and not info.st_mode & 0o022


def cache_folder() -> Path | None:
    """This user's cache folder for derive, made when missing; None when there must be none (turned
    off, no home, or a folder that is not safely this user's)."""
    if os.environ.get(NO_CACHE, "").strip() not in ("", "0"):
        return None
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    try:
        base_path = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
        folder = base_path / "derive"
        try:
            os.makedirs(base_path, mode=0o700, exist_ok=True)
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
        info = os.lstat(folder)
    except (OSError, RuntimeError, KeyError):
        return None
    if not _safe(info, stat.S_ISDIR) or info.st_mode & 0o077:
        return None
    return folder


def cache_file(name: str) -> str | None:
    """The path of the cache file `name` in this user's cache folder, when it is safe to read (or
    absent, to be written); None when nothing may be cached."""
    folder = cache_folder()
    if folder is None or "/" in name or name.startswith("."):
        return None
    path = folder / name
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return str(path)
    except OSError:
        return None
    return str(path) if _safe(info, stat.S_ISREG) else None


__all__ = ["NO_CACHE", "cache_file", "cache_folder"]

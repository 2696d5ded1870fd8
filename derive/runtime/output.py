"""Writing a report or a handout to a file (`-o`): nothing destroyed, nothing surprising.

- Only a regular file is written.  A symbolic link is written through to the regular file it
  names (the link stays a link); a link or a name that leads to anything else (a device such as
  `/dev/null`, `/dev/stdout`, a FIFO, a socket, a folder) is refused: leave out `-o` to write to
  standard output.
- Never a file the run reads or was configured from: an input, the `--model` TOML, the
  `pyproject.toml` holding `[tool.derive]`, `derive example --values` (the same file by any name:
  a symbolic link, a hard link, `./x`).
- Written atomically: a temporary file beside the target, renamed into place, so a reader never
  sees half a report and a failed write leaves the old file as it was.  Its mode follows the
  umask (0644 under 022), as any other file the user writes; an existing file keeps its mode.
- Where it cannot be written (no such folder, no permission, a read-only file system) is found
  before the run, by creating and removing a file there, so that minutes of checking are not lost;
  a write that fails anyway (a disk full) is an `OutputError` naming the cause, never a bug.
"""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from ..errors import DeriveError, safe_text

KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
         (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))
STDOUT = "leave out -o to write to standard output"


class OutputError(DeriveError):
    """An output file that may not or cannot be written (an environment error, not a bug)."""


def _kind(mode: int) -> str:
    return next((k for test, k in KINDS if test(mode)), "not a regular file")


def target_of(output: str) -> Path:
    """The regular file `-o output` writes: the name itself, or where its symbolic links lead.
    OutputError when that is not a regular file (or a file still to be made in an existing folder)."""
    shown = safe_text(output)
    path = Path(output)
    try:
        real = Path(os.path.realpath(path, strict=False))
    except (OSError, RuntimeError, ValueError):
        raise OutputError(f"{shown!r}: a symbolic link loop; not written", expected=STDOUT) from None
    try:
        info = os.stat(real)
    except FileNotFoundError:
        info = None
    except OSError as e:
        raise OutputError(f"{shown!r}: {e.strerror or e}; not written", expected=STDOUT) from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        led = f" (it leads to {safe_text(str(real))})" if real != path.absolute() else ""
        raise OutputError(f"{shown!r} is {_kind(info.st_mode)}{led}, not a regular file; -o writes regular "
                          "files only", expected=STDOUT)
    folder = real.parent
    if not folder.is_dir():
        raise OutputError(f"{shown!r}: the folder {safe_text(str(Path(output).parent))!r} does not exist",
                          expected="an existing folder (make it first)")
    return real


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.realpath(a) == os.path.realpath(b) or os.path.samefile(a, b)
    except (OSError, RuntimeError, ValueError):
        return False


def check_output(output: str | None, read: list, configured: list = ()) -> Path | None:
    """Everything that can be known before the run about `-o output`: the regular file it writes
    (returned), none of the files the run reads (`read`) or was configured from (`configured`), in a
    folder where a file can be made.  OutputError otherwise."""
    if not output:
        return None
    target = target_of(output)
    shown = safe_text(output)
    for given, what in [(p, "one of the inputs") for p in read] + [(p, c) for p, c in configured]:
        if given and _same(Path(given), target):
            raise OutputError(f"{shown!r} is {what}; the report would overwrite it",
                              expected="another file name for -o")
    probe(target)
    return target


def probe(target: Path) -> None:
    """Make and remove a file beside `target`: an OutputError now rather than after the run."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".probe", dir=target.parent)
        os.close(fd)
        os.unlink(name)
    except OSError as e:
        raise OutputError(f"cannot write in the folder {safe_text(str(target.parent))!r}: {e.strerror or e}",
                          expected="a folder where you may write (or leave out -o)") from None


def umask() -> int:
    """The process's umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_output(output: str, text: str | bytes) -> Path:
    """Write `text` to the regular file `-o output` names, atomically, with the mode a new file
    gets from the umask (an existing file keeps its own).  OutputError when it cannot."""
    target = target_of(output)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = 0o666 & ~umask()
    temporary = None
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with (os.fdopen(fd, "wb") if isinstance(text, bytes) else os.fdopen(fd, "w", encoding="utf-8")) as out:
            out.write(text)
            out.flush()
            os.fchmod(out.fileno(), mode)
        os.replace(temporary, target)
        temporary = None
    except OSError as e:
        raise OutputError(f"cannot write {safe_text(output)!r}: {e.strerror or e} (nothing was changed there)",
                          expected="room on the disk and a folder where you may write") from None
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass
    return target


__all__ = ["OutputError", "check_output", "probe", "target_of", "umask", "write_output"]

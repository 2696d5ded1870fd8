"""Reading a file as data: a regular file (never a FIFO, device or socket: those are `NotRegular`),
read without blocking, at most `Bounds.file_size` bytes of it, decoded from UTF-8 (or UTF-16/32 with a
byte-order mark); a byte that is not UTF-8 is an error at its line and column."""
from __future__ import annotations

import codecs
import errno
import os
import stat

from ..errors import DeriveError
from ..runtime.bounds import Bounds, option


class NotRegular(DeriveError):
    """A path that is not a regular file (a FIFO, a device, a socket, a folder): never read."""


KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
         (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def read_input(path, bounds: Bounds, display: str | None = None) -> str:
    """The text of a regular file, read without blocking, at most `bounds.file_size` bytes.

    Raises NotRegular for anything else (a FIFO is opened non-blocking, so it never hangs), and
    DeriveError for a file too large, unreadable or not in UTF-8 (UTF-16/32 with a BOM are read)."""
    name = display or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        if e.errno == getattr(errno, "ELOOP", -1):
            raise NotRegular("a symbolic link loop: not followed", file=name) from None
        raise DeriveError(f"cannot read the file: {e.strerror or e}", file=name) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((k for test, k in KINDS if test(info.st_mode)), "not a regular file")
            raise NotRegular(f"{kind}, not a regular file: not read", file=name)
        if info.st_size > bounds.file_size:
            raise _too_large(name, info.st_size, bounds)
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, bounds.file_size + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > bounds.file_size:       # grew while read, or a file that lies about its size
                raise _too_large(name, size, bounds)
    except OSError as e:
        raise DeriveError(f"cannot read the file: {e.strerror or e}", file=name) from None
    finally:
        os.close(fd)
    return decode(b"".join(chunks), name)


def _too_large(name: str, size: int, bounds: Bounds) -> DeriveError:
    return DeriveError(f"the file has {size:,} bytes or more: past the bound of {bounds.file_size:,} bytes; not read",
                       file=name, expected=f"a smaller file ({option('file_size')}=BYTES)")


def decode(data: bytes, name: str) -> str:
    """UTF-8 (a BOM is dropped), or UTF-16/32 with a BOM; otherwise an error at the first bad byte."""
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), "utf-8")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        good = data[:e.start].decode(encoding, errors="replace")
        line = good.count("\n") + 1
        col = len(good) - (good.rfind("\n") + 1) + 1
        source = good[good.rfind("\n") + 1:]
        label = encoding.replace("-sig", "").upper()
        raise DeriveError(f"not {label} text: byte 0x{data[e.start]:02x} cannot be decoded", file=name,
                          line=line, col=col, source_line=source,
                          expected=f"a text file in UTF-8 (or UTF-16 with a byte-order mark)") from None
    return text[1:] if text.startswith("\ufeff") else text

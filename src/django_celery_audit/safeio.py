"""Reading files that may be hostile: only regular files, never blocking, never without bound."""

from __future__ import annotations

import os
import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def describe_mode(mode: int) -> str:
    for test, words in _KINDS:
        if test(mode):
            return words
    return "not a regular file"


class NotRegularFile(OSError):
    """Raised instead of reading a FIFO, device or socket (reading one can hang or never end)."""


def read_regular_file(path: Path | str, limit: int) -> bytes:
    """The bytes of a regular file, at most ``limit + 1`` of them (so callers can tell "too big").

    The file is opened without blocking and checked with ``fstat`` on the open descriptor, so a
    FIFO or device that replaced the file after discovery is refused rather than read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(f"not a regular file ({describe_mode(mode)})")
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)

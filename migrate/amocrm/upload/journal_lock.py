"""One upload per journal at a time: an exclusive lock held from the journal's open to its close.

Two runs of the same upload started a second apart both read "nothing created yet" and both send every
row: the account gets each lead twice. So the journal is locked with `flock` on a file beside it
(`<journal>.lock`; SQLite's own locks cover single transactions, not a whole run). The lock file records
who holds it — pid, host, start time — so the second run can say which run to wait for. The kernel drops
the lock when its process ends, even on SIGKILL, so a crash never leaves a stale lock behind; the small
file itself stays and is reused.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from ...core.issues import MigrateError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: msvcrt locks a byte range instead
    fcntl = None  # type: ignore[assignment]
    import msvcrt


class JournalBusy(MigrateError):
    """Another run holds the journal (exit 2, at once)."""


@dataclass
class JournalLock:
    path: Path
    fd: int

    @classmethod
    def acquire(cls, journal: Path) -> JournalLock:
        """Take the lock or raise JournalBusy naming the run that holds it; never waits."""
        path = journal.with_name(journal.name + ".lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock(fd)
        except OSError:
            holder = _holder(fd)
            os.close(fd)
            raise JournalBusy(
                f"Journal {journal} is in use by another upload ({holder}). Two runs on one journal would send "
                "the same rows twice. Wait for that run to finish (or stop it), then run again."
            ) from None
        os.ftruncate(fd, 0)
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S %z")}
        os.pwrite(fd, json.dumps(info).encode(), 0)
        return cls(path, fd)

    def release(self) -> None:
        if self.fd >= 0:
            os.ftruncate(self.fd, 0)
            os.close(self.fd)  # closing the descriptor releases the lock
            self.fd = -1


def _lock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:  # pragma: no cover
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)


def _holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f"pid {info['pid']} on {info['host']}, started {info['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "a run that has not written its details yet"

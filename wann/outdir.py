"""Output folders: checked writable before any work starts, and held by one writer at a time.

A sweep or a comparison that runs for minutes and then fails to write its results loses all
of them; so every command that writes a folder calls `check_writable` first. A run folder is
also locked (`RunLock`) while a run writes it: two `wann evolve --out X` at once would
otherwise interleave their files and silently lose one run.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path

from wann import WannError

LOCK_NAME = ".wann.lock"


def check_writable(folder: str | Path, what: str = "output folder") -> Path:
    """Raise WannError unless `folder` is, or can be made, a folder we can write files in.

    Leaves nothing behind: folders made for the check are removed again (the command makes
    them when it writes), so a refused command writes nothing.
    """
    p = Path(folder)
    if p.exists() and not p.is_dir():
        raise WannError(f"{what} {str(p)!r} is a file, not a folder")
    missing = []
    q = p
    while not q.exists() and q != q.parent:
        missing.append(q)
        q = q.parent
    if not q.is_dir():
        raise WannError(f"{what} {str(p)!r} cannot be made: {str(q)!r} is a file, not a folder")
    made: list[Path] = []
    try:
        for d in reversed(missing):
            d.mkdir()
            made.append(d)
        fd, probe = tempfile.mkstemp(dir=p, prefix=".wann-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise WannError(f"{what} {str(p)!r} is not writable: {exc.strerror or exc}") from None
    finally:
        for d in reversed(made):
            try:
                d.rmdir()
            except OSError:
                pass
    return p


def check_writable_file(path: str | Path, what: str = "output file") -> Path:
    """Raise WannError unless a file can be written at `path` (its folder checked as above)."""
    p = Path(path)
    if p.is_dir():
        raise WannError(f"{what} {str(p)!r} is a folder, not a file")
    check_writable(p.parent if str(p.parent) else Path("."), f"the folder of {what} {str(p)!r},")
    return p


class RunLock:
    """An exclusive lock on a run folder, held from before the first write to the end.

    Uses flock(2) on `.wann.lock` in the folder: the kernel releases it when the holder exits,
    however it exits (SIGKILL included), so a lock left by a dead run never blocks the next
    one. The file records the holder's pid, for the message to a second writer.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._fd = self._lock(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666))
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)
        return self

    def _lock(self, fd: int) -> int:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise WannError(
                f"run folder {str(self.folder)!r} is in use by another wann process "
                f"(pid {holder}); wait for it to end, or choose another --out"
            ) from None
        return fd

    @classmethod
    def check_free(cls, folder: str | Path) -> None:
        """Raise the in-use error if another process holds `folder`; take and hold nothing."""
        path = Path(folder) / LOCK_NAME
        if not path.is_file():
            return
        lock = cls(folder)
        fd = lock._lock(os.open(path, os.O_RDONLY))
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

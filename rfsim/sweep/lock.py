"""One writer per sweep store: an advisory lock that dies with its process.

``rfsim sweep`` (new or ``--resume``) holds an exclusive ``flock`` on
``STORE.lock`` from before it reads the store until it has closed it; a second
writer on the same store is refused at once (one line, exit status 2) instead
of interleaving its rows.  The kernel drops the lock when the process ends,
however it ends, so a SIGKILLed sweep never leaves the store locked; the lock
file itself is removed on a normal exit (a SIGKILL leaves it, empty of meaning,
and the next sweep takes it over).  Readers (``rfsim sweep-report``) take no
lock.  Without ``fcntl`` (Windows) there is no lock.
"""

from __future__ import annotations

import os
from pathlib import Path

from rfsim.errors import ConfigError


def lock_path(store) -> Path:
    """Path of the lock file of the store ``store`` (symbolic links resolved,
    so that two names of one store share one lock)."""
    store = Path(store).resolve()
    return store.with_name(store.name + ".lock")


class StoreLock:
    """Exclusive lock on a store (context manager).

    Parameters
    ----------
    store : path
        The store, as the user named it (for the message).
    key : str
        The flag that named it (``--out``), for the message.
    """

    def __init__(self, store, key: str = "--out"):
        self.store, self.key = store, key
        self.path = lock_path(store)
        self.fd = None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:
            return self
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as e:
                raise ConfigError(self.key, str(self.store), f"cannot create its lock file {self.path.name} "
                                                            f"({e.strerror})") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
                os.close(fd)
                raise ConfigError(self.key, str(self.store), f"another rfsim sweep (pid {holder}) is writing this "
                                                            "store; wait for it to end, or choose another file")
            # the holder before us unlinks the file before it lets go: if ours
            # is no longer the file at the path, lock the one that is
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return self

    def __exit__(self, *exc):
        if self.fd is not None:
            # unlink while still holding the lock, so nobody locks a file that
            # is about to disappear (see the check in __enter__)
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            os.close(self.fd)
            self.fd = None
        return False

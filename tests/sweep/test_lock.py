"""The store lock (rfsim.sweep.lock): one writer at a time, no lock left behind."""

import os

import pytest

from rfsim.errors import ConfigError
from rfsim.sweep.lock import StoreLock, lock_path


def test_a_second_writer_is_refused_and_the_lock_file_goes_away(tmp_path):
    store = tmp_path / "s.h5"
    with StoreLock(store):
        assert lock_path(store).read_text() == f"{os.getpid()}\n"
        with pytest.raises(ConfigError) as e:
            with StoreLock(store, key="--resume"):
                pass
        assert e.value.key == "--resume" and f"pid {os.getpid()}" in str(e.value)
        assert "\n" not in str(e.value)
    assert not lock_path(store).exists()
    with StoreLock(store):  # free again
        pass


def test_a_lock_file_left_by_a_killed_sweep_is_taken_over(tmp_path):
    store = tmp_path / "s.h5"
    lock_path(store).write_text("12345\n")  # nobody holds it: a SIGKILL leaves the file, not the lock
    with StoreLock(store):
        assert lock_path(store).read_text() == f"{os.getpid()}\n"
    assert not lock_path(store).exists()


def test_two_names_of_one_store_share_the_lock(tmp_path):
    store = tmp_path / "s.h5"
    store.write_bytes(b"")
    (tmp_path / "link.h5").symlink_to(store)
    with StoreLock(store):
        with pytest.raises(ConfigError):
            with StoreLock(tmp_path / "link.h5"):
                pass

"""A killed SQLite test run leaves its database file (…_<pid>.sqlite3, -wal, -shm) in the
temporary directory; the next run of the same checkout removes those whose process is gone."""
import os
import subprocess
import sys

from tests.conftest import sqlite_orphelines_supprimer


def _pid_mort() -> int:
    processus = subprocess.Popen([sys.executable, "-c", "pass"])
    processus.wait()
    return processus.pid


def test_files_of_a_dead_run_go_and_a_live_run_s_and_another_checkout_s_stay(tmp_path):
    mort, vivant = _pid_mort(), os.getpid()
    for nom in (f"akig_ops_test_main_{mort}.sqlite3", f"akig_ops_test_main_{mort}.sqlite3-wal",
                f"akig_ops_test_main_{mort}.sqlite3-shm", f"akig_ops_test_main_{vivant}.sqlite3",
                f"akig_ops_test_lead_{mort}.sqlite3", "akig_ops_test_main_x.sqlite3", "autre.txt"):
        (tmp_path / nom).write_text("")

    supprimes = sqlite_orphelines_supprimer(tmp_path / f"akig_ops_test_main_{vivant}.sqlite3")

    assert sorted(f.name for f in supprimes) == [
        f"akig_ops_test_main_{mort}.sqlite3", f"akig_ops_test_main_{mort}.sqlite3-shm",
        f"akig_ops_test_main_{mort}.sqlite3-wal"]
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted([
        f"akig_ops_test_main_{vivant}.sqlite3", f"akig_ops_test_lead_{mort}.sqlite3",
        "akig_ops_test_main_x.sqlite3", "autre.txt"])


def test_a_name_without_a_pid_removes_nothing(tmp_path):
    (tmp_path / f"base_{_pid_mort()}.sqlite3").write_text("")

    assert sqlite_orphelines_supprimer(tmp_path / "base.sqlite3") == []
    assert len(list(tmp_path.iterdir())) == 1

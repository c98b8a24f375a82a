"""Tests for xl_risk.files: a file is replaced whole or not at all."""

import errno
import os

import pytest

from xl_risk.files import replace_whole


def test_replace_whole_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("old")
    os.chmod(path, 0o640)

    replace_whole(path, lambda temp: temp.write_text("new"))

    assert path.read_text() == "new"
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]


def test_replace_whole_new_file_gets_the_given_mode(tmp_path):
    path = tmp_path / "report.xlsx"

    replace_whole(path, lambda temp: temp.write_bytes(b"x"), mode=0o644)

    assert path.stat().st_mode & 0o777 == 0o644


def test_replace_whole_failure_keeps_the_old_file_and_names_the_target(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("old")

    def fail(temp):
        temp.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device", str(temp))

    with pytest.raises(OSError, match="No space left on device") as err:
        replace_whole(path, fail)

    assert err.value.filename == str(path)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]

"""``found bstore ...``: the subcommands bstore adds to the ``found`` command line."""

from __future__ import annotations

import hashlib
import io
import random
import re
from pathlib import Path

import pytest

import found.stores
import found_bstore as bstore
from found.cli import main

PREFIX = "('files',)"


@pytest.fixture(autouse=True)
def _wide_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every installed store on, and tables as wide as their content."""
    monkeypatch.delenv(found.stores.LOAD_STORES_ENV, raising=False)
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def target(tmp_path: Path) -> str:
    """An empty sqlite:// file."""
    return f"sqlite://{tmp_path / 'files.found'}"


@pytest.fixture
def data() -> bytes:
    """350 kB of random bytes: four chunks, the last one short."""
    return random.Random(9).randbytes(350_000)


def _put(capsys: pytest.CaptureFixture[str], target: str, path: Path) -> str:
    assert main(["bstore", "put", target, "--prefix", PREFIX, str(path)]) == 0
    return capsys.readouterr().out.strip()


def test_put_then_get_gives_the_file_back(
    tmp_path: Path, target: str, data: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    """put prints the content's uid; get -o writes exactly the bytes that were put."""
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    uid = _put(capsys, target, source)
    assert uid == str(bstore.uid_for(data))
    copy = tmp_path / "copy.bin"
    assert main(["bstore", "get", target, "--prefix", PREFIX, uid, "-o", str(copy)]) == 0
    assert copy.read_bytes() == data
    assert not (tmp_path / "copy.bin.part").exists()


def test_get_to_standard_output(
    tmp_path: Path, target: str, data: bytes, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Without -o the bytes go to standard output, and nothing else does."""
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    assert main(["bstore", "put", target, "--prefix", PREFIX, str(source)]) == 0
    uid = capsysbinary.readouterr().out.decode().strip()
    assert main(["bstore", "get", target, "--prefix", PREFIX, uid]) == 0
    assert capsysbinary.readouterr().out == data


def test_put_from_standard_input(
    target: str, data: bytes, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """FILE '-' reads standard input; the same bytes get the same uid."""
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["bstore", "put", target, "--prefix", PREFIX, "-"]) == 0
    assert capsys.readouterr().out.strip() == str(bstore.uid_for(data))


def test_stat_delete_and_gc(
    tmp_path: Path, target: str, data: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    """stat shows size, SHA-256 and references; delete counts down; gc reclaims the bytes."""
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    uid = _put(capsys, target, source)
    assert _put(capsys, target, source) == uid  # stored once, two references
    assert main(["bstore", "stat", target, "--prefix", PREFIX, uid]) == 0
    out = capsys.readouterr().out
    assert "350,000 bytes" in out
    assert hashlib.sha256(data).hexdigest() in out
    assert re.search(r"references\s*│ 2 ", out)
    assert main(["bstore", "delete", target, "--prefix", PREFIX, uid]) == 0
    assert "1 references left" in capsys.readouterr().out
    assert main(["bstore", "delete", target, "--prefix", PREFIX, uid]) == 0
    assert "0 references left (gone" in capsys.readouterr().out
    assert main(["bstore", "gc", target, "--prefix", PREFIX, "--older-than", "0"]) == 0
    assert "collected 1 blobs and 0 abandoned uploads, 350,000 bytes" in capsys.readouterr().out


def test_errors_are_one_line_and_leave_no_file(
    tmp_path: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown uid, a bad uid and a missing file: one line, status 1, no partial output."""
    missing = str(bstore.uid_for(b"never stored"))
    copy = tmp_path / "copy.bin"
    assert main(["bstore", "get", target, "--prefix", PREFIX, missing, "-o", str(copy)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "does not exist" in err
    assert not copy.exists()
    assert not (tmp_path / "copy.bin.part").exists()
    assert main(["bstore", "stat", target, "--prefix", PREFIX, "not-a-uid"]) == 1
    assert "'not-a-uid' is not a blob uid" in capsys.readouterr().err
    assert main(["bstore", "put", target, "--prefix", PREFIX, str(tmp_path / "nope")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "No such file" in err

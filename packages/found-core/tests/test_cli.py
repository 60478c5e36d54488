"""The ``found`` command: stores, doctor, and single-key reads and writes on a real file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import found
from found.cli import describe_key, main, parse_literal


def test_stores_json_lists_each_installed_store(capsys: pytest.CaptureFixture[str]) -> None:
    """``found stores --json`` prints one record per store the registry knows."""
    assert main(["stores", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in records] == found.stores.names()
    assert all({"name", "distribution", "version", "module"} <= set(r) for r in records)


def test_set_get_scan_clear_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Keys written by ``found set`` are read back decoded by get and scan, and cleared."""
    target = f"sqlite://{tmp_path / 'cli.found'}"
    assert main(["set", target, "('user', 1)", "('alice', 30)"]) == 0
    assert main(["set", target, "b'raw'", "'text'"]) == 0
    capsys.readouterr()
    assert main(["get", target, "('user', 1)"]) == 0
    assert capsys.readouterr().out.strip() == "('alice', 30)"
    assert main(["scan", target, "--prefix", "('user',)"]) == 0
    out = capsys.readouterr().out
    assert "('user', 1)" in out
    assert "b'raw'" not in out
    assert main(["clear", target, "('user', 1)"]) == 0
    assert main(["get", target, "('user', 1)"]) == 1
    assert "(absent)" in capsys.readouterr().out


def test_errors_are_one_line_and_exit_one(capsys: pytest.CaptureFixture[str]) -> None:
    """A bad target or literal prints one line on stderr, no traceback, and exits 1."""
    assert main(["get", "nope://x", "('a',)"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "unknown database scheme 'nope'" in err
    assert main(["get", "memory://", "not a literal"]) == 1
    assert "not a Python literal" in capsys.readouterr().err


def test_literals_are_tuples_or_bytes() -> None:
    """Tuples pack with the tuple layer, bytes stay raw, and other types are refused."""
    assert parse_literal("('a', 1)", "key") == found.pack(("a", 1))
    assert parse_literal("b'\\x00'", "key") == b"\x00"
    assert parse_literal("'v'", "value") == b"v"
    with pytest.raises(found.UsageError, match="tuple or bytes"):
        parse_literal("42", "key")


def test_keys_show_as_tuples_only_when_they_are_tuples() -> None:
    """A canonical tuple encoding shows as a tuple; anything else as escaped bytes."""
    assert describe_key(found.pack(("a", 1))) == "('a', 1)"
    assert describe_key(b"\x02abc") == repr(b"\x02abc")  # not terminated: not a tuple
    assert describe_key(found.pack(("a",)), raw=True) == repr(found.pack(("a",)))


def test_doctor_reports_engines(capsys: pytest.CaptureFixture[str]) -> None:
    """``found doctor`` names each engine and says whether it can be used."""
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    for engine in ("memory://", "sqlite://", "fdb://"):
        assert engine in out


def test_store_plugins_add_subcommands(monkeypatch: pytest.MonkeyPatch) -> None:
    """A store's found_register_commands hook adds a subcommand that runs."""
    import types

    calls: list[str] = []
    plugin = types.ModuleType("fake_store")

    def hello(args: Any) -> int:
        calls.append(args.who)
        return 0

    def found_register_commands(register: Any) -> None:
        parser = register("fake-hello", "say hello", hello)
        parser.add_argument("who")

    plugin.found_register_commands = found_register_commands  # type: ignore[attr-defined]
    monkeypatch.setattr(found.stores, "names", lambda: ["fake"])
    monkeypatch.setattr(found.stores, "load", lambda name: plugin)
    assert main(["fake-hello", "world"]) == 0
    assert calls == ["world"]

"""``found nstore ...``: the subcommands nstore adds to the ``found`` command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import found
import found.stores
from found.cli import main
from found_nstore import NStoreException, var
from found_nstore._cli import parse_pattern

PREFIX = "('kb',)"


@pytest.fixture(autouse=True)
def _wide_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every installed store on, and tables as wide as their content."""
    monkeypatch.delenv(found.stores.LOAD_STORES_ENV, raising=False)
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def target(tmp_path: Path) -> str:
    """A sqlite:// file holding a small family graph."""
    where = f"sqlite://{tmp_path / 'kb.found'}"
    for triple in (("ann", "parent", "bob"), ("ann", "parent", "bea"), ("bob", "parent", "cid")):
        assert main(["nstore", "add", where, "--prefix", PREFIX, *triple]) == 0
    assert main(["nstore", "add", where, "--prefix", PREFIX, "bea", "age", "41"]) == 0
    return where


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, object]]:
    assert main(["nstore", "query", *argv, "--json"]) == 0
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return rows


def test_a_join_finds_the_grandchildren(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Two patterns sharing a variable are joined; the columns are the variables, in order."""
    capsys.readouterr()
    argv = [target, "--prefix", PREFIX, "('ann', 'parent', child)", "(child, 'parent', grand)"]
    assert main(["nstore", "query", *argv]) == 0
    out = capsys.readouterr().out
    assert "1 results" in out
    header = next(line for line in out.splitlines() if "child" in line)
    assert header.index("child") < header.index("grand")
    assert "│ bob   │ cid   │" in out
    assert _json(capsys, *argv) == [{"child": "bob", "grand": "cid"}]


def test_items_are_literals_or_text(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``41`` was stored as an int: it matches 41, not '41'."""
    capsys.readouterr()
    assert _json(capsys, target, "--prefix", PREFIX, "(who, 'age', 41)") == [{"who": "bea"}]
    assert _json(capsys, target, "--prefix", PREFIX, "(who, 'age', '41')") == []


def test_remove_and_limit(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A removed tuple is gone; --limit stops early and says so."""
    assert main(["nstore", "remove", target, "--prefix", PREFIX, "ann", "parent", "bea"]) == 0
    capsys.readouterr()
    assert _json(capsys, target, "--prefix", PREFIX, "('ann', 'parent', c)") == [{"c": "bob"}]
    argv = ["nstore", "query", target, "--prefix", PREFIX, "(s, p, o)", "--limit", "2"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "2 results" in out
    assert "stopped at --limit 2" in out


def test_n_is_read_from_the_store(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A pattern of the wrong length fails with one line naming the store's n."""
    capsys.readouterr()
    assert main(["nstore", "query", target, "--prefix", PREFIX, "(a, 'parent')"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "holds 3 items per tuple; the pattern has 2" in err
    assert main(["nstore", "add", target, "--prefix", PREFIX, "x", "y"]) == 1
    assert "holds 3 items per tuple" in capsys.readouterr().err


def test_bad_input_is_one_line(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Bad patterns and prefixes: one line on stderr, status 1, no traceback."""
    capsys.readouterr()
    for argv, message in [
        ([target, "--prefix", PREFIX, "(a, 'b', f(x))"], "neither a literal nor a variable"),
        ([target, "--prefix", PREFIX, "'a'"], "must be a tuple"),
        ([target, "--prefix", PREFIX, "(a,"], "is not a tuple"),
        ([target, "--prefix", "kb", "(a, b, c)"], "--prefix must be a tuple literal"),
    ]:
        assert main(["nstore", "query", *argv]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert message in err, err
        assert "Traceback" not in err


def test_patterns_parse_names_as_variables() -> None:
    """Bare names are variables; literals, negative numbers and nested tuples are items."""
    assert parse_pattern("(s, 'hypernym', -2, (1, b'x'), None)") == (
        var("s"),
        "hypernym",
        -2,
        (1, b"x"),
        None,
    )
    with pytest.raises(NStoreException):
        parse_pattern("[a, b]")


def test_the_hook_registers_the_subcommand() -> None:
    """nstore's module implements found_register_commands, found's hook."""
    module = found.stores.load("nstore")
    assert callable(module.found_register_commands)
    with pytest.raises(SystemExit) as exit_:
        main(["nstore", "--help"])
    assert exit_.value.code == 0

"""``found eavstore ...``: the subcommands eavstore adds to the ``found`` command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import found.stores
from found.cli import main
from found_eavstore._cli import parse_conditions

PREFIX = "('people',)"


@pytest.fixture(autouse=True)
def _wide_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every installed store on, and tables as wide as their content."""
    monkeypatch.delenv(found.stores.LOAD_STORES_ENV, raising=False)
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def target(tmp_path: Path) -> str:
    """A sqlite:// file with three people; 'bio' is unindexed."""
    where = f"sqlite://{tmp_path / 'people.found'}"
    people = {
        "ada": ["name=Ada", "born=1815", "field=math", "bio=first programmer"],
        "alan": ["name=Alan", "born=1912", "field=math"],
        "grace": ["name=Grace", "born=1906", "field=computing"],
    }
    for uid, attributes in people.items():
        argv = ["eavstore", "put", where, "--prefix", PREFIX, uid, *attributes]
        assert main([*argv, "--unindexed", "bio"]) == 0
    return where


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main(["eavstore", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_get_shows_the_mapping(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Values given as literals come back typed: born is the int 1815."""
    assert _run(capsys, "get", target, "--prefix", PREFIX, "ada") == {
        "bio": "first programmer",
        "born": 1815,
        "field": "math",
        "name": "Ada",
    }
    assert main(["eavstore", "get", target, "--prefix", PREFIX, "grace"]) == 0
    out = capsys.readouterr().out
    assert "│ born      │ 1906      │" in out
    assert main(["eavstore", "get", target, "--prefix", PREFIX, "nobody"]) == 1
    assert "(no entity nobody)" in capsys.readouterr().out


def test_query_matches_every_condition(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    """query intersects ATTR=VALUE conditions and shows each entity found."""
    found_ = _run(capsys, "query", target, "--prefix", PREFIX, "field=math")
    assert [row["uid"] for row in found_] == ["ada", "alan"]
    found_ = _run(capsys, "query", target, "--prefix", PREFIX, "field=math", "born=1912")
    assert found_ == [{"uid": "alan", "mapping": {"born": 1912, "field": "math", "name": "Alan"}}]
    assert _run(capsys, "query", target, "--prefix", PREFIX, "born='1912'") == []
    assert (
        main(["eavstore", "query", target, "--prefix", PREFIX, "field=math", "--limit", "1"]) == 0
    )
    out = capsys.readouterr().out
    assert "1 entities" in out
    assert "stopped at --limit 1" in out


def test_count_put_and_remove_keep_the_counts(
    target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """put replaces the mapping and remove deletes it; count follows both."""

    def count(condition: str) -> int:
        assert main(["eavstore", "count", target, "--prefix", PREFIX, condition]) == 0
        return int(capsys.readouterr().out)

    assert count("field=math") == 2
    argv = ["eavstore", "put", target, "--prefix", PREFIX, "alan", "name=Alan", "field=computing"]
    assert main(argv) == 0
    assert (count("field=math"), count("field=computing")) == (1, 2)
    assert (
        main(["eavstore", "remove", target, "--prefix", PREFIX, "ada", "--unindexed", "bio"]) == 0
    )
    assert count("field=math") == 0


def test_errors_are_one_line(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A condition without '=' and a count of an unindexed attribute: one line, status 1."""
    assert main(["eavstore", "query", target, "--prefix", PREFIX, "field"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "'field' is not ATTR=VALUE" in err
    argv = ["eavstore", "count", target, "--prefix", PREFIX, "bio=x", "--unindexed", "bio"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "bio" in err
    assert "Traceback" not in err


def test_conditions_parse_values_as_literals() -> None:
    """VALUE is a literal when it is one, else text; ATTR is text."""
    assert parse_conditions(["a=1", "b=x.y", "c='1'", "d=(1, 2)", "e="]) == {
        "a": 1,
        "b": "x.y",
        "c": "1",
        "d": (1, 2),
        "e": "",
    }

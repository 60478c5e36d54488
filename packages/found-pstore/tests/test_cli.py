"""``found pstore ...``: the subcommands pstore adds to the ``found`` command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import found.stores
from found.cli import main

PREFIX = "('docs',)"
TEXTS = {
    "cats": "a cat sat on the mat; the cat purred",
    "dogs": "a dog barked at the cat",
    "birds": "a bird sang",
}


@pytest.fixture(autouse=True)
def _wide_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every installed store on, and tables as wide as their content."""
    monkeypatch.delenv(found.stores.LOAD_STORES_ENV, raising=False)
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A sqlite:// file with the three TEXTS indexed from files."""
    where = f"sqlite://{tmp_path / 'docs.found'}"
    for name, text in TEXTS.items():
        path = tmp_path / f"{name}.txt"
        path.write_text(text)
        assert main(["pstore", "index", where, "--prefix", PREFIX, name, str(path)]) == 0
    capsys.readouterr()
    return where


def _search(capsys: pytest.CaptureFixture[str], target: str, *words: str) -> list[str]:
    assert main(["pstore", "search", target, "--prefix", PREFIX, *words, "--json"]) == 0
    return [hit["docuid"] for hit in json.loads(capsys.readouterr().out)]


def test_search_ranks_the_documents_holding_every_word(
    target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """'cat' is in two documents, the one saying it twice first; 'cat dog' in one."""
    assert _search(capsys, target, "cat") == ["cats", "dogs"]
    assert _search(capsys, target, "CAT", "dog") == ["dogs"]  # tokenized like the documents
    assert _search(capsys, target, "fish") == []
    assert main(["pstore", "search", target, "--prefix", PREFIX, "the", "cat"]) == 0
    out = capsys.readouterr().out
    assert "the cat: 2 documents" in out
    assert out.index("cats") < out.index("dogs")


def test_index_reads_standard_input_and_literal_docuids(
    target: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No FILE: the text comes from stdin; the DOCUID 7 is the int 7."""
    monkeypatch.setattr("sys.stdin", io.StringIO("a cat and a cat and a cat"))
    assert main(["pstore", "index", target, "--prefix", PREFIX, "7"]) == 0
    assert "indexed 7: 8 words, 3 distinct" in capsys.readouterr().out
    assert _search(capsys, target, "cat") == ["7", "cats", "dogs"]  # 7 shown as repr(7)


def test_remove_forgets_a_document(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A removed document is no longer found."""
    assert main(["pstore", "remove", target, "--prefix", PREFIX, "cats"]) == 0
    assert _search(capsys, target, "cat") == ["dogs"]


def test_errors_are_one_line(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A search without words and a bad prefix: one line on stderr, status 1."""
    assert main(["pstore", "search", target, "--prefix", PREFIX, "--", "...", "!"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no word to search for" in err
    assert main(["pstore", "search", target, "--prefix", "docs", "cat"]) == 1
    assert "--prefix must be a tuple literal" in capsys.readouterr().err

"""``found demo``: WordNet loaded into the four stores and queried, and its data module.

The demo runs on ``memory://`` (and ``sqlite://`` files) with the WordNet sample that ships
inside found-core, so these tests need no WordNet installed. Missing stores are simulated: by
``FOUND_LOAD_STORES`` (installed but disabled) and by a registry that raises
``StoreNotInstalled`` (as in an environment holding found-core alone).
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest

import found
import found._demo_wordnet as wordnet
import found.stores
from found.cli import main, parse_tuple, parse_value, progress_bar

STORES = ("nstore", "pstore", "eavstore", "bstore")
DOG_CHAIN = (
    "dog -> canine -> carnivore -> placental -> mammal -> vertebrate -> chordate -> animal -> "
    "organism -> living thing -> whole -> object -> physical entity -> entity"
)


@pytest.fixture(autouse=True)
def _wide_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables as wide as their content (rich reads COLUMNS), and every installed store on."""
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.delenv(found.stores.LOAD_STORES_ENV, raising=False)


def _installed() -> list[str]:
    return [name for name in STORES if name in found.stores.names()]


def _demo(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["demo", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_demo_on_memory_queries_every_store(capsys: pytest.CaptureFixture[str]) -> None:
    """Each store's section prints real answers from the sample, and the checks pass."""
    if _installed() != list(STORES):
        pytest.skip("needs the four stores installed (nox -s tests installs them)")
    status, out, err = _demo(capsys, "memory://", "--data", "sample")
    assert (status, err) == (0, "")
    assert "587 noun synsets" in out
    # nstore: the senses of 'dog', its hypernym chain, and one- and two-level joins below it
    assert "1 synsets: dog (02084071-n)" in out
    assert DOG_CHAIN + " (13 steps on the longest path, 14 ancestors in all)" in out
    assert re.search(r"33 words: barker, basenji, belgian griffon", out)
    assert re.search(r"64 words: badger dog, boxer", out)
    # pstore: BM25 puts the synset named by both words first
    assert re.search(r"hunting dog\s*│[^│]*│ 1\s*│ hunting dog \(02087122-n\)", out)
    assert "computer (03082979-n)" in out
    assert "baked goods" in out
    # eavstore: an entity read back, a match, counts per lexicographer file, a value range
    assert "lexname='noun.animal', pos='n', word_count=3" in out
    assert "noun.act 401, noun.animal 76, noun.Tops 51" in out
    assert "appropriation (00083975-n): 264 chars" in out
    # bstore: the data file went in and came back with the same SHA-256
    assert "sha256 equal to the file's" in out
    assert "170,105 bytes" in out
    for store in STORES:
        assert re.search(rf"│ {store}\s*│", out), f"no timing line for {store}"
    assert "skipped" not in out


def test_demo_progress_bars_stay_out_of_captured_output(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without a terminal the progress display is disabled: no bar, no carriage return."""
    status, out, _ = _demo(capsys, "memory://", "--data", "sample", "--limit", "20")
    assert status == 0
    assert "synsets as triples" not in out
    assert "\r" not in out
    assert "'dog' is not in this slice" in out  # 20 synsets of noun.Tops: no dog


def test_a_disabled_store_is_skipped_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """FOUND_LOAD_STORES=nstore: the other three say why in one line each; nstore runs."""
    if "nstore" not in found.stores.names():
        pytest.skip("needs found-nstore installed")
    monkeypatch.setenv(found.stores.LOAD_STORES_ENV, "nstore")
    status, out, _ = _demo(capsys, "memory://", "--data", "sample")
    assert status == 0
    assert DOG_CHAIN in out
    for store in ("pstore", "eavstore", "bstore"):
        lines = [line for line in out.splitlines() if line.startswith(f"{store}: skipped")]
        assert len(lines) == 1, out
        assert "FOUND_LOAD_STORES" in lines[0]
    assert "pstore: keyword search" not in out


def test_without_any_store_the_demo_says_what_to_install(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As with found-core installed alone: one line per store with its pip install, exit 0."""

    def not_installed(name: str) -> ModuleType:
        raise found.stores._not_installed(name)

    monkeypatch.setattr(found.stores, "load", not_installed)
    status, out, err = _demo(capsys, "memory://", "--data", "sample")
    assert (status, err) == (0, "")
    for store in STORES:
        line = next(line for line in out.splitlines() if line.startswith(f"{store}: skipped"))
        assert line.endswith(f"pip install found-{store}")
    assert "no store ran: pip install found-nstore" in out
    assert "parse the data file" in out  # the timings table still shows the parse


def test_a_second_demo_on_the_same_file_starts_afresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rerun on a sqlite:// file: the old demo data is cleared, so counts do not double."""
    if "eavstore" not in found.stores.names():
        pytest.skip("needs found-eavstore installed")
    target = f"sqlite://{tmp_path / 'demo.found'}"
    first = _demo(capsys, target, "--data", "sample")
    second = _demo(capsys, target, "--data", "sample")
    assert first[0] == second[0] == 0
    assert "cleared the data" not in first[1]
    assert "cleared the data of an earlier demo under ('found-demo',)" in second[1]
    for _, out, _ in (first, second):
        assert "noun.act 401, noun.animal 76" in out
    assert f"found eavstore get {target}" in second[1]  # how to look inside the kept file


def test_the_default_target_is_a_temporary_sqlite_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No TARGET: a sqlite:// file in a temporary folder, gone when the demo ends."""
    status, out, _ = _demo(capsys, "--data", "sample", "--limit", "10")
    assert status == 0
    match = re.search(r"demo on sqlite://(\S+)", out)
    assert match is not None
    assert not Path(match.group(1)).parent.exists()
    assert "The database was a temporary file" in out


def test_a_limit_loads_that_many_synsets_and_their_ancestors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--limit 60 loads 60 synsets and the ancestors they need, and says how many of each."""
    status, out, _ = _demo(capsys, "memory://", "--data", "sample", "--limit", "60")
    assert status == 0
    match = re.search(r"loading 60 and (\d+) of their ancestors \((\d+)\)", out)
    assert match is not None, out
    assert int(match.group(2)) == 60 + int(match.group(1))
    assert re.search(rf"│ {match.group(2)} documents", out)  # pstore indexed all of them


def test_errors_are_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A missing data file and a bad limit fail with one line on stderr and status 1."""
    status, _, err = _demo(capsys, "memory://", "--data", str(tmp_path / "missing.noun"))
    assert status == 1
    assert err.count("\n") == 1
    assert "missing.noun" in err
    status, _, err = _demo(capsys, "memory://", "--data", "sample", "--limit", "-1")
    assert status == 1
    assert err == "found demo: limit must be 0 (everything) or positive, got -1\n"
    bad = tmp_path / "bad.noun"
    bad.write_text("  licence line\nnot a synset | gloss\n")
    status, _, err = _demo(capsys, "memory://", "--data", str(bad))
    assert status == 1
    assert err.startswith("found demo: line 2: not a WordNet synset line")


@pytest.mark.skipif(not wordnet.WORDNET.is_file(), reason="Debian's wordnet-base not installed")
def test_the_default_data_is_debians_wordnet(capsys: pytest.CaptureFixture[str]) -> None:
    """With wordnet-base installed the demo reads all of data.noun and loads a slice of it."""
    status, out, _ = _demo(capsys, "memory://", "--limit", "300")
    assert status == 0
    assert f"data: {wordnet.WORDNET}: 82,115 noun synsets" in out
    assert "loading 300 and" in out


# --- the data -----------------------------------------------------------------------------------


def test_the_sample_ships_inside_the_package() -> None:
    """The sample is package data of found (so the wheel holds it), with WordNet's licence."""
    source = wordnet.load_source("sample")
    assert source.text.startswith("  1 This software and database is being provided")
    assert "WordNet 3.0 Copyright 2006 by Princeton University" in source.text
    synsets = wordnet.parse_synsets(source.text)
    assert len(synsets) == 587
    ids = {s.id for s in synsets}
    assert {"02084071-n", "03082979-n", "00001740-n"} <= ids  # dog, computer, entity


def test_without_wordnet_the_default_is_the_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    """load_source(None) falls back to the shipped sample when data.noun is absent."""
    monkeypatch.setattr(wordnet, "WORDNET", Path("/nonexistent/data.noun"))
    assert "sample shipped with found-core" in wordnet.load_source(None).label


def test_a_synset_line_is_parsed_field_by_field() -> None:
    """Words (underscores to spaces, adjective markers dropped), hypernyms, gloss, lexname."""
    line = (
        "02084071 05 n 03 dog 0 domestic_dog 0 Canis_familiaris 0 003 @ 02083346 n 0000 "
        "@i 01317541 n 0000 ~ 01322604 n 0000 | a member of the genus Canis  "
    )
    synset = wordnet.parse_synset(line)
    assert synset == wordnet.Synset(
        "02084071-n",
        "noun.animal",
        ("dog", "domestic dog", "Canis familiaris"),
        ("02083346-n", "01317541-n"),
        "a member of the genus Canis",
    )
    adjective = wordnet.parse_synset("00001740 00 s 01 able(a) 0 000 | having power")
    assert adjective is not None
    assert (adjective.id, adjective.words, adjective.lexname) == (
        "00001740-a",
        ("able",),
        "adj.all",
    )
    assert wordnet.parse_synset("  1 licence text") is None
    with pytest.raises(found.UsageError, match="not a WordNet synset line"):
        wordnet.parse_synset("00001740 99 n 01 entity 0 000 | lexfile 99 does not exist")


def test_a_slice_is_closed_under_hypernyms() -> None:
    """Every hypernym of a synset in a slice is in the slice, whatever the limit."""
    synsets = wordnet.parse_synsets(wordnet.load_source("sample").text)
    for limit in (1, 60, 200, 586):
        chosen, added = wordnet.pick(synsets, limit)
        ids = {s.id for s in chosen}
        every = {s.id for s in synsets}
        assert len(chosen) == limit + added
        assert all(parent in ids for s in chosen for parent in s.hypernyms if parent in every)
    assert wordnet.pick(synsets, 0) == (synsets, 0)
    first, _ = wordnet.pick(synsets, 51)
    tops = {s.id for s in synsets if s.lexname == "noun.Tops"}
    assert len(tops) == 51
    assert tops <= {s.id for s in first}  # the lexicographer files the demo queries come first


# --- helpers of found.cli that the store commands use -------------------------------------------


def test_command_line_values_and_prefixes() -> None:
    """parse_value reads literals and keeps other text; parse_tuple insists on a tuple."""
    assert parse_value("3") == 3
    assert parse_value("noun.food") == "noun.food"
    assert parse_value("b'\\x00'") == b"\x00"
    assert parse_tuple("('a', 1)", "prefix") == ("a", 1)
    with pytest.raises(found.UsageError, match="prefix must be a tuple literal"):
        parse_tuple("a", "prefix")


def test_progress_bar_is_disabled_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    """Captured (not a terminal), a progress bar prints nothing at all."""
    with progress_bar(transfer=True) as bar:
        task = bar.add_task("upload", total=10)
        bar.advance(task, 10)
    assert capsys.readouterr() == ("", "")

"""The eavstore entry point is discovered, and `from found import eavstore` gives found_eavstore."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest

import found.stores
import found_eavstore


@pytest.fixture(autouse=True)
def _all_stores_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test with FOUND_LOAD_STORES unset, whatever the caller's environment."""
    monkeypatch.delenv(found.stores.LOAD_STORES_ENV, raising=False)


def test_distribution_declares_the_eavstore_entry_point() -> None:
    """found-eavstore's metadata names found_eavstore under the found.stores entry-point group."""
    dist = importlib.metadata.distribution("found-eavstore")
    declared = [(ep.name, ep.value) for ep in dist.entry_points if ep.group == "found.stores"]
    assert declared == [("eavstore", "found_eavstore")]


def test_names_lists_eavstore() -> None:
    """The registry lists eavstore among the installed stores."""
    assert "eavstore" in found.stores.names()


def test_names_does_not_import_eavstore() -> None:
    """Listing the stores in a fresh interpreter leaves found_eavstore unimported."""
    code = (
        "import sys, found.stores; "
        "assert 'eavstore' in found.stores.names(); "
        "assert 'found_eavstore' not in sys.modules, 'names() imported the store'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_load_returns_the_found_eavstore_module() -> None:
    """load('eavstore') returns the module the entry point names."""
    assert found.stores.load("eavstore") is found_eavstore


def test_from_found_import_eavstore_returns_the_same_module() -> None:
    """`from found import eavstore` returns the very module object that load() returns."""
    from found import eavstore

    assert eavstore is found.stores.load("eavstore") is found_eavstore


def test_from_found_import_eavstore_works_in_a_fresh_interpreter() -> None:
    """In a new process, `from found import eavstore` is the first thing that loads the store."""
    code = (
        "from found import eavstore; import found.stores, found_eavstore; "
        "assert eavstore is found_eavstore is found.stores.load('eavstore')"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_store_info_hook_describes_eavstore() -> None:
    """The found_store_info hookimpl answers with the store's name through the registry."""
    described = found.stores.describe("eavstore")
    assert described["name"] == "eavstore"
    assert described["description"]


def test_info_reports_distribution_and_version() -> None:
    """info() reports found-eavstore, its version and module for a `found stores --json` listing."""
    records = [r for r in found.stores.info() if r["name"] == "eavstore"]
    assert records == [
        {
            "name": "eavstore",
            "distribution": "found-eavstore",
            "version": found_eavstore.__version__,
            "module": "found_eavstore",
        }
    ]

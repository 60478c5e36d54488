"""The nstore entry point is discovered, and `from found import nstore` gives found_nstore."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest

import found.stores
import found_nstore


@pytest.fixture(autouse=True)
def _all_stores_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test with FOUND_LOAD_STORES unset, whatever the caller's environment."""
    monkeypatch.delenv(found.stores.LOAD_STORES_ENV, raising=False)


def test_distribution_declares_the_nstore_entry_point() -> None:
    """found-nstore's metadata names found_nstore under the found.stores entry-point group."""
    dist = importlib.metadata.distribution("found-nstore")
    declared = [(ep.name, ep.value) for ep in dist.entry_points if ep.group == "found.stores"]
    assert declared == [("nstore", "found_nstore")]


def test_names_lists_nstore() -> None:
    """The registry lists nstore among the installed stores."""
    assert "nstore" in found.stores.names()


def test_names_does_not_import_nstore() -> None:
    """Listing the stores in a fresh interpreter leaves found_nstore unimported."""
    code = (
        "import sys, found.stores; "
        "assert 'nstore' in found.stores.names(); "
        "assert 'found_nstore' not in sys.modules, 'names() imported the store'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_load_returns_the_found_nstore_module() -> None:
    """load('nstore') returns the module the entry point names."""
    assert found.stores.load("nstore") is found_nstore


def test_from_found_import_nstore_returns_the_same_module() -> None:
    """`from found import nstore` returns the very module object that load() returns."""
    from found import nstore

    assert nstore is found.stores.load("nstore") is found_nstore


def test_from_found_import_nstore_works_in_a_fresh_interpreter() -> None:
    """In a new process, `from found import nstore` is the first thing that loads the store."""
    code = (
        "from found import nstore; import found.stores, found_nstore; "
        "assert nstore is found_nstore is found.stores.load('nstore')"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_store_info_hook_describes_nstore() -> None:
    """The found_store_info hookimpl answers with the store's name through the registry."""
    described = found.stores.describe("nstore")
    assert described["name"] == "nstore"
    assert described["description"]


def test_info_reports_distribution_and_version() -> None:
    """info() reports found-nstore, its version and module for a `found stores --json` listing."""
    records = [r for r in found.stores.info() if r["name"] == "nstore"]
    assert records == [
        {
            "name": "nstore",
            "distribution": "found-nstore",
            "version": found_nstore.__version__,
            "module": "found_nstore",
        }
    ]

"""The bstore entry point is discovered, and `from found import bstore` gives found_bstore."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest

import found.stores
import found_bstore


@pytest.fixture(autouse=True)
def _all_stores_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test with FOUND_LOAD_STORES unset, whatever the caller's environment."""
    monkeypatch.delenv(found.stores.LOAD_STORES_ENV, raising=False)


def test_distribution_declares_the_bstore_entry_point() -> None:
    """found-bstore's metadata names found_bstore under the found.stores entry-point group."""
    dist = importlib.metadata.distribution("found-bstore")
    declared = [(ep.name, ep.value) for ep in dist.entry_points if ep.group == "found.stores"]
    assert declared == [("bstore", "found_bstore")]


def test_names_lists_bstore() -> None:
    """The registry lists bstore among the installed stores."""
    assert "bstore" in found.stores.names()


def test_names_does_not_import_bstore() -> None:
    """Listing the stores in a fresh interpreter leaves found_bstore unimported."""
    code = (
        "import sys, found.stores; "
        "assert 'bstore' in found.stores.names(); "
        "assert 'found_bstore' not in sys.modules, 'names() imported the store'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_load_returns_the_found_bstore_module() -> None:
    """load('bstore') returns the module the entry point names."""
    assert found.stores.load("bstore") is found_bstore


def test_from_found_import_bstore_returns_the_same_module() -> None:
    """`from found import bstore` returns the very module object that load() returns."""
    from found import bstore

    assert bstore is found.stores.load("bstore") is found_bstore


def test_from_found_import_bstore_works_in_a_fresh_interpreter() -> None:
    """In a new process, `from found import bstore` is the first thing that loads the store."""
    code = (
        "from found import bstore; import found.stores, found_bstore; "
        "assert bstore is found_bstore is found.stores.load('bstore')"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_store_info_hook_describes_bstore() -> None:
    """The found_store_info hookimpl answers with the store's name through the registry."""
    described = found.stores.describe("bstore")
    assert described["name"] == "bstore"
    assert described["description"]


def test_info_reports_distribution_and_version() -> None:
    """info() reports found-bstore, its version and module for a `found stores --json` listing."""
    records = [r for r in found.stores.info() if r["name"] == "bstore"]
    assert records == [
        {
            "name": "bstore",
            "distribution": "found-bstore",
            "version": found_bstore.__version__,
            "module": "found_bstore",
        }
    ]

"""The pstore entry point is discovered, and `from found import pstore` gives found_pstore."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest

import found.stores
import found_pstore


@pytest.fixture(autouse=True)
def _all_stores_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test with FOUND_LOAD_STORES unset, whatever the caller's environment."""
    monkeypatch.delenv(found.stores.LOAD_STORES_ENV, raising=False)


def test_distribution_declares_the_pstore_entry_point() -> None:
    """found-pstore's metadata names found_pstore under the found.stores entry-point group."""
    dist = importlib.metadata.distribution("found-pstore")
    declared = [(ep.name, ep.value) for ep in dist.entry_points if ep.group == "found.stores"]
    assert declared == [("pstore", "found_pstore")]


def test_names_lists_pstore() -> None:
    """The registry lists pstore among the installed stores."""
    assert "pstore" in found.stores.names()


def test_names_does_not_import_pstore() -> None:
    """Listing the stores in a fresh interpreter leaves found_pstore unimported."""
    code = (
        "import sys, found.stores; "
        "assert 'pstore' in found.stores.names(); "
        "assert 'found_pstore' not in sys.modules, 'names() imported the store'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_load_returns_the_found_pstore_module() -> None:
    """load('pstore') returns the module the entry point names."""
    assert found.stores.load("pstore") is found_pstore


def test_from_found_import_pstore_returns_the_same_module() -> None:
    """`from found import pstore` returns the very module object that load() returns."""
    from found import pstore

    assert pstore is found.stores.load("pstore") is found_pstore


def test_from_found_import_pstore_works_in_a_fresh_interpreter() -> None:
    """In a new process, `from found import pstore` is the first thing that loads the store."""
    code = (
        "from found import pstore; import found.stores, found_pstore; "
        "assert pstore is found_pstore is found.stores.load('pstore')"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_store_info_hook_describes_pstore() -> None:
    """The found_store_info hookimpl answers with the store's name through the registry."""
    described = found.stores.describe("pstore")
    assert described["name"] == "pstore"
    assert described["description"]


def test_info_reports_distribution_and_version() -> None:
    """info() reports found-pstore, its version and module for a `found stores --json` listing."""
    records = [r for r in found.stores.info() if r["name"] == "pstore"]
    assert records == [
        {
            "name": "pstore",
            "distribution": "found-pstore",
            "version": found_pstore.__version__,
            "module": "found_pstore",
        }
    ]

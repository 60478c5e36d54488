"""The store registry with found's four stores installed together.

Run where found-core, found-nstore, found-bstore, found-eavstore and found-pstore are all
installed (``nox -s integration`` installs their wheels). A broken store is simulated by adding
a fake entry point, whose module raises on import, to the real ones.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest

import found
import found.stores

STORES = ["bstore", "eavstore", "nstore", "pstore"]


@pytest.fixture(autouse=True)
def _all_stores_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test with FOUND_LOAD_STORES unset, whatever the caller's environment."""
    monkeypatch.delenv(found.stores.LOAD_STORES_ENV, raising=False)


def test_names_lists_the_four_stores() -> None:
    """Every one of found's stores is discovered through its entry point."""
    assert set(STORES) <= set(found.stores.names())


def test_names_imports_no_store_in_a_fresh_interpreter() -> None:
    """Listing the stores in a new process imports none of their modules."""
    code = (
        "import sys, found.stores; names = found.stores.names(); "
        f"assert set({STORES!r}) <= set(names), names; "
        "loaded = [m for m in sys.modules if m.startswith('found_')]; "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.mark.parametrize("store", STORES)
def test_each_store_loads_as_its_module(store: str) -> None:
    """load(store) returns found_<store>, and `from found import <store>` the same object."""
    module = found.stores.load(store)
    namespace: dict[str, object] = {}
    exec(f"from found import {store}", namespace)

    assert module.__name__ == f"found_{store}"
    assert module is importlib.import_module(f"found_{store}")
    assert namespace[store] is module
    assert getattr(found, store) is module


@pytest.mark.parametrize("store", STORES)
def test_each_store_describes_itself_through_the_hook(store: str) -> None:
    """Each store's found_store_info hookimpl gives its name and a description."""
    described = found.stores.describe(store)

    assert described["name"] == store
    assert described["description"]


def test_info_reports_each_store_distribution_and_version() -> None:
    """info() pairs each store with its distribution, version and module."""
    records = {record["name"]: record for record in found.stores.info()}

    for store in STORES:
        assert records[store] == {
            "name": store,
            "distribution": f"found-{store}",
            "version": importlib.metadata.version(f"found-{store}"),
            "module": f"found_{store}",
        }


def test_env_var_limits_the_visible_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    """FOUND_LOAD_STORES='nstore,pstore' hides bstore and eavstore and refuses to load them."""
    monkeypatch.setenv("FOUND_LOAD_STORES", "nstore,pstore")

    assert found.stores.names() == ["nstore", "pstore"]
    assert found.stores.load("nstore").__name__ == "found_nstore"
    with pytest.raises(found.stores.StoreDisabledError, match="FOUND_LOAD_STORES"):
        found.stores.load("bstore")
    with pytest.raises(found.stores.StoreDisabledError):
        exec("from found import eavstore", {})


def test_env_var_empty_disables_every_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """FOUND_LOAD_STORES='' lists no store and loads none."""
    monkeypatch.setenv("FOUND_LOAD_STORES", "")

    assert found.stores.names() == []
    for store in STORES:
        with pytest.raises(found.stores.StoreDisabledError):
            found.stores.load(store)


def test_env_var_is_honoured_from_process_start() -> None:
    """A process started with FOUND_LOAD_STORES=bstore sees bstore only."""
    code = (
        "import found.stores; assert found.stores.names() == ['bstore'], found.stores.names(); "
        "from found import bstore"
    )
    env = {**os.environ, "FOUND_LOAD_STORES": "bstore"}
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, env=env)


def test_broken_store_fails_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store whose import raises gives StoreLoadError; the four others still load."""
    module_name = "found_integration_broken_store"
    (tmp_path / f"{module_name}.py").write_text("raise RuntimeError('broken on purpose')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    broken = importlib.metadata.EntryPoint(
        name="broken", value=module_name, group=found.stores.ENTRY_POINT_GROUP
    )
    real = found.stores._entry_points

    def with_broken() -> Sequence[importlib.metadata.EntryPoint]:
        return [*real(), broken]

    monkeypatch.setattr(found.stores, "_entry_points", with_broken)

    with pytest.raises(found.stores.StoreLoadError) as raised:
        found.stores.load("broken")

    assert raised.value.store == "broken"
    assert raised.value.entry_point == f"broken = {module_name}"
    assert isinstance(raised.value.__cause__, RuntimeError)
    assert set([*STORES, "broken"]) <= set(found.stores.names())
    for store in STORES:
        assert isinstance(found.stores.load(store), ModuleType)
    with pytest.raises(found.stores.StoreLoadError):
        exec("from found import broken", {})

"""The store registry, driven by fake installed distributions.

Each test gets a directory laid out like site-packages: ``<dist>.dist-info`` folders whose
``entry_points.txt`` declare ``found.stores`` entry points, and the store modules beside them.
The registry's discovery function is pointed at that directory only, and a fresh registry (with a
fresh plugin manager) replaces the process-wide one, so the tests see exactly the stores they
make, and module names carry a per-test token so no two tests share a module.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import pickle
import sys
import textwrap
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import found
import found._hookspecs
from found import stores
from found._errors import BaseFoundException
from found._plugins import make_plugin_manager, plugin_manager

HOOKIMPL_SOURCE = """
from found.stores import hookimpl

CALLS = []

@hookimpl
def found_store_info():
    CALLS.append(1)
    return {{"name": {name!r}, "description": "A fake store for tests."}}
"""


class FakeSite:
    """A directory of fake distributions, each providing one store module."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.token = uuid.uuid4().hex[:8]
        self.discoveries = 0

    def module_name(self, store: str) -> str:
        """Return the per-test module name used for ``store``."""
        return f"found_fake_{self.token}_{store}"

    def add(
        self,
        store: str,
        source: str | None = None,
        *,
        dist: str | None = None,
        version: str = "1.0",
        value: str | None = None,
    ) -> str:
        """Install a fake distribution declaring ``store``; return the module name it names."""
        module = self.module_name(store)
        dist = dist or f"fake-{store}"
        value = value or module
        info_dir = self.root / f"{dist.replace('-', '_')}-{version}.dist-info"
        info_dir.mkdir()
        (info_dir / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n"
        )
        (info_dir / "entry_points.txt").write_text(f"[found.stores]\n{store} = {value}\n")
        if source is None:
            source = HOOKIMPL_SOURCE.format(name=store)
        self.write_module(module, source)
        return module

    def write_module(self, module: str, source: str) -> None:
        """Write (or rewrite) the source of ``module``."""
        (self.root / f"{module}.py").write_text(textwrap.dedent(source))
        importlib.invalidate_caches()

    def entry_points(self) -> Sequence[importlib.metadata.EntryPoint]:
        """Stand-in for the registry's discovery: the entry points of this directory only."""
        self.discoveries += 1
        return [
            ep
            for dist in importlib.metadata.distributions(path=[str(self.root)])
            for ep in dist.entry_points
            if ep.group == stores.ENTRY_POINT_GROUP
        ]

    def imported(self, store: str) -> bool:
        """Return whether the module of ``store`` has been imported."""
        return self.module_name(store) in sys.modules


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSite]:
    """A fresh registry that discovers only the fake distributions of this test."""
    fake = FakeSite(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setattr(stores, "_entry_points", fake.entry_points)
    monkeypatch.setattr(stores, "_registry", stores._Registry(make_plugin_manager()))
    monkeypatch.delenv(stores.LOAD_STORES_ENV, raising=False)
    yield fake
    for name in [name for name in sys.modules if name.startswith(f"found_fake_{fake.token}")]:
        del sys.modules[name]


def test_names_lists_installed_stores_sorted_without_importing_them(site: FakeSite) -> None:
    """names() reads entry points only: the store modules stay unimported."""
    site.add("zeta")
    site.add("alpha")

    assert stores.names() == ["alpha", "zeta"]
    assert not site.imported("alpha")
    assert not site.imported("zeta")


def test_names_is_empty_when_no_store_is_installed(site: FakeSite) -> None:
    """With no distribution declaring a store, names() is an empty list."""
    assert stores.names() == []


def test_info_reports_distribution_version_and_module_without_importing(site: FakeSite) -> None:
    """info() gives one JSON-ready record per store from metadata alone."""
    module = site.add("alpha", dist="found-alpha", version="2.5.1")

    assert stores.info() == [
        {"name": "alpha", "distribution": "found-alpha", "version": "2.5.1", "module": module}
    ]
    assert not site.imported("alpha")


def test_load_imports_and_returns_the_entry_point_module(site: FakeSite) -> None:
    """load(name) imports the module the entry point names and returns it."""
    module_name = site.add("alpha")

    module = stores.load("alpha")

    assert isinstance(module, ModuleType)
    assert module.__name__ == module_name
    assert sys.modules[module_name] is module


def test_load_imports_only_the_requested_store(site: FakeSite) -> None:
    """Loading one store leaves the other installed stores unimported."""
    site.add("alpha")
    site.add("beta")

    stores.load("alpha")

    assert not site.imported("beta")


def test_load_returns_the_same_module_object_every_time(site: FakeSite) -> None:
    """Repeated loads give the identical module object."""
    site.add("alpha")

    assert stores.load("alpha") is stores.load("alpha")


def test_module_getattr_returns_the_module_load_returns(site: FakeSite) -> None:
    """found's module __getattr__ helper serves the very object load() returns."""
    site.add("alpha")

    assert stores._module_getattr("alpha") is stores.load("alpha")


def test_from_found_import_returns_the_module_load_returns(site: FakeSite) -> None:
    """`from found import <store>` and `found.<store>` give the object load() returns."""
    site.add("alpha")
    namespace: dict[str, object] = {}

    exec("from found import alpha", namespace)

    assert namespace["alpha"] is stores.load("alpha")
    assert found.alpha is stores.load("alpha")


def test_module_getattr_raises_attribute_error_for_unknown_names(site: FakeSite) -> None:
    """A name that is neither installed nor a known store is a plain missing attribute."""
    site.add("alpha")

    with pytest.raises(AttributeError, match="module 'found' has no attribute 'nope'"):
        stores._module_getattr("nope")
    assert not hasattr(found, "nope")


def test_module_getattr_refuses_private_names_without_discovery(site: FakeSite) -> None:
    """Underscore names (dunders probed by tools) never reach entry-point discovery."""
    with pytest.raises(AttributeError):
        stores._module_getattr("__wrapped__")
    assert site.discoveries == 0


@pytest.mark.parametrize("store", ["nstore", "bstore", "eavstore", "pstore"])
def test_missing_known_store_names_its_package(site: FakeSite, store: str) -> None:
    """A known store that is not installed raises StoreNotInstalled with its pip line."""
    with pytest.raises(stores.StoreNotInstalled) as raised:
        stores.load(store)

    assert f"pip install found-{store}" in str(raised.value)
    assert repr(store) in str(raised.value)
    assert raised.value.store == store
    assert raised.value.package == f"found-{store}"


def test_store_not_installed_is_an_import_error_and_a_found_exception(site: FakeSite) -> None:
    """StoreNotInstalled can be caught as ImportError or as BaseFoundException."""
    with pytest.raises(ImportError):
        stores.load("nstore")
    with pytest.raises(BaseFoundException):
        stores.load("nstore")


def test_from_found_import_missing_known_store_raises_store_not_installed(
    site: FakeSite,
) -> None:
    """`from found import nstore` without found-nstore shows the install hint, not a bare miss."""
    with pytest.raises(stores.StoreNotInstalled, match="pip install found-nstore"):
        exec("from found import nstore", {})


def test_missing_unknown_store_gives_a_generic_hint(site: FakeSite) -> None:
    """An unknown name gets no made-up package, but the group to register under."""
    site.add("alpha")

    with pytest.raises(stores.StoreNotInstalled) as raised:
        stores.load("mystore")

    message = str(raised.value)
    assert "'mystore'" in message
    assert "pip install" not in message
    assert "'found.stores' entry-point group" in message
    assert "Installed stores: alpha." in message
    assert raised.value.package is None


def test_missing_store_suggests_a_close_name(site: FakeSite) -> None:
    """A typo of an existing name is answered with a suggestion."""
    with pytest.raises(stores.StoreNotInstalled, match="Did you mean 'nstore'"):
        stores.load("nstores")


def test_load_refuses_a_name_that_is_not_a_string(site: FakeSite) -> None:
    """A non-str name is a typed usage error, also a TypeError."""
    with pytest.raises(TypeError, match="store name must be str, got int"):
        stores.load(3)  # type: ignore[arg-type]  # the wrong type is the point


def test_broken_store_reports_itself_and_leaves_others_loadable(site: FakeSite) -> None:
    """A store whose import raises gives StoreLoadError for it alone."""
    site.add("broken", "raise RuntimeError('boom at import')\n", dist="found-broken")
    site.add("fine")

    with pytest.raises(stores.StoreLoadError) as raised:
        stores.load("broken")

    error = raised.value
    assert error.store == "broken"
    assert error.entry_point == f"broken = {site.module_name('broken')}"
    assert error.distribution == "found-broken"
    assert isinstance(error.__cause__, RuntimeError)
    assert "'broken'" in str(error)
    assert "boom at import" in str(error)
    assert isinstance(stores.load("fine"), ModuleType)
    assert stores.names() == ["broken", "fine"]
    assert [r["name"] for r in stores.info()] == ["broken", "fine"]


def test_broken_store_loads_once_fixed(site: FakeSite) -> None:
    """A failed load is not remembered: the next call imports again."""
    module = site.add("flaky", "raise RuntimeError('not yet')\n")
    with pytest.raises(stores.StoreLoadError):
        stores.load("flaky")

    site.write_module(module, "VALUE = 42\n")

    assert stores.load("flaky").VALUE == 42


def test_entry_point_naming_a_missing_module_is_a_load_error(site: FakeSite) -> None:
    """An entry point whose module does not exist fails with ModuleNotFoundError chained."""
    site.add("ghost", value="found_fake_module_that_does_not_exist")

    with pytest.raises(stores.StoreLoadError) as raised:
        stores.load("ghost")

    assert isinstance(raised.value.__cause__, ModuleNotFoundError)


def test_entry_point_naming_an_object_that_is_not_a_module_is_a_load_error(
    site: FakeSite,
) -> None:
    """A store's entry point must name a module, not an attribute inside one."""
    module = site.add("attr", "THING = object()\n")
    site.add("attr2", dist="fake-attr2", value=f"{module}:THING")

    with pytest.raises(stores.StoreLoadError, match="must name a module, it names a object"):
        stores.load("attr2")


def test_store_info_hookimpl_is_called_once_on_load(site: FakeSite) -> None:
    """load() calls the store's found_store_info hookimpl, and only the first time."""
    site.add("alpha")

    module = stores.load("alpha")
    stores.load("alpha")

    assert module.CALLS == [1]
    assert stores.describe("alpha") == {"name": "alpha", "description": "A fake store for tests."}


def test_hook_is_asked_of_the_loaded_store_only(site: FakeSite) -> None:
    """Describing one store never calls another loaded store's hookimpl."""
    site.add("alpha")
    site.add("beta")
    alpha = stores.load("alpha")
    beta = stores.load("beta")

    assert stores.describe("beta")["name"] == "beta"
    assert alpha.CALLS == [1]
    assert beta.CALLS == [1]


def test_loaded_store_is_registered_with_the_plugin_manager(site: FakeSite) -> None:
    """The store module becomes a pluggy plugin named after its entry point."""
    site.add("alpha")

    module = stores.load("alpha")

    assert stores._registry.pm.get_plugin("alpha") is module
    assert stores._registry.pm.hook.found_store_info() == [
        {"name": "alpha", "description": "A fake store for tests."}
    ]


def test_store_without_hookimpl_is_described_by_its_docstring(site: FakeSite) -> None:
    """A minimal store module still loads; its docstring's first line describes it."""
    site.add("plain", '"""Plain store.\n\nMore words."""\n')

    assert stores.describe("plain") == {"name": "plain", "description": "Plain store."}


def test_store_whose_hook_answers_badly_fails_to_load_and_is_unregistered(
    site: FakeSite,
) -> None:
    """A found_store_info answer of the wrong shape is a StoreLoadError; nothing stays behind."""
    site.add(
        "odd",
        """
        from found.stores import hookimpl

        @hookimpl
        def found_store_info():
            return "not a dict"
        """,
    )

    with pytest.raises(stores.StoreLoadError, match="must return a dict"):
        stores.load("odd")
    assert stores._registry.pm.get_plugin("odd") is None


def test_store_implementing_an_unknown_hook_fails_to_load(site: FakeSite) -> None:
    """A hookimpl with no matching found_ spec (a typo) is reported for that store."""
    site.add(
        "typo",
        """
        from found.stores import hookimpl

        @hookimpl
        def found_stor_info():
            return {}
        """,
    )

    with pytest.raises(stores.StoreLoadError, match="found_stor_info"):
        stores.load("typo")
    assert stores._registry.pm.get_plugin("typo") is None


def test_two_distributions_claiming_one_store_name_is_a_load_error(site: FakeSite) -> None:
    """Distributions that map the same store name to different modules are not guessed between."""
    site.add("dup", dist="first-dist")
    other = site.module_name("dup_other")
    site.write_module(other, "")
    info_dir = site.root / "second_dist-1.0.dist-info"
    info_dir.mkdir()
    (info_dir / "METADATA").write_text("Metadata-Version: 2.1\nName: second-dist\nVersion: 1.0\n")
    (info_dir / "entry_points.txt").write_text(f"[found.stores]\ndup = {other}\n")

    with pytest.raises(stores.StoreLoadError, match="more than one distribution") as raised:
        stores.load("dup")

    assert "first-dist" in str(raised.value)
    assert "second-dist" in str(raised.value)
    assert stores.names() == ["dup"]


def test_concurrent_loads_share_one_module_and_one_registration(site: FakeSite) -> None:
    """Threads racing to load a store all get the same module; the hook runs once."""
    site.add("alpha")
    results: list[ModuleType] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        results.append(stores.load("alpha"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 8
    assert all(module is results[0] for module in results)
    assert results[0].CALLS == [1]


def test_env_var_unset_shows_every_store(site: FakeSite) -> None:
    """Without FOUND_LOAD_STORES, all installed stores are listed."""
    site.add("alpha")
    site.add("beta")

    assert stores.names() == ["alpha", "beta"]


def test_env_var_empty_shows_no_store(site: FakeSite, monkeypatch: pytest.MonkeyPatch) -> None:
    """FOUND_LOAD_STORES='' disables every store."""
    site.add("alpha")
    monkeypatch.setenv("FOUND_LOAD_STORES", "")

    assert stores.names() == []
    assert stores.info() == []
    with pytest.raises(stores.StoreDisabledError):
        stores.load("alpha")


def test_env_var_limits_names_info_and_load(
    site: FakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the listed stores are listed and loadable; spaces around names are ignored."""
    site.add("alpha")
    site.add("beta")
    site.add("gamma")
    monkeypatch.setenv("FOUND_LOAD_STORES", " gamma , alpha,, unknown ")

    assert stores.names() == ["alpha", "gamma"]
    assert [r["name"] for r in stores.info()] == ["alpha", "gamma"]
    assert isinstance(stores.load("gamma"), ModuleType)
    with pytest.raises(stores.StoreDisabledError) as raised:
        stores.load("beta")
    assert not site.imported("beta")
    message = str(raised.value)
    assert "'beta' is installed but disabled" in message
    assert "FOUND_LOAD_STORES=' gamma , alpha,, unknown '" in message
    assert raised.value.store == "beta"
    assert isinstance(raised.value, ImportError)


def test_env_var_applies_to_an_already_loaded_store(
    site: FakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store loaded earlier is refused once FOUND_LOAD_STORES stops listing it."""
    site.add("alpha")
    stores.load("alpha")
    monkeypatch.setenv("FOUND_LOAD_STORES", "beta")

    with pytest.raises(stores.StoreDisabledError):
        stores.load("alpha")


def test_env_var_does_not_hide_that_a_store_is_missing(
    site: FakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store that is neither installed nor listed is reported as not installed."""
    monkeypatch.setenv("FOUND_LOAD_STORES", "alpha")

    with pytest.raises(stores.StoreNotInstalled, match="pip install found-nstore"):
        stores.load("nstore")


def test_from_found_import_of_a_disabled_store_says_why(
    site: FakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`from found import <store>` surfaces StoreDisabledError, not a bare ImportError."""
    site.add("alpha")
    monkeypatch.setenv("FOUND_LOAD_STORES", "")

    with pytest.raises(stores.StoreDisabledError, match="FOUND_LOAD_STORES"):
        exec("from found import alpha", {})


INSTALLED = ["alpha", "beta", "gamma"]


@settings(
    max_examples=60,
    # The fixture's stores are only read; each example sets the variable in its own context.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    listed=st.lists(st.sampled_from([*INSTALLED, "other", ""]), max_size=6),
    padding=st.sampled_from(["", " ", "\t", "  "]),
)
def test_env_var_names_are_the_installed_stores_it_lists(
    site: FakeSite, listed: list[str], padding: str
) -> None:
    """For any FOUND_LOAD_STORES, names() is the installed stores that the list names."""
    if not site.entry_points():
        for name in INSTALLED:
            site.add(name)
    setting = ",".join(f"{padding}{name}{padding}" for name in listed)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FOUND_LOAD_STORES", setting)
        assert stores.names() == sorted(set(INSTALLED) & set(listed))


@pytest.mark.parametrize(
    "error",
    [
        stores.StoreNotInstalled("gone", store="nstore", package="found-nstore"),
        stores.StoreDisabledError("off", store="nstore", setting="bstore"),
        stores.StoreLoadError("bad", store="x", entry_point="x = m", distribution="d", module="m"),
    ],
)
def test_store_errors_survive_pickling(error: stores.StoreError) -> None:
    """Store errors cross process boundaries (multiprocessing) with their attributes."""
    copy = pickle.loads(pickle.dumps(error))

    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)
    assert copy.name == error.name


def test_hookimpl_is_exported_from_found_stores() -> None:
    """Store authors import hookimpl from found.stores; it is found's pluggy marker."""
    assert stores.hookimpl is found._hookspecs.hookimpl
    assert stores.hookimpl.project_name == "found"


def test_default_registry_uses_the_process_wide_plugin_manager() -> None:
    """Stores loaded normally register with the one plugin manager the process shares."""
    assert stores._registry.pm is plugin_manager()
    assert plugin_manager() is plugin_manager()


def test_every_hookspec_is_prefixed_typed_and_documented() -> None:
    """Each hook specification is named found_*, fully annotated and has a docstring."""
    pm = make_plugin_manager()
    specs = [
        obj
        for name, obj in vars(found._hookspecs).items()
        if inspect.isfunction(obj) and hasattr(obj, "found_spec")
    ]

    assert specs, "no hook specification found"
    for spec in specs:
        assert spec.__name__.startswith("found_"), spec.__name__
        assert inspect.getdoc(spec), f"{spec.__name__} has no docstring"
        assert "Example" in (spec.__doc__ or ""), f"{spec.__name__} docstring has no example"
        signature = inspect.signature(spec)
        assert signature.return_annotation is not inspect.Signature.empty, spec.__name__
        for parameter in signature.parameters.values():
            assert parameter.annotation is not inspect.Parameter.empty, parameter
        assert getattr(pm.hook, spec.__name__).spec is not None

"""The store registry: which found stores are installed, and loading one on demand.

Each store (nstore, bstore, eavstore, pstore, or one from a third party) ships in its own
distribution as a top-level module, and announces that module under the entry-point group
``found.stores``::

    [project.entry-points."found.stores"]
    nstore = "found_nstore"

The registry works in two steps, so that installing many stores costs nothing until one is used:

1. :func:`names` and :func:`info` read the entry points from the installed packages' metadata.
   They never import a store.
2. :func:`load` imports the one module that a store's entry point names, registers it as a
   plugin of found's pluggy plugin manager and calls its ``found_store_info`` hook. Later calls
   return the same module object, and so does ``from found import nstore``.

Failures name the store they concern and leave the others alone: a store that is not installed
raises :class:`StoreNotInstalled` with the ``pip install`` line that fixes it; a store whose
import fails raises :class:`StoreLoadError`, chained to the original exception; a store that the
``FOUND_LOAD_STORES`` environment variable leaves out raises :class:`StoreDisabledError`.

``FOUND_LOAD_STORES`` limits the stores found will see, like llm's ``LLM_LOAD_PLUGINS``: unset,
every installed store is visible; set, only the comma-separated names it lists are (an empty
value means none). It is read on every call, so tests can change it.

Example::

    import found.stores

    found.stores.names()                  # ['bstore', 'nstore'], nothing imported
    nstore = found.stores.load("nstore")  # imports found_nstore
    from found import nstore as same
    assert same is nstore
"""

from __future__ import annotations

import difflib
import importlib.metadata
import os
import sys
import threading
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any, TypedDict

import pluggy

from found._errors import BaseFoundException, FoundTypeError
from found._hookspecs import StoreInfo, hookimpl
from found._plugins import plugin_manager

__all__ = [
    "ENTRY_POINT_GROUP",
    "LOAD_STORES_ENV",
    "StoreDisabledError",
    "StoreError",
    "StoreInfo",
    "StoreLoadError",
    "StoreNotInstalled",
    "StoreRecord",
    "describe",
    "hookimpl",
    "info",
    "load",
    "names",
]

ENTRY_POINT_GROUP = "found.stores"
"""The entry-point group under which a distribution announces its store module."""

LOAD_STORES_ENV = "FOUND_LOAD_STORES"
"""The environment variable that limits which stores are visible (comma-separated names)."""

_KNOWN_STORES: Mapping[str, str] = {
    "nstore": "found-nstore",
    "bstore": "found-bstore",
    "eavstore": "found-eavstore",
    "pstore": "found-pstore",
}
"""The stores of the found project, and the distribution that provides each one."""


class StoreRecord(TypedDict):
    """One installed store as :func:`info` reports it, ready for ``json.dumps``.

    Example::

        {"name": "nstore", "distribution": "found-nstore", "version": "0.1.0",
         "module": "found_nstore"}
    """

    name: str
    """The entry-point name, which is the store's name."""
    distribution: str | None
    """The distribution that declares the entry point (None when metadata does not say)."""
    version: str | None
    """That distribution's version (None when metadata does not say)."""
    module: str
    """The entry point's value: the module that :func:`load` imports."""


class StoreError(BaseFoundException, ImportError):
    """A store could not be provided; the subclass says why.

    It is an :class:`ImportError` because ``from found import nstore`` is an import, and callers
    that already handle a missing optional dependency keep working. ``store`` is the store's
    name; ``name`` (from ImportError) is the module that was to be imported, when known.

    Example::

        try:
            nstore = found.stores.load("nstore")
        except found.stores.StoreError as exc:
            print(f"{exc.store} is unavailable: {exc}")
    """

    store: str

    def __init__(self, message: str, *, store: str, module: str | None = None) -> None:
        super().__init__(message, name=module)
        self.store = store

    def __reduce__(self) -> tuple[Any, ...]:
        # ImportError's pickling would call cls(message) and miss the keyword-only arguments.
        return (_restore_error, (type(self), self.args, dict(vars(self)), self.name))


def _restore_error(
    cls: type[StoreError], args: tuple[Any, ...], state: dict[str, Any], module: str | None
) -> StoreError:
    """Rebuild a pickled :class:`StoreError` without calling its ``__init__``."""
    exc = cls.__new__(cls, *args)
    exc.args = args
    exc.__dict__.update(state)
    exc.name = module
    return exc


class StoreNotInstalled(StoreError):  # noqa: N818 -- the name the issue asks for
    """No installed distribution provides the store.

    ``package`` is the distribution to install when the store is one of found's own, else None.

    Example::

        found.stores.load("nstore")  # without found-nstore installed, raises
        # StoreNotInstalled: found store 'nstore' is not installed; install it with:
        # pip install found-nstore
    """

    package: str | None

    def __init__(self, message: str, *, store: str, package: str | None) -> None:
        super().__init__(message, store=store)
        self.package = package


class StoreDisabledError(StoreError):
    """The store is installed, but ``FOUND_LOAD_STORES`` does not list it.

    ``setting`` is the variable's value at the time of the call.

    Example::

        os.environ["FOUND_LOAD_STORES"] = "bstore"
        found.stores.load("nstore")
        # StoreDisabledError: found store 'nstore' is installed but disabled: ...
    """

    setting: str

    def __init__(self, message: str, *, store: str, setting: str) -> None:
        super().__init__(message, store=store)
        self.setting = setting


class StoreLoadError(StoreError):
    """The store is installed but loading it failed; ``__cause__`` holds the original error.

    ``entry_point`` is the entry point as written in metadata (``"nstore = found_nstore"``),
    and ``distribution`` the distribution that declares it, when known. Other stores are not
    affected and a later call tries again.

    Example::

        try:
            found.stores.load("nstore")
        except found.stores.StoreLoadError as exc:
            print(exc.entry_point, repr(exc.__cause__))
    """

    entry_point: str
    distribution: str | None

    def __init__(
        self,
        message: str,
        *,
        store: str,
        entry_point: str,
        distribution: str | None,
        module: str | None = None,
    ) -> None:
        super().__init__(message, store=store, module=module)
        self.entry_point = entry_point
        self.distribution = distribution


def _entry_points() -> Sequence[importlib.metadata.EntryPoint]:
    """Return every ``found.stores`` entry point of the installed distributions.

    This is the registry's only look at the environment; tests replace it with fake entry points.
    """
    return list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))


def _enabled_names() -> frozenset[str] | None:
    """Return the names ``FOUND_LOAD_STORES`` allows, or None when it is unset (all allowed)."""
    setting = os.environ.get(LOAD_STORES_ENV)
    if setting is None:
        return None
    return frozenset(part.strip() for part in setting.split(",") if part.strip())


def _describe_entry_point(ep: importlib.metadata.EntryPoint) -> str:
    return f"{ep.name} = {ep.value}"


def _distribution_of(ep: importlib.metadata.EntryPoint) -> tuple[str | None, str | None]:
    """Return the name and version of the distribution that declares ``ep``, when known."""
    dist = ep.dist
    if dist is None:
        return None, None
    return dist.name, dist.version


class _Registry:
    """The state behind the module-level functions: loaded stores and their plugin manager.

    Discovery is never cached (it is cheap and must see what was installed meanwhile); loaded
    modules are, so that every caller gets the same module object. The lock guards the cache
    and the plugin manager but is not held while a store's module is being imported: Python's
    per-module import locks already serialize that, and holding ours across an import could
    deadlock with a store that imports another store at import time.
    """

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self._lock = threading.RLock()
        self._loaded: dict[str, ModuleType] = {}
        self._infos: dict[str, StoreInfo] = {}

    def names(self) -> list[str]:
        enabled = _enabled_names()
        installed = {ep.name for ep in _entry_points()}
        return sorted(name for name in installed if enabled is None or name in enabled)

    def info(self) -> list[StoreRecord]:
        enabled = _enabled_names()
        records: list[StoreRecord] = []
        for ep in _entry_points():
            if enabled is not None and ep.name not in enabled:
                continue
            distribution, version = _distribution_of(ep)
            records.append(
                StoreRecord(
                    name=ep.name, distribution=distribution, version=version, module=ep.value
                )
            )
        records.sort(key=lambda r: (r["name"], r["distribution"] or "", r["module"]))
        return records

    def is_store_name(self, name: str) -> bool:
        """Return whether ``name`` is a store found knows of, installed or not."""
        if name in _KNOWN_STORES or name in self._loaded:
            return True
        return any(ep.name == name for ep in _entry_points())

    def load(self, name: str) -> ModuleType:
        if not isinstance(name, str):
            raise FoundTypeError(f"store name must be str, got {type(name).__name__}: {name!r}")
        enabled = _enabled_names()
        with self._lock:
            module = self._loaded.get(name)
        if enabled is not None and name not in enabled:
            if module is not None or any(ep.name == name for ep in _entry_points()):
                raise _disabled(name)
            raise _not_installed(name)
        if module is not None:
            return module
        candidates = [ep for ep in _entry_points() if ep.name == name]
        if not candidates:
            raise _not_installed(name)
        ep = _single_entry_point(name, candidates)
        return self._import(name, ep)

    def describe(self, name: str) -> StoreInfo:
        self.load(name)
        with self._lock:
            answer = self._infos[name]
        return StoreInfo(name=answer["name"], description=answer["description"])

    def _import(self, name: str, ep: importlib.metadata.EntryPoint) -> ModuleType:
        distribution, _ = _distribution_of(ep)

        def failure(reason: str) -> StoreLoadError:
            where = f" (distribution {distribution})" if distribution else ""
            return StoreLoadError(
                f"found store {name!r} failed to load from entry point "
                f"'{_describe_entry_point(ep)}'{where}: {reason}",
                store=name,
                entry_point=_describe_entry_point(ep),
                distribution=distribution,
                module=ep.module,
            )

        try:
            loaded = ep.load()
        except Exception as exc:
            raise failure(f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(loaded, ModuleType):
            raise failure(f"the entry point must name a module, it names a {type(loaded).__name__}")

        with self._lock:
            cached = self._loaded.get(name)
            if cached is not None:
                return cached  # another thread finished first
            registered_here = False
            try:
                if not self.pm.is_registered(loaded):
                    self.pm.register(loaded, name=name)
                    registered_here = True
                    self.pm.check_pending()  # a found_* hookimpl that matches no spec
                store_info = self._ask_store_info(name, loaded)
            except Exception as exc:
                if registered_here:
                    self.pm.unregister(loaded)
                raise failure(f"{type(exc).__name__}: {exc}") from exc
            self._loaded[name] = loaded
            self._infos[name] = store_info
            return loaded

    def _ask_store_info(self, name: str, module: ModuleType) -> StoreInfo:
        """Call ``found_store_info`` on ``module`` alone and check the shape of its answer."""
        others = [plugin for plugin in self.pm.get_plugins() if plugin is not module]
        answers = self.pm.subset_hook_caller("found_store_info", remove_plugins=others)()
        if not answers:
            doc = (module.__doc__ or "").strip()
            return StoreInfo(name=name, description=doc.splitlines()[0] if doc else "")
        answer = answers[0]
        if (
            not isinstance(answer, dict)
            or not isinstance(answer.get("name"), str)
            or not isinstance(answer.get("description"), str)
        ):
            raise TypeError(
                "found_store_info() must return a dict with str 'name' and 'description', "
                f"got {answer!r}"
            )
        return StoreInfo(name=answer["name"], description=answer["description"])


def _single_entry_point(
    name: str, candidates: list[importlib.metadata.EntryPoint]
) -> importlib.metadata.EntryPoint:
    """Return the one entry point for ``name``, or raise when distributions disagree."""
    if len({ep.value for ep in candidates}) == 1:
        return candidates[0]
    listed = "; ".join(
        f"{_distribution_of(ep)[0] or '?'}: {_describe_entry_point(ep)}" for ep in candidates
    )
    raise StoreLoadError(
        f"found store {name!r} is provided by more than one distribution ({listed}); "
        "uninstall all but one",
        store=name,
        entry_point="; ".join(_describe_entry_point(ep) for ep in candidates),
        distribution=None,
    )


def _not_installed(name: str) -> StoreNotInstalled:
    package = _KNOWN_STORES.get(name)
    if package is not None:
        message = f"found store {name!r} is not installed; install it with: pip install {package}"
    else:
        installed = sorted({ep.name for ep in _entry_points()})
        close = difflib.get_close_matches(name, [*installed, *_KNOWN_STORES], n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        message = (
            f"found store {name!r} is not installed and no known package provides it.{hint} "
            f"Installed stores: {', '.join(installed) or 'none'}. A package provides a store by "
            f"declaring its module under the {ENTRY_POINT_GROUP!r} entry-point group."
        )
    return StoreNotInstalled(message, store=name, package=package)


def _disabled(name: str) -> StoreDisabledError:
    setting = os.environ.get(LOAD_STORES_ENV, "")
    return StoreDisabledError(
        f"found store {name!r} is installed but disabled: {LOAD_STORES_ENV}={setting!r} does not "
        f"list it. Add {name!r} to that comma-separated list, or unset {LOAD_STORES_ENV} to "
        "enable every installed store.",
        store=name,
        setting=setting,
    )


_registry = _Registry(plugin_manager())


def names() -> list[str]:
    """Return the sorted names of the installed stores, without importing any of them.

    Only the stores ``FOUND_LOAD_STORES`` allows are listed when it is set.

    Example::

        found.stores.names()  # ['bstore', 'eavstore', 'nstore', 'pstore']
    """
    return _registry.names()


def info() -> list[StoreRecord]:
    """Describe the installed stores from their metadata, without importing any of them.

    One record per entry point, sorted by name; respects ``FOUND_LOAD_STORES`` like
    :func:`names`. Two records with the same name mean two distributions claim that store.

    Example::

        print(json.dumps(found.stores.info()))
        # [{"name": "nstore", "distribution": "found-nstore", "version": "0.1.0",
        #   "module": "found_nstore"}]
    """
    return _registry.info()


def load(name: str) -> ModuleType:
    """Import the store called ``name`` on first use and return its module.

    Every call, and ``from found import <name>``, returns the same module object.

    Raises:
        StoreNotInstalled: no installed distribution provides ``name``.
        StoreDisabledError: ``FOUND_LOAD_STORES`` is set and does not list ``name``.
        StoreLoadError: importing or registering the store failed (the cause is chained).
        FoundTypeError: ``name`` is not a str (also a TypeError).

    Example::

        nstore = found.stores.load("nstore")
        assert nstore.__name__ == "found_nstore"
    """
    return _registry.load(name)


def describe(name: str) -> StoreInfo:
    """Load the store called ``name`` and return what its ``found_store_info`` hook says.

    A store without that hook is described by its name and the first line of its docstring.
    Raises what :func:`load` raises.

    Example::

        found.stores.describe("nstore")  # {'name': 'nstore', 'description': '...'}
    """
    return _registry.describe(name)


def _module_getattr(name: str) -> ModuleType:
    """Serve ``found.<name>`` for found's module ``__getattr__``: the store of that name.

    Known stores (found's own four) and installed stores load through :func:`load`, so a
    missing, disabled or broken store raises its :class:`StoreError` (an ImportError, which
    ``from found import nstore`` shows as is). Any other name, and every name starting with an
    underscore, raises AttributeError as a module without that attribute would.

    Example::

        assert _module_getattr("nstore") is load("nstore")
    """
    if not name.startswith("_") and _registry.is_store_name(name):
        return load(name)
    raise AttributeError(
        f"module 'found' has no attribute {name!r}", name=name, obj=sys.modules.get("found")
    )


def _register_commands(register: Any) -> list[str]:
    """Let every installed store add its ``found`` subcommands; return the stores that failed.

    A store that cannot be loaded is skipped (its name is returned) so that one broken plugin
    never takes the whole command line down.
    """
    failed: list[str] = []
    for name in names():
        try:
            module = load(name)
        except StoreError:
            failed.append(name)
            continue
        hook = getattr(module, "found_register_commands", None)
        if callable(hook):
            hook(register)
    return failed

"""The hooks that stores and other plugins may implement, as pluggy hook specifications.

found is extended through pluggy under the project name ``"found"``. A plugin is a module that
defines functions decorated with :data:`hookimpl`; pluggy matches each one, by name, to a
specification in this module and checks that its parameters are a subset of the specification's.

Conventions every hook here follows, so that the list reads as one vocabulary:

- the name starts with ``found_`` (pluggy only matches names, so the prefix keeps found's hooks
  apart from another host's hooks living in the same module);
- the signature is fully typed and the docstring says who calls it, when, and what to return;
- hooks are synchronous: pluggy calls are plain function calls, so nothing that happens per
  transaction (begin, commit, retry) belongs here.

``found_register_commands(register)`` lets a store add subcommands to the ``found`` command:
found passes a ``register`` callback that creates the subcommand (the way llm's
``register_models(register)`` works), so that a plugin never touches found's own parser.
"""

from __future__ import annotations

from typing import Any, TypedDict

import pluggy

PROJECT_NAME = "found"
"""The pluggy project name: it ties :data:`hookspec` and :data:`hookimpl` together."""

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
"""Marks a function of this module as a hook specification."""

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marks a plugin function as the implementation of the found hook of the same name.

Example::

    from found.stores import StoreInfo, hookimpl

    @hookimpl
    def found_store_info() -> StoreInfo:
        return {"name": "example", "description": "A store that shows the plugin contract."}
"""


class StoreInfo(TypedDict):
    """What a store says about itself through :func:`found_store_info`.

    Example::

        info: StoreInfo = {"name": "nstore", "description": "Generic tuple store."}
    """

    name: str
    """The store's name, the same as its entry-point name (``"nstore"``)."""

    description: str
    """One line a person can read in ``found stores``."""


@hookspec
def found_store_info() -> StoreInfo:  # type: ignore[empty-body]  # a spec has no body
    """Describe the store this plugin module provides.

    Called by :func:`found.stores.load` right after the store's module is imported and
    registered, and only on that store's module; :func:`found.stores.describe` returns the
    answer. Implement it in the module that the store's ``found.stores`` entry point names.
    Return a :class:`StoreInfo` whose ``name`` is the entry-point name. A store that does not
    implement the hook is described by its entry-point name and the first line of its module
    docstring.

    Example::

        @hookimpl
        def found_store_info() -> StoreInfo:
            return {"name": "nstore", "description": "Generic tuple store with n columns."}
    """


@hookspec
def found_register_commands(register: Any) -> None:
    """Add subcommands to the ``found`` command line.

    Called once by ``found`` (the console script) for every installed store that implements
    it. ``register(name, help, handler)`` returns an :class:`argparse.ArgumentParser` for the new
    subcommand, to which the plugin adds its arguments; ``handler(args)`` runs it and returns
    the exit status. Use the store's name as a prefix (``"nstore-query"``) so that stores never
    collide; a name already taken raises ``found.UsageError``.

    Example::

        @hookimpl
        def found_register_commands(register):
            parser = register("example-hello", "say hello", lambda args: print("hello") or 0)
            parser.add_argument("--loud", action="store_true")
    """

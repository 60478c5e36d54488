"""Construction of found's pluggy plugin manager.

One function builds a manager that knows every hook specification of :mod:`found._hookspecs`;
the process shares one such manager, built on first use by :func:`plugin_manager`. Tests build
their own with :func:`make_plugin_manager` so that nothing they register leaks into the
process-wide one.

Plugins are not registered here: :mod:`found.stores` registers each store module when it is
loaded, so importing found never imports a store.
"""

from __future__ import annotations

import threading

import pluggy

import found._hookspecs as _hookspecs

_lock = threading.Lock()
_shared: pluggy.PluginManager | None = None


def make_plugin_manager() -> pluggy.PluginManager:
    """Return a new plugin manager holding found's hook specifications and no plugin.

    Example::

        >>> pm = make_plugin_manager()
        >>> pm.project_name, pm.get_plugins()
        ('found', set())
    """
    pm = pluggy.PluginManager(_hookspecs.PROJECT_NAME)
    pm.add_hookspecs(_hookspecs)
    return pm


def plugin_manager() -> pluggy.PluginManager:
    """Return the process-wide plugin manager, building it on first call.

    Example::

        >>> plugin_manager() is plugin_manager()
        True
    """
    global _shared
    with _lock:
        if _shared is None:
            _shared = make_plugin_manager()
        return _shared

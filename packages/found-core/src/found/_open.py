"""Opening a database: the target string picks the engine.

=========================  ===========================================================
target                     engine
=========================  ===========================================================
``memory://``              embedded, in this process, nothing on disk
``sqlite://PATH``          embedded, durable, in the SQLite file at PATH
``fdb://``                 FoundationDB, default cluster file
``fdb://CLUSTER_FILE``     FoundationDB, that cluster file
a path to a cluster file   FoundationDB, that cluster file
``None``                   ``$FOUND_DATABASE`` if set, else FoundationDB's default
=========================  ===========================================================
"""

from __future__ import annotations

import os
from typing import Any

from found._engines._storage import Clock
from found._errors import FoundTypeError, UsageError

__all__ = ["ENV_DATABASE", "open", "open_now"]

ENV_DATABASE = "FOUND_DATABASE"
_SCHEMES = ("memory://", "sqlite://", "fdb://")


async def open(
    target: str | os.PathLike[str] | None = None,
    *,
    clock: Clock | None = None,
    api_version: int | None = None,
) -> Any:
    """Open a database; ``target`` picks the engine (see the table in the module docstring).

    ``clock`` (embedded engines only) replaces the wall clock that ages transactions, so tests
    can step past FoundationDB's five-second limit without sleeping. ``api_version`` (the
    FoundationDB engine only) selects the API version, 730 by default.

    >>> import asyncio, found
    >>> async def main():
    ...     db = await found.open("memory://")
    ...     try:
    ...         return db.engine
    ...     finally:
    ...         await db.close()
    >>> asyncio.run(main())
    'memory'
    """
    return open_now(target, clock=clock, api_version=api_version)


def open_now(
    target: str | os.PathLike[str] | None = None,
    *,
    clock: Clock | None = None,
    api_version: int | None = None,
) -> Any:
    """:func:`open` without ``await``, for synchronous set-up code such as pytest fixtures."""
    if target is None:
        target = os.environ.get(ENV_DATABASE) or "fdb://"
    if isinstance(target, os.PathLike):
        target = os.fspath(target)
    if not isinstance(target, str):
        raise FoundTypeError(f"target must be a str, got {type(target).__name__}: {target!r:.80}")
    if target.startswith("memory://"):
        from found._engines._database import EmbeddedDatabase
        from found._engines._memory import MemoryStorage

        if target != "memory://":
            raise UsageError(f"memory:// takes no path, got {target!r}")
        storage = MemoryStorage(clock) if clock is not None else MemoryStorage()
        return EmbeddedDatabase(storage, target)
    if target.startswith("sqlite://"):
        from found._engines._database import EmbeddedDatabase
        from found._engines._sqlite import SqliteStorage

        path = target[len("sqlite://") :]
        if not path:
            raise UsageError("sqlite:// needs a file path, e.g. sqlite:///tmp/data.found")
        sqlite = SqliteStorage(path, clock) if clock is not None else SqliteStorage(path)
        return EmbeddedDatabase(sqlite, target)
    if "://" in target and not target.startswith("fdb://"):
        scheme = target.split("://", 1)[0]
        raise UsageError(
            f"unknown database scheme {scheme!r} in {target!r}; use one of "
            + ", ".join(_SCHEMES)
            + " or a path to a FoundationDB cluster file"
        )
    from found._engines._fdb import open_fdb

    cluster_file = target[len("fdb://") :] if target.startswith("fdb://") else target
    return open_fdb(cluster_file or None, api_version=api_version)

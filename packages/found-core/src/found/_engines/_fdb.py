"""The FoundationDB engine's loader: the official bindings, loaded only when a cluster is opened.

``import found`` never loads ``libfdb_c``: the bindings are imported here, when
``found.open("fdb://...")`` (or a cluster file path, or no target) asks for a cluster.

The API version is chosen once per process, as FoundationDB requires: 730 unless the first
``found.open(..., api_version=N)`` asks for another one in ``710..800``. Asking for a different
version later is a :class:`~found.UsageError`. What can go wrong while loading is reported as
:class:`FoundationDBUnavailable`, with what to install:

* the bindings are not installed (``pip install 'found-core[fdb73]'``, or ``[fdb74]``/``[fdb80]``);
* the bindings are installed but the client library ``libfdb_c`` is not (the FoundationDB client
  package of the platform provides it);
* the bindings and the client library are of different release lines: the bindings pass their
  header version (``fdb.LATEST_API_VERSION``: 730 for 7.3, 800 for 8.0) to
  ``fdb_select_api_version_impl``, which fails with 2203 ``api_version_not_supported`` when the
  library is older, even if a lower API version was requested.

Example::

    >>> import asyncio, found
    >>> async def main():
    ...     async with await found.open("fdb:///etc/foundationdb/fdb.cluster") as db:
    ...         return await found.transactional(db, found.get, b"hello")
"""

from __future__ import annotations

import re
import threading
from importlib import metadata
from typing import Any

from found._errors import FoundTypeError, UsageError

__all__ = [
    "DEFAULT_API_VERSION",
    "MAX_API_VERSION",
    "MIN_API_VERSION",
    "FoundationDBUnavailable",
    "open_fdb",
    "select_api_version",
    "selected_api_version",
]

DEFAULT_API_VERSION = 730
MIN_API_VERSION = 710
MAX_API_VERSION = 800

_lock = threading.RLock()
_selected: int | None = None
_network_started = False

_EXTRAS = (
    "pick the extra of your FoundationDB release line: `pip install 'found-core[fdb73]'` for "
    "7.3, 'found-core[fdb74]' for 7.4, 'found-core[fdb80]' for 8.0"
)
_CLIENT_HINT = (
    "Install the FoundationDB client package for your platform, which provides libfdb_c "
    "(foundationdb-clients .deb or .rpm on Linux, the FoundationDB installer on macOS and "
    "Windows: https://github.com/apple/foundationdb/releases), of the same release line as "
    "your cluster and the Python bindings"
)
_EMBEDDED_HINT = (
    "Without FoundationDB, use an embedded engine instead: found.open('memory://') or "
    "found.open('sqlite://PATH')."
)


class FoundationDBUnavailable(UsageError):  # noqa: N818 -- reads better as a condition
    """The FoundationDB bindings or client library cannot be used on this machine.

    The message says what is missing or mismatched and how to install it.

    Example::

        >>> issubclass(FoundationDBUnavailable, UsageError)
        True
    """


def selected_api_version() -> int | None:
    """The API version found selected in this process, or None before the first cluster open.

    >>> selected_api_version() in (None, 710, 720, 730, 740, 800)
    True
    """
    return _selected


def _check_version(version: object) -> int | None:
    if version is None:
        return None
    if type(version) is not int:
        raise FoundTypeError(
            f"api_version must be an int such as {DEFAULT_API_VERSION}, got "
            f"{type(version).__name__}: {version!r:.60}"
        )
    if not MIN_API_VERSION <= version <= MAX_API_VERSION:
        raise UsageError(
            f"api_version {version} is outside the range found supports, "
            f"{MIN_API_VERSION}..{MAX_API_VERSION} (the default is {DEFAULT_API_VERSION})"
        )
    return version


def _import_bindings() -> Any:
    try:
        import fdb
    except ImportError as error:
        raise FoundationDBUnavailable(
            f"the FoundationDB Python bindings (the `foundationdb` package) are not installed "
            f"({error}); {_EXTRAS}. They also need the client library libfdb_c. {_CLIENT_HINT}. "
            f"{_EMBEDDED_HINT}"
        ) from error
    return fdb


def _bindings_version(fdb: Any) -> str:
    found = getattr(fdb, "__version__", None)
    if isinstance(found, str):
        return found
    try:
        return metadata.version("foundationdb")
    except metadata.PackageNotFoundError:
        return "(unknown version)"


def _already_selected(fdb: Any) -> int | None:
    """The API version other code in this process already gave the bindings, if any."""
    is_selected = getattr(fdb, "is_api_version_selected", None)
    if is_selected is None or not is_selected():
        return None
    version = fdb.get_api_version()
    return version if type(version) is int else None


def _client_max_version(fdb: Any, text: str) -> int | None:
    """The highest API version the loaded libfdb_c supports, if it can be learned."""
    capi = getattr(getattr(fdb, "impl", None), "_capi", None)
    if capi is not None:
        try:
            value = capi.fdb_get_max_api_version()
        except Exception:  # only a better message is at stake
            value = None
        if type(value) is int:
            return value
    match = re.search(r"maximum version of (\d+)", text)
    return int(match.group(1)) if match else None


def _library_missing(error: BaseException, text: str) -> bool:
    # fdb/impl.py raises a bare Exception("Unable to locate the FoundationDB API shared
    # library!") when libfdb_c is nowhere, and ctypes raises OSError for a file it cannot load.
    return isinstance(error, OSError) or "shared library" in text or "libfdb_c" in text


def _explain(fdb: Any, wanted: int, header: int | None, error: BaseException) -> UsageError:
    """Turn a failure of ``fdb.api_version(wanted)`` into a message saying what to install."""
    text = str(error)
    bindings = f"foundationdb {_bindings_version(fdb)}"
    if _library_missing(error, text):
        return FoundationDBUnavailable(
            f"the FoundationDB client library libfdb_c is not installed or cannot be loaded "
            f"(the {bindings} bindings said: {text}). {_CLIENT_HINT}. {_EMBEDDED_HINT}"
        )
    if (
        "not supported by the installed FoundationDB C library" in text
        or "supports a maximum version" in text
        or "2203" in text
    ):
        client = _client_max_version(fdb, text)
        client_text = f"API version {client}" if client is not None else "an older API version"
        if header is not None and (client is None or header > client):
            return FoundationDBUnavailable(
                f"the {bindings} bindings (header API version {header}) need a FoundationDB "
                f"client library that supports API version {header}, but the installed libfdb_c "
                f"supports at most {client_text} (error 2203 api_version_not_supported, even "
                f"though API version {wanted} was requested). The bindings must match the client "
                f"library: {_EXTRAS}; or install a newer client package. {_CLIENT_HINT}."
            )
        return FoundationDBUnavailable(
            f"API version {wanted} is not supported by the installed FoundationDB client library "
            f"(it supports at most {client_text}; the {bindings} bindings have header version "
            f"{header}). Choose another api_version in {MIN_API_VERSION}..{MAX_API_VERSION} or "
            f"install a matching client package."
        )
    return FoundationDBUnavailable(
        f"the {bindings} bindings could not select FoundationDB API version {wanted}: {text}"
    )


def select_api_version(version: int | None = None) -> Any:
    """Import the bindings, select the API version once per process, and return ``fdb``.

    ``None`` keeps the version already selected, or selects :data:`DEFAULT_API_VERSION`. A
    version different from the one selected raises :class:`~found.UsageError`.

    >>> select_api_version("730")
    Traceback (most recent call last):
    ...
    found._errors.FoundTypeError: api_version must be an int such as 730, got str: '730'
    """
    global _selected
    wanted = _check_version(version)
    with _lock:
        if _selected is not None:
            if wanted is not None and wanted != _selected:
                raise UsageError(
                    f"FoundationDB API version {_selected} was already selected in this process; "
                    f"it cannot be changed to {wanted} (FoundationDB allows one API version per "
                    f"process)"
                )
            return _import_bindings()
        fdb = _import_bindings()
        already = _already_selected(fdb)
        if already is not None:
            if wanted is not None and wanted != already:
                raise UsageError(
                    f"the foundationdb bindings were already set to API version {already} in "
                    f"this process (fdb.api_version); found cannot change it to {wanted}"
                )
            if not MIN_API_VERSION <= already <= MAX_API_VERSION:
                raise UsageError(
                    f"the foundationdb bindings were already set to API version {already} in "
                    f"this process (fdb.api_version); found needs "
                    f"{MIN_API_VERSION}..{MAX_API_VERSION}"
                )
            _selected = already
            return fdb
        chosen = DEFAULT_API_VERSION if wanted is None else wanted
        header = getattr(fdb, "LATEST_API_VERSION", None)
        header = header if type(header) is int else None
        if header is not None and chosen > header:
            raise FoundationDBUnavailable(
                f"the installed foundationdb {_bindings_version(fdb)} bindings know API versions "
                f"up to {header}, so they cannot select {chosen}: {_EXTRAS} (with a client "
                f"library of that line), or pass api_version={header}"
            )
        try:
            fdb.api_version(chosen)
        except Exception as error:
            raise _explain(fdb, chosen, header, error) from error
        _selected = chosen
        return fdb


def _database_handle(fdb: Any, cluster_file: str | None) -> Any:
    """A database handle of the bindings; the first one also starts the network thread.

    ``fdb.open`` starts FoundationDB's network thread once per process and caches one handle per
    cluster file; later opens get a handle of their own (``fdb.impl.create_database``), so that
    database options set on one found database do not leak into another.
    """
    global _network_started
    from found._engines._bridge import translated

    with _lock, translated():
        if not _network_started:
            handle = fdb.open(cluster_file)
            _network_started = True
            return handle
        create = getattr(getattr(fdb, "impl", None), "create_database", None)
        if create is None:
            return fdb.open(cluster_file)
        return create(cluster_file)


def open_fdb(cluster_file: str | None, *, api_version: int | None = None) -> Any:
    """Open a FoundationDB cluster through the official bindings (``None``: the default cluster
    file, or ``$FDB_CLUSTER_FILE``); what ``found.open("fdb://...")`` calls.

    >>> open_fdb(42)
    Traceback (most recent call last):
    ...
    found._errors.FoundTypeError: cluster_file must be a str or None, got int: 42
    """
    if cluster_file is not None and not isinstance(cluster_file, str):
        raise FoundTypeError(
            f"cluster_file must be a str or None, got {type(cluster_file).__name__}: "
            f"{cluster_file!r:.60}"
        )
    fdb = select_api_version(api_version)
    handle = _database_handle(fdb, cluster_file or None)
    from found._engines._fdb_engine import FDBDatabase

    return FDBDatabase(fdb, handle, "fdb://" + (cluster_file or ""))

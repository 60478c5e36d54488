"""The FoundationDB engine: the official bindings, loaded only when a cluster is opened.

``import found`` never loads ``libfdb_c``: the bindings are imported here, when
``found.open("fdb://...")`` (or a cluster file path, or no target) asks for a cluster. The API
version is chosen once per process, as FoundationDB requires.
"""

from __future__ import annotations

from typing import Any

from found._errors import UsageError

__all__ = ["DEFAULT_API_VERSION", "FoundationDBUnavailable", "open_fdb", "select_api_version"]

DEFAULT_API_VERSION = 730
MIN_API_VERSION = 710
MAX_API_VERSION = 800
_selected: int | None = None

_INSTALL_HINT = (
    "Install the FoundationDB client package for your platform (it provides libfdb_c; see "
    "https://apple.github.io/foundationdb/downloads.html) and the matching bindings, e.g. "
    "`pip install 'found-core[fdb73]'` for FoundationDB 7.3. Without a cluster, use an "
    "embedded engine instead: found.open('memory://') or found.open('sqlite://PATH')."
)


class FoundationDBUnavailable(UsageError):  # noqa: N818 -- reads better as a condition
    """The FoundationDB client library or bindings cannot be loaded on this machine."""


def select_api_version(version: int | None = None) -> Any:
    """Import the bindings and select the API version (once per process); return ``fdb``."""
    global _selected
    wanted = DEFAULT_API_VERSION if version is None else version
    if not isinstance(wanted, int) or isinstance(wanted, bool):
        raise UsageError(f"api_version must be an int, got {type(wanted).__name__}")
    if not MIN_API_VERSION <= wanted <= MAX_API_VERSION:
        raise UsageError(
            f"api_version {wanted} is outside the supported range "
            f"{MIN_API_VERSION}..{MAX_API_VERSION}"
        )
    if _selected is not None:
        if version is not None and wanted != _selected:
            raise UsageError(
                f"FoundationDB API version {_selected} was already selected in this process; "
                f"it cannot be changed to {wanted}"
            )
        import fdb

        return fdb
    try:
        import fdb
    except ImportError as error:
        raise FoundationDBUnavailable(
            f"the FoundationDB Python bindings are not installed ({error}). {_INSTALL_HINT}"
        ) from error
    header = getattr(fdb, "LATEST_API_VERSION", None)
    try:
        fdb.api_version(wanted)
    except Exception as error:
        text = str(error)
        if "libfdb_c" in text or "library" in text.lower() or isinstance(error, OSError):
            raise FoundationDBUnavailable(
                f"the FoundationDB client library libfdb_c could not be loaded ({text}). "
                f"{_INSTALL_HINT}"
            ) from error
        raise FoundationDBUnavailable(
            f"the foundationdb bindings (header API version {header}) do not work with the "
            f"installed client library for API version {wanted}: {text}. Install the "
            f"bindings of your FoundationDB release line (found-core[fdb73], [fdb74] or "
            f"[fdb80])."
        ) from error
    _selected = wanted
    return fdb


def open_fdb(cluster_file: str | None, *, api_version: int | None = None) -> Any:
    """Open a FoundationDB cluster through the official bindings."""
    fdb = select_api_version(api_version)
    from found._engines._fdb_engine import FDBDatabase

    return FDBDatabase(fdb, cluster_file)

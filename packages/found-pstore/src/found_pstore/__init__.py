"""pstore: term postings for full-text search.

pstore indexes documents by the terms they contain (term -> documents and counts) and
ranks the documents that match a query's terms.

This release is the package's shell: it registers the store with found (the ``found.stores``
entry point and the ``found_store_info`` hook) so that ``from found import pstore`` works; the
store's API comes in later releases.

Example::

    from found import pstore

    print(pstore.__version__)
"""

from importlib.metadata import version as _version

from found.stores import StoreInfo, hookimpl

__version__ = _version("found-pstore")

__all__ = ["__version__"]


@hookimpl
def found_store_info() -> StoreInfo:
    """Describe this store to found's registry (see ``found.stores.describe``).

    Example::

        >>> found_store_info()["name"]
        'pstore'
    """
    return {
        "name": "pstore",
        "description": "Term postings for full-text search.",
    }

"""nstore: tuples of n items, found by any pattern of known items.

nstore keeps tuples of ``n`` items (triples when ``n`` is 3) and answers any pattern in
which some items are known and the others are variables, with one range read. For that it
writes each tuple under several index orders, enough that every pattern is a prefix of one.

This release is the package's shell: it registers the store with found (the ``found.stores``
entry point and the ``found_store_info`` hook) so that ``from found import nstore`` works; the
store's API comes in later releases.

Example::

    from found import nstore

    print(nstore.__version__)
"""

from importlib.metadata import version as _version

from found.stores import StoreInfo, hookimpl

__version__ = _version("found-nstore")

__all__ = ["__version__"]


@hookimpl
def found_store_info() -> StoreInfo:
    """Describe this store to found's registry (see ``found.stores.describe``).

    Example::

        >>> found_store_info()["name"]
        'nstore'
    """
    return {
        "name": "nstore",
        "description": "Tuples of n items, found by any pattern of known items.",
    }

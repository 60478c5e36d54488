"""bstore: content-addressed binary objects split over many keys.

bstore stores blobs larger than one FoundationDB value: each blob is cut into chunks
written under consecutive keys, and is named by the hash of its content, so that storing the
same bytes twice returns the same identifier.

This release is the package's shell: it registers the store with found (the ``found.stores``
entry point and the ``found_store_info`` hook) so that ``from found import bstore`` works; the
store's API comes in later releases.

Example::

    from found import bstore

    print(bstore.__version__)
"""

from importlib.metadata import version as _version

from found.stores import StoreInfo, hookimpl

__version__ = _version("found-bstore")

__all__ = ["__version__"]


@hookimpl
def found_store_info() -> StoreInfo:
    """Describe this store to found's registry (see ``found.stores.describe``).

    Example::

        >>> found_store_info()["name"]
        'bstore'
    """
    return {
        "name": "bstore",
        "description": "Content-addressed binary objects split over many keys.",
    }

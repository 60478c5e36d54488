"""eavstore: records as (entity, attribute, value) rows.

eavstore keeps each record as rows of (entity, attribute, value), with an index from
(attribute, value) back to entities, so that a record can be read whole and records can be
found by any attribute's value.

This release is the package's shell: it registers the store with found (the ``found.stores``
entry point and the ``found_store_info`` hook) so that ``from found import eavstore`` works; the
store's API comes in later releases.

Example::

    from found import eavstore

    print(eavstore.__version__)
"""

from importlib.metadata import version as _version

from found.stores import StoreInfo, hookimpl

__version__ = _version("found-eavstore")

__all__ = ["__version__"]


@hookimpl
def found_store_info() -> StoreInfo:
    """Describe this store to found's registry (see ``found.stores.describe``).

    Example::

        >>> found_store_info()["name"]
        'eavstore'
    """
    return {
        "name": "eavstore",
        "description": "Records as (entity, attribute, value) rows.",
    }

"""nstore's exception: every misuse of the store's API raises :class:`NStoreException`.

Errors of the database itself (conflicts, ``transaction_too_old``, ...) are found's
:class:`found.FoundException` subclasses and pass through unchanged, so ``found.transactional``
still retries them.

Example::

    >>> import found
    >>> issubclass(NStoreException, found.BaseFoundException)
    True
"""

from __future__ import annotations

import found

__all__ = ["NStoreException"]


class NStoreException(found.BaseFoundException):
    """Misuse of an nstore: wrong number of items, an item the tuple layer cannot pack, ...

    The message names the store, the expected number of items or the offending item.

    Example::

        >>> raise NStoreException("store 'triples' holds 3 items per tuple, got 2")
        Traceback (most recent call last):
        ...
        found_nstore._errors.NStoreException: store 'triples' holds 3 items per tuple, got 2
    """

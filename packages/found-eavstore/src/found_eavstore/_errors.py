"""eavstore's exceptions, all under :class:`EAVStoreException`.

Misuse of the store's API raises one of the classes below; each is also found's matching misuse
class (:class:`found.FoundTypeError`, a ``TypeError``, or :class:`found.UsageError`, a
``ValueError``), so code that already catches those keeps working. Errors of the database itself
(conflicts, ``transaction_too_old``, ...) are found's :class:`found.FoundException` subclasses
and pass through unchanged, so :func:`found.transactional` still retries them.

Example::

    >>> import found
    >>> issubclass(IndexKeyTooLargeError, found.UsageError)
    True
    >>> issubclass(NotIndexedError, EAVStoreException)
    True
"""

from __future__ import annotations

import found

__all__ = [
    "EAVStoreException",
    "EAVStoreTypeError",
    "EAVStoreUsageError",
    "IndexKeyTooLargeError",
    "NotIndexedError",
    "TooLargeError",
]


class EAVStoreException(found.BaseFoundException):
    """Root of every exception eavstore raises itself.

    Example::

        >>> issubclass(EAVStoreException, found.BaseFoundException)
        True
    """


class EAVStoreTypeError(EAVStoreException, found.FoundTypeError):
    """An argument has the wrong type: a mapping that is not a mapping, a value the tuple layer
    cannot pack, a store handle that is not one. The message names the argument.

    Example::

        >>> raise EAVStoreTypeError("mapping must be a Mapping, got list")
        Traceback (most recent call last):
        ...
        found_eavstore._errors.EAVStoreTypeError: mapping must be a Mapping, got list
    """


class EAVStoreUsageError(EAVStoreException, found.UsageError):
    """An argument has a value the store cannot work with (see the subclasses).

    Example::

        >>> raise EAVStoreUsageError("match() needs at least one condition")
        Traceback (most recent call last):
        ...
        found_eavstore._errors.EAVStoreUsageError: match() needs at least one condition
    """


class TooLargeError(EAVStoreUsageError):
    """A row would break FoundationDB's limits: a key over 10,000 bytes or a value over
    100,000 bytes. Raised before anything is written; nothing is ever truncated.

    Example::

        >>> issubclass(TooLargeError, found.UsageError)
        True
    """


class IndexKeyTooLargeError(TooLargeError):
    """An indexed attribute's value is too large to be part of an index key.

    An index key holds the attribute, the value and the uid, and must fit FoundationDB's
    10,000-byte key limit. Declare the attribute unindexed (``make(..., unindexed=[...])``) to
    store large values: they are then kept in the entity's rows only (up to 100,000 bytes).

    Example::

        >>> issubclass(IndexKeyTooLargeError, TooLargeError)
        True
    """


class NotIndexedError(EAVStoreUsageError):
    """A query or count names an attribute the store was told not to index.

    Example::

        >>> raise NotIndexedError("store 'docs': attribute 'body' is unindexed")
        Traceback (most recent call last):
        ...
        found_eavstore._errors.NotIndexedError: store 'docs': attribute 'body' is unindexed
    """

"""pstore's exceptions: every misuse of the store's API raises a :class:`PStoreException`.

Bad types raise :class:`PStoreTypeError` (also a ``TypeError``), bad values
:class:`PStoreValueError` (also a ``ValueError``); each message names the argument and the
offending value. Errors of the database itself (conflicts, ``transaction_too_old``, ...) are
found's :class:`found.FoundException` subclasses and pass through unchanged, so
``found.transactional`` still retries them.

Example::

    >>> import found
    >>> issubclass(PStoreTypeError, PStoreException), issubclass(PStoreTypeError, TypeError)
    (True, True)
    >>> issubclass(PStoreException, found.BaseFoundException)
    True
"""

from __future__ import annotations

import found

__all__ = ["PStoreException", "PStoreTypeError", "PStoreValueError"]


class PStoreException(found.BaseFoundException):
    """The root of pstore's own errors.

    Example::

        >>> raise PStoreException("store 'docs': something went wrong")
        Traceback (most recent call last):
        ...
        found_pstore._errors.PStoreException: store 'docs': something went wrong
    """


class PStoreTypeError(PStoreException, TypeError):
    """An argument of the wrong type: a term that is not a ``str``, a count that is not an ``int``.

    Example::

        >>> raise PStoreTypeError("term must be a str, got int: 42")
        Traceback (most recent call last):
        ...
        found_pstore._errors.PStoreTypeError: term must be a str, got int: 42
    """


class PStoreValueError(PStoreException, ValueError):
    """An argument of the right type but a bad value: a count of zero, no keywords at all.

    Example::

        >>> raise PStoreValueError("count of term 'cat' must be positive, got 0")
        Traceback (most recent call last):
        ...
        found_pstore._errors.PStoreValueError: count of term 'cat' must be positive, got 0
    """

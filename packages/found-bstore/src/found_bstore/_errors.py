"""bstore's exceptions, all below :class:`BStoreException`.

* :class:`BlobNotFound`: no blob has that uid (never stored, or every reference deleted).
* :class:`BlobCorrupted`: the bytes read back do not match the blob's size or content hash.
* :class:`BStoreTypeError` / :class:`BStoreValueError`: an argument of the wrong type or value;
  they are also a ``TypeError`` / ``ValueError``, and the message names the argument.

Errors of the database itself (conflicts, ``transaction_too_old``, ...) are found's
:class:`found.FoundException` subclasses and pass through unchanged, so ``found.transactional``
still retries them.

Example::

    >>> import found
    >>> issubclass(BlobNotFound, BStoreException), issubclass(BStoreException,
    ...                                                        found.BaseFoundException)
    (True, True)
"""

from __future__ import annotations

import found

__all__ = [
    "BStoreException",
    "BStoreTypeError",
    "BStoreValueError",
    "BlobCorrupted",
    "BlobNotFound",
]


class BStoreException(found.BaseFoundException):
    """The root of bstore's own errors (the seed raised it for a missing uid; so do we).

    Example::

        >>> raise BStoreException("bstore 'files': something went wrong")
        Traceback (most recent call last):
        ...
        found_bstore._errors.BStoreException: bstore 'files': something went wrong
    """


class BlobNotFound(BStoreException):
    """No blob has this uid in the store: it was never stored, or its last reference is gone.

    Example::

        >>> raise BlobNotFound("bstore 'files': no blob with uid 00000000-...")
        Traceback (most recent call last):
        ...
        found_bstore._errors.BlobNotFound: bstore 'files': no blob with uid 00000000-...
    """


class BlobCorrupted(BStoreException):
    """The stored bytes fail the integrity check: a chunk is missing or has the wrong length,
    or the content hash of a full read differs from the one recorded when the blob was stored.

    Example::

        >>> raise BlobCorrupted("bstore 'files': blob 1f0c...: sha256 mismatch")
        Traceback (most recent call last):
        ...
        found_bstore._errors.BlobCorrupted: bstore 'files': blob 1f0c...: sha256 mismatch
    """


class BStoreTypeError(BStoreException, TypeError):
    """An argument of the wrong type: a blob that is not bytes, a uid that is not a UUID, ...

    Example::

        >>> raise BStoreTypeError("blob must be bytes-like, got str: 'hello'")
        Traceback (most recent call last):
        ...
        found_bstore._errors.BStoreTypeError: blob must be bytes-like, got str: 'hello'
    """


class BStoreValueError(BStoreException, ValueError):
    """An argument of the right type but a bad value: a negative offset, a chunk size too big.

    Example::

        >>> raise BStoreValueError("start must be >= 0, got -1")
        Traceback (most recent call last):
        ...
        found_bstore._errors.BStoreValueError: start must be >= 0, got -1
    """

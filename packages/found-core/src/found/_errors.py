"""found's exceptions: FoundationDB errors with their codes, and misuse errors.

Every exception found raises derives from :class:`BaseFoundException`, so one ``except`` clause
can catch them all. There are two families under it, as in asyncpg:

* :class:`FoundException`: an error FoundationDB reports, identified by an integer ``code``
  (1020 ``not_committed``, 1007 ``transaction_too_old``, ...). ``found._error_codes`` (generated
  from FoundationDB's error table) holds one subclass per client-visible code, so a retry loop can
  say ``except NotCommitted``. The predicates ``retryable``, ``maybe_committed`` and
  ``retryable_not_committed`` are those of ``fdb_error_predicate`` in FoundationDB 7.3, and
  ``retried_by_on_error`` says whether ``Transaction.on_error`` retries the error.
* Misuse of found's API, which FoundationDB never sees: :class:`UsageError` (a bad value; also a
  ``ValueError``) and :class:`FoundTypeError` (a bad type; also a ``TypeError``). Their messages
  name the argument and what was wrong with it.

Example::

    >>> from found._errors import error_for
    >>> e = error_for(1020)
    >>> type(e).__name__, e.code, e.name, e.retryable
    ('NotCommitted', 1020, 'not_committed', True)
    >>> str(e)
    'Transaction not committed due to conflict with another transaction (1020)'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "MAYBE_COMMITTED_CODES",
    "ON_ERROR_RETRY_CODES",
    "RETRYABLE_CODES",
    "RETRYABLE_NOT_COMMITTED_CODES",
    "UNKNOWN_ERROR_DESCRIPTION",
    "UNKNOWN_ERROR_NAME",
    "BaseFoundException",
    "FoundException",
    "FoundTypeError",
    "UsageError",
    "check_bytes",
    "check_int",
    "error_for",
]

#: Codes for which ``fdb_error_predicate(MAYBE_COMMITTED)`` is true in FoundationDB 7.3: the
#: transaction may have been committed although the commit failed.
MAYBE_COMMITTED_CODES: frozenset[int] = frozenset({1021, 1039})

#: Codes for which ``fdb_error_predicate(RETRYABLE_NOT_COMMITTED)`` is true in FoundationDB 7.3:
#: retrying is safe because nothing was committed.
RETRYABLE_NOT_COMMITTED_CODES: frozenset[int] = frozenset(
    {1007, 1009, 1020, 1037, 1038, 1042, 1051, 1078, 1213, 1223}
)

#: Codes for which ``fdb_error_predicate(RETRYABLE)`` is true: the union of the two sets above.
RETRYABLE_CODES: frozenset[int] = MAYBE_COMMITTED_CODES | RETRYABLE_NOT_COMMITTED_CODES

#: Codes that ``on_error`` retries in FoundationDB 7.3: the retryable ones plus 1079
#: ``blob_granule_request_failed``, which the predicate does not list.
ON_ERROR_RETRY_CODES: frozenset[int] = RETRYABLE_CODES | {1079}

#: Description of a code missing from FoundationDB's table, as ``fdb_get_error`` gives it.
UNKNOWN_ERROR_DESCRIPTION = "UNKNOWN_ERROR"

#: ``name`` of a code missing from FoundationDB's table.
UNKNOWN_ERROR_NAME = "UNKNOWN_ERROR"

_REPR_LIMIT = 60


class BaseFoundException(Exception):  # noqa: N818 -- the name is part of found's public API
    """Root of every exception found raises.

    Example::

        >>> issubclass(FoundException, BaseFoundException)
        True
        >>> issubclass(UsageError, BaseFoundException)
        True
    """


class UsageError(BaseFoundException, ValueError):
    """found's API was called with a wrong value or in a wrong state; also a ``ValueError``.

    Example::

        >>> raise UsageError("limit must be >= 0, got -2")
        Traceback (most recent call last):
        ...
        found._errors.UsageError: limit must be >= 0, got -2
    """


class FoundTypeError(BaseFoundException, TypeError):
    """An argument of found's API has the wrong type; also a ``TypeError``.

    Example::

        >>> check_bytes("abc", "key")
        Traceback (most recent call last):
        ...
        found._errors.FoundTypeError: key must be bytes, got str: 'abc'
    """


def _short_repr(value: object) -> str:
    text = repr(value)
    if len(text) > _REPR_LIMIT:
        text = text[: _REPR_LIMIT - 3] + "..."
    return text


def check_bytes(value: object, what: str) -> bytes:
    """Return ``value`` if it is ``bytes``, else raise :class:`FoundTypeError` naming ``what``.

    A subclass of ``bytes`` is returned as plain ``bytes``. ``bytearray``, ``memoryview`` and
    ``str`` are refused, as FoundationDB's Python binding refuses them.

    Example::

        >>> check_bytes(b"k", "key")
        b'k'
        >>> check_bytes(7, "value")
        Traceback (most recent call last):
        ...
        found._errors.FoundTypeError: value must be bytes, got int: 7
    """
    if type(value) is bytes:
        return value
    if isinstance(value, bytes):
        return bytes(value)
    raise FoundTypeError(f"{what} must be bytes, got {type(value).__name__}: {_short_repr(value)}")


def check_int(value: object, what: str) -> int:
    """Return ``value`` if it is an ``int`` (not a ``bool``), else raise :class:`FoundTypeError`.

    Example::

        >>> check_int(3, "limit")
        3
        >>> check_int("3", "limit")
        Traceback (most recent call last):
        ...
        found._errors.FoundTypeError: limit must be int, got str: '3'
    """
    if type(value) is int:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise FoundTypeError(f"{what} must be int, got {type(value).__name__}: {_short_repr(value)}")


_error_table: Mapping[int, tuple[str, str]] | None = None
_error_classes: Mapping[int, type[FoundException]] | None = None


def _tables() -> tuple[Mapping[int, tuple[str, str]], Mapping[int, type[FoundException]]]:
    """Return the generated tables; imported on first use because they subclass this module."""
    global _error_table, _error_classes
    if _error_table is None or _error_classes is None:
        from found._error_codes import ERROR_CLASSES, ERROR_TABLE

        _error_table, _error_classes = ERROR_TABLE, ERROR_CLASSES
    return _error_table, _error_classes


class FoundException(BaseFoundException):
    """An error reported by FoundationDB (or by an embedded engine imitating it).

    ``code`` is FoundationDB's error code, ``name`` its name in FoundationDB's error table (such
    as ``"not_committed"``) and ``description`` its message. A code missing from the table gets
    the description ``"UNKNOWN_ERROR"``, as with the official binding. ``str(e)`` is
    ``f"{description} ({code})"`` and ``repr(e)`` is ``f"{ClassName}({code})"``.

    ``FoundException(code)`` works for every code but always builds a plain ``FoundException``;
    :func:`error_for` builds the named subclass (``NotCommitted`` for 1020, ...), and a named
    subclass needs no code: ``NotCommitted()``.

    Example::

        >>> e = FoundException(1007)
        >>> e.code, e.name, e.retryable
        (1007, 'transaction_too_old', True)
        >>> e
        FoundException(1007)
        >>> str(FoundException(31337))
        'UNKNOWN_ERROR (31337)'
    """

    code: int
    name: str
    description: str

    def __init__(self, code: int | None = None, description: str | None = None) -> None:
        fixed: int | None = getattr(type(self), "code", None)
        if code is None:
            if fixed is None:
                raise UsageError(
                    "FoundException needs an error code, e.g. FoundException(1020); "
                    "error_for(code) returns the named subclass"
                )
            code = fixed
        else:
            code = check_int(code, "code")
            if fixed is not None and code != fixed:
                raise UsageError(
                    f"{type(self).__name__} is error {fixed}, got code {code}; "
                    f"use error_for({code}) to build the right class"
                )
        if description is not None and not isinstance(description, str):
            raise FoundTypeError(
                f"description must be str, got {type(description).__name__}: "
                f"{_short_repr(description)}"
            )
        if fixed is None:
            name, default = _tables()[0].get(code, (UNKNOWN_ERROR_NAME, UNKNOWN_ERROR_DESCRIPTION))
            self.name = name
        else:
            default = type(self).description
        self.code = code
        self.description = default if description is None else description
        # args feed BaseException.__reduce__, so instances pickle back to the same class.
        super().__init__(code, self.description)

    def __str__(self) -> str:
        return f"{self.description} ({self.code})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code})"

    @property
    def retryable(self) -> bool:
        """True if FoundationDB's ``retryable`` predicate holds: ``maybe_committed`` or
        ``retryable_not_committed``.

        Example::

            >>> FoundException(1021).retryable, FoundException(2000).retryable
            (True, False)
        """
        return self.code in RETRYABLE_CODES

    @property
    def maybe_committed(self) -> bool:
        """True if the transaction may have been committed anyway (codes 1021 and 1039).

        Example::

            >>> FoundException(1021).maybe_committed, FoundException(1020).maybe_committed
            (True, False)
        """
        return self.code in MAYBE_COMMITTED_CODES

    @property
    def retryable_not_committed(self) -> bool:
        """True if retrying is safe because the transaction was certainly not committed.

        Example::

            >>> FoundException(1020).retryable_not_committed
            True
            >>> FoundException(1021).retryable_not_committed
            False
        """
        return self.code in RETRYABLE_NOT_COMMITTED_CODES

    @property
    def retried_by_on_error(self) -> bool:
        """True if ``Transaction.on_error`` retries this error: ``retryable`` codes and 1079.

        Example::

            >>> FoundException(1079).retried_by_on_error, FoundException(1079).retryable
            (True, False)
        """
        return self.code in ON_ERROR_RETRY_CODES


def error_for(code: int, description: str | None = None) -> FoundException:
    """Return an exception for FoundationDB error ``code``, of its named subclass if it has one.

    ``description`` overrides the table's description (for instance with the text the C client
    reported). A code that has no named subclass gives a plain :class:`FoundException`, whose
    description is ``"UNKNOWN_ERROR"`` when the code is not in FoundationDB's table either.

    Example::

        >>> error_for(2017)
        UsedDuringCommit(2017)
        >>> e = error_for(29999)
        >>> type(e).__name__, str(e)
        ('FoundException', 'UNKNOWN_ERROR (29999)')
    """
    code = check_int(code, "code")
    cls = _tables()[1].get(code, FoundException)
    return cls(code, description)

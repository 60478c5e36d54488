"""Key selectors: FoundationDB's way to name a key relative to another one.

A selector ``(key, or_equal, offset)`` first finds the last key that is less than ``key`` (or
less than or equal, with ``or_equal``), then moves ``offset`` keys from there. The four helpers
below are FoundationDB's four named selectors; their ``offset`` argument is *added* to the
selector's own offset, so ``gte(k, 1)`` is the key after the first key at or after ``k``.
"""

from __future__ import annotations

from dataclasses import dataclass

from found._errors import FoundTypeError

__all__ = ["KeySelector", "gt", "gte", "lt", "lte"]


@dataclass(frozen=True, slots=True)
class KeySelector:
    """A key selector; compare :func:`gte`, :func:`gt`, :func:`lt`, :func:`lte`.

    >>> KeySelector(b"a", False, 1) + 2
    KeySelector(key=b'a', or_equal=False, offset=3)
    """

    key: bytes
    or_equal: bool
    offset: int

    def __post_init__(self) -> None:
        if not isinstance(self.key, bytes):
            raise FoundTypeError(
                f"key selector key must be bytes, got {type(self.key).__name__}: {self.key!r}"
            )
        _check_offset(self.offset)

    def __add__(self, offset: int) -> KeySelector:
        return KeySelector(self.key, self.or_equal, self.offset + _check_offset(offset))

    def __sub__(self, offset: int) -> KeySelector:
        return KeySelector(self.key, self.or_equal, self.offset - _check_offset(offset))


def _check_offset(offset: object) -> int:
    if not isinstance(offset, int) or isinstance(offset, bool):
        raise FoundTypeError(f"key selector offset must be an int, got {type(offset).__name__}")
    return offset


def lt(key: bytes, offset: int = 0) -> KeySelector:
    """The last key strictly less than ``key`` (FoundationDB's ``last_less_than``).

    >>> lt(b"b")
    KeySelector(key=b'b', or_equal=False, offset=0)
    """
    return KeySelector(key, False, _check_offset(offset))


def lte(key: bytes, offset: int = 0) -> KeySelector:
    """The last key less than or equal to ``key`` (``last_less_or_equal``).

    >>> lte(b"b", -1)
    KeySelector(key=b'b', or_equal=True, offset=-1)
    """
    return KeySelector(key, True, _check_offset(offset))


def gt(key: bytes, offset: int = 0) -> KeySelector:
    """The first key strictly greater than ``key`` (``first_greater_than``).

    >>> gt(b"b")
    KeySelector(key=b'b', or_equal=True, offset=1)
    """
    return KeySelector(key, True, 1 + _check_offset(offset))


def gte(key: bytes, offset: int = 0) -> KeySelector:
    """The first key greater than or equal to ``key`` (``first_greater_or_equal``).

    >>> gte(b"b", 2)
    KeySelector(key=b'b', or_equal=False, offset=3)
    """
    return KeySelector(key, False, 1 + _check_offset(offset))

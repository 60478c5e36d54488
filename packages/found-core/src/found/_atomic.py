"""Byte rules of FoundationDB's atomic operations (API version 730).

An atomic operation does not read the key on the client: the cluster combines the value stored at
commit time (``existing``, or ``None`` when the key is absent) with the operation's ``param``. Both
embedded engines and the read-your-writes layer must combine them exactly like FoundationDB, so
this module is the single place where that happens: :func:`apply_atomic`.

The rules, read from FoundationDB's ``fdbclient/include/fdbclient/Atomic.h`` (``n`` is
``len(param)``, "fit" cuts the existing value to ``n`` bytes or pads it on the right with zero
bytes, integers are unsigned little-endian):

===================  ==========================================================================
ADD                  absent or empty existing, or empty param: ``param``; otherwise
                     ``fit(existing) + param`` modulo ``2**(8*n)`` (two's complement works)
BIT_AND              absent: ``param``; otherwise ``fit(existing) & param``
BIT_OR, BIT_XOR      absent or empty existing, or empty param: ``param``; otherwise bitwise
MAX                  absent or empty existing, or empty param: ``param``; otherwise the larger of
                     ``fit(existing)`` and ``param`` as integers
MIN                  absent: ``param``; empty param: empty; otherwise the smaller
BYTE_MAX, BYTE_MIN   absent: ``param``; otherwise the larger/smaller byte string (no fitting)
APPEND_IF_FITS       absent or empty existing: ``param``; empty param, or a result longer than
                     ``VALUE_SIZE_LIMIT``: ``existing`` unchanged (silently); else concatenation
COMPARE_AND_CLEAR    absent, or equal to ``param``: cleared (``None``); otherwise unchanged
===================  ==========================================================================

BIT_AND and MIN follow the API >= 510 rules (``doAndV2``/``doMinV2``), where an absent key takes
``param`` instead of being treated as zeros; found only speaks API 730.

The integer operations go through ``int.from_bytes``/``int.to_bytes``, which is much faster in
Python than a byte loop and gives the same bytes: carries past byte ``n`` are dropped by the
modulo, and bytes of the existing value past ``n`` are ignored by the cut.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from found._errors import UsageError, check_bytes, check_int, error_for

__all__ = [
    "ATOMIC_MUTATION_TYPES",
    "VALUE_SIZE_LIMIT",
    "MutationType",
    "apply_atomic",
]

#: Largest value FoundationDB stores, in bytes (``CLIENT_KNOBS->VALUE_SIZE_LIMIT``); an
#: APPEND_IF_FITS whose result would be longer leaves the value unchanged.
VALUE_SIZE_LIMIT = 100_000


class MutationType(enum.IntEnum):
    """FoundationDB's mutation type codes (``FDBMutationType`` in ``fdb.options``).

    SET_VALUE and CLEAR_RANGE are the plain ``set`` and ``clear`` mutations; the others are the
    atomic operations of ``Transaction.atomic_op``.

    Example::

        >>> MutationType.ADD, int(MutationType.COMPARE_AND_CLEAR)
        (<MutationType.ADD: 2>, 20)
        >>> MutationType(17).name
        'BYTE_MAX'
    """

    SET_VALUE = 0
    CLEAR_RANGE = 1
    ADD = 2
    BIT_AND = 6
    BIT_OR = 7
    BIT_XOR = 8
    APPEND_IF_FITS = 9
    MAX = 12
    MIN = 13
    SET_VERSIONSTAMPED_KEY = 14
    SET_VERSIONSTAMPED_VALUE = 15
    BYTE_MIN = 16
    BYTE_MAX = 17
    COMPARE_AND_CLEAR = 20


#: The codes ``Transaction.atomic_op`` accepts; any other code is error 2018
#: ``invalid_mutation_type`` (SET_VALUE and CLEAR_RANGE included).
ATOMIC_MUTATION_TYPES: frozenset[MutationType] = frozenset(MutationType) - {
    MutationType.SET_VALUE,
    MutationType.CLEAR_RANGE,
}


def _fit(existing: bytes, n: int) -> bytes:
    """Cut ``existing`` to ``n`` bytes or pad it on the right with zero bytes."""
    return existing[:n].ljust(n, b"\x00")


def _set_value(existing: bytes | None, param: bytes) -> bytes | None:
    return param


def _clear(existing: bytes | None, param: bytes) -> bytes | None:
    return None


def _add(existing: bytes | None, param: bytes) -> bytes | None:
    if not existing or not param:
        return param
    n = len(param)
    total = int.from_bytes(existing[:n], "little") + int.from_bytes(param, "little")
    return (total & ((1 << (8 * n)) - 1)).to_bytes(n, "little")


def _bit_and(existing: bytes | None, param: bytes) -> bytes | None:
    if existing is None or not param:
        return param
    n = len(param)
    result = int.from_bytes(existing[:n], "little") & int.from_bytes(param, "little")
    return result.to_bytes(n, "little")


def _bit_or(existing: bytes | None, param: bytes) -> bytes | None:
    if not existing or not param:
        return param
    n = len(param)
    result = int.from_bytes(existing[:n], "little") | int.from_bytes(param, "little")
    return result.to_bytes(n, "little")


def _bit_xor(existing: bytes | None, param: bytes) -> bytes | None:
    if not existing or not param:
        return param
    n = len(param)
    result = int.from_bytes(existing[:n], "little") ^ int.from_bytes(param, "little")
    return result.to_bytes(n, "little")


def _append_if_fits(existing: bytes | None, param: bytes) -> bytes | None:
    if not existing:
        return param
    if not param or len(existing) + len(param) > VALUE_SIZE_LIMIT:
        return existing
    return existing + param


def _max(existing: bytes | None, param: bytes) -> bytes | None:
    if not existing or not param:
        return param
    n = len(param)
    if int.from_bytes(param, "little") >= int.from_bytes(existing[:n], "little"):
        return param
    return _fit(existing, n)


def _min(existing: bytes | None, param: bytes) -> bytes | None:
    if existing is None or not param:
        return param
    n = len(param)
    if int.from_bytes(param, "little") <= int.from_bytes(existing[:n], "little"):
        return param
    return _fit(existing, n)


def _byte_max(existing: bytes | None, param: bytes) -> bytes | None:
    if existing is None:
        return param
    return existing if existing > param else param


def _byte_min(existing: bytes | None, param: bytes) -> bytes | None:
    if existing is None:
        return param
    return existing if existing < param else param


def _compare_and_clear(existing: bytes | None, param: bytes) -> bytes | None:
    if existing is None or existing == param:
        return None
    return existing


def _versionstamped(op: MutationType) -> Callable[[bytes | None, bytes], bytes | None]:
    def refuse(existing: bytes | None, param: bytes) -> bytes | None:
        raise UsageError(
            f"{op.name} cannot be applied to a stored value: its result depends on the commit "
            "versionstamp, which only the commit knows"
        )

    return refuse


# Keyed by int so that a plain integer code finds its rule too (MutationType is an int).
_APPLY: dict[int, Callable[[bytes | None, bytes], bytes | None]] = {
    MutationType.SET_VALUE: _set_value,
    MutationType.CLEAR_RANGE: _clear,
    MutationType.ADD: _add,
    MutationType.BIT_AND: _bit_and,
    MutationType.BIT_OR: _bit_or,
    MutationType.BIT_XOR: _bit_xor,
    MutationType.APPEND_IF_FITS: _append_if_fits,
    MutationType.MAX: _max,
    MutationType.MIN: _min,
    MutationType.SET_VERSIONSTAMPED_KEY: _versionstamped(MutationType.SET_VERSIONSTAMPED_KEY),
    MutationType.SET_VERSIONSTAMPED_VALUE: _versionstamped(MutationType.SET_VERSIONSTAMPED_VALUE),
    MutationType.BYTE_MIN: _byte_min,
    MutationType.BYTE_MAX: _byte_max,
    MutationType.COMPARE_AND_CLEAR: _compare_and_clear,
}


def apply_atomic(op: MutationType | int, existing: bytes | None, param: bytes) -> bytes | None:
    """Return the value a key holds after mutation ``op`` with ``param`` hits value ``existing``.

    ``existing`` is ``None`` when the key is absent; a ``None`` result means the key is cleared.
    SET_VALUE gives ``param`` and CLEAR_RANGE gives ``None``. The versionstamped operations
    cannot be computed from a value and raise :class:`~found.UsageError`. An integer that is not
    a FoundationDB mutation code raises error 2018 (``InvalidMutationType``), as FoundationDB
    does.

    Example::

        >>> apply_atomic(MutationType.ADD, b"\\x0a\\x00", b"\\xfd\\xff")  # 10 + (-3)
        b'\\x07\\x00'
        >>> apply_atomic(MutationType.MAX, b"\\x05", b"\\x03\\x00")
        b'\\x05\\x00'
        >>> apply_atomic(MutationType.COMPARE_AND_CLEAR, b"x", b"x") is None
        True
    """
    function = _APPLY.get(op if type(op) is MutationType else check_int(op, "op"))
    if function is None:
        raise error_for(2018)
    if type(param) is not bytes:
        param = check_bytes(param, "param")
    if existing is not None and type(existing) is not bytes:
        existing = check_bytes(existing, "existing value")
    return function(existing, param)

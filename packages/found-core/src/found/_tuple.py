"""The FoundationDB tuple layer: order-preserving, self-delimiting keys built from Python values.

A packed tuple is the concatenation of its packed elements, so ``pack(a + b) == pack(a) +
pack(b)`` and ``pack(()) == b""``. Every element begins with a one-byte type code and ends in a
way the decoder can find without any length header; and for any two tuples, comparing the packed
bytes gives the same answer as comparing the tuples element by element (see :func:`compare`).
That is what lets a key-value store that only sorts bytes serve range scans over tuples.

The codes, and what follows each one (all multi-byte numbers are big-endian):

========== ================== ===========================================================
code       value              bytes after the code
========== ================== ===========================================================
``00``     ``None``           nothing; inside a nested tuple ``ff`` follows, see below
``01``     ``bytes``          the bytes with each ``00`` written ``00 ff``, then ``00``
``02``     ``str``            the same over the UTF-8 encoding
``05``     ``tuple``/``list`` the packed elements, ``None`` written ``00 ff``, then ``00``
``0c-13``  int < 0            ``0x14 - n``: n bytes of the one's complement (-1 is ``13 fe``)
``14``     ``0``              nothing
``15-1c``  int > 0            ``0x14 + n``: the n-byte magnitude (255 is ``15 ff``)
``0b/1d``  |int| >= 2**64-1   a length byte (negatives: length ^ 0xff), then as above
``20``     :class:`SingleFloat` 4 bytes of IEEE binary32, transformed as below
``21``     ``float``          8 bytes of IEEE binary64, transformed as below
``26/27``  ``False``/``True`` nothing
``30``     ``uuid.UUID``      the 16 bytes of the UUID
``33``     :class:`Versionstamp` 10 bytes of commit version and batch order, 2 of user version
========== ================== ===========================================================

Why each choice keeps the order:

* Byte strings: escaping ``00`` as ``00 ff`` leaves the terminator ``00`` as the smallest thing
  that can follow, so ``b"a"`` (``01 61 00``) sorts before ``b"a\\x00"`` (``01 61 00 ff 00``),
  which sorts before ``b"ab"``.
* Integers: the code grows with the magnitude's length for positives and shrinks for negatives,
  and the one's complement makes bigger negative numbers give bigger bytes. Python (like Java)
  uses the codes ``0b``/``1d`` for magnitudes of 9 to 255 bytes, and also for exactly
  ``2**64 - 1``, which the C++ encoder would write as ``1c ff...``.
* Floats: a set sign bit means flip every bit, a clear one means flip only the sign bit. The
  result sorts in IEEE total order: ``-nan < -inf < ... < -0.0 < 0.0 < ... < inf < nan``. So
  ``-0.0`` and ``0.0`` are different keys, and NaN payloads are kept.
* Types sort by code, so ints and floats do not interleave: ``(1.0,)`` sorts after ``(2**70,)``.

A :class:`Versionstamp` whose transaction version is not known yet (an *incomplete* stamp) packs
as ten ``ff`` bytes. Plain :func:`pack` refuses it; :func:`pack_with_versionstamp` accepts
exactly one and appends the 4-byte little-endian offset of its ten bytes, which is what
FoundationDB's ``SET_VERSIONSTAMPED_KEY`` mutation expects (API version 520 and later).

This module writes exactly the bytes of ``fdb.tuple`` from the FoundationDB 7.3 Python binding,
decodes everything ``fdb.tuple`` decodes to equal values, and raises ``ValueError`` where it
does (found's :class:`~found._errors.UsageError` is a ``ValueError``). It is written for speed:
the common types are dispatched inline, the rest through a dict keyed by type.

Example::

    >>> key = pack(("user", 42, b"\\x00"))
    >>> key
    b'\\x02user\\x00\\x15*\\x01\\x00\\xff\\x00'
    >>> unpack(key)
    ('user', 42, b'\\x00')
"""

from __future__ import annotations

import ctypes
import struct
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from found._errors import BaseFoundException, FoundTypeError, UsageError, check_bytes, check_int

__all__ = [
    "SingleFloat",
    "Versionstamp",
    "VersionstampCompletedError",
    "compare",
    "has_incomplete_versionstamp",
    "pack",
    "pack_with_versionstamp",
    "range",
    "tuple_range",
    "unpack",
]

_NULL = 0x00
_BYTES = 0x01
_STRING = 0x02
_NESTED = 0x05
_NEG_BIG_INT = 0x0B
_INT_ZERO = 0x14
_POS_BIG_INT = 0x1D
_FLOAT = 0x20
_DOUBLE = 0x21
_FALSE = 0x26
_TRUE = 0x27
_UUID = 0x30
_VERSIONSTAMP = 0x33

_MAX_BIG_INT_BYTES = 255
_U64_MAX = 0xFFFF_FFFF_FFFF_FFFF
_SIGN64 = 0x8000_0000_0000_0000
_SIGN32 = 0x8000_0000

# _POS_HEAD[n] + v packs 0 <= v < 2**(8n) as code 0x14+n and n bytes: one int.to_bytes call.
# _NEG_HEAD[n] + v packs -2**(8n) < v < 0 as code 0x14-n and n bytes of one's complement.
_POS_HEAD = tuple((_INT_ZERO + n) << (8 * n) for n in (0, 1, 2, 3, 4, 5, 6, 7, 8))
_NEG_HEAD = tuple(((_INT_ZERO + 1 - n) << (8 * n)) - 1 for n in (0, 1, 2, 3, 4, 5, 6, 7, 8))
_ONES = tuple((1 << (8 * n)) - 1 for n in (0, 1, 2, 3, 4, 5, 6, 7, 8))

_pack_double_le = struct.Struct("<d").pack
_unpack_i64_le = struct.Struct("<q").unpack
_pack_single_le = struct.Struct("<f").pack
_unpack_i32_le = struct.Struct("<i").unpack
_pack_code_u64 = struct.Struct(">BQ").pack
_pack_code_u32 = struct.Struct(">BI").pack
_unpack_double_be = struct.Struct(">d").unpack
_unpack_single_be = struct.Struct(">f").unpack
_pack_u64_be = struct.Struct(">Q").pack
_pack_u32_be = struct.Struct(">I").pack
_pack_stamp = struct.Struct(">B10sH").pack
_pack_stamp_body = struct.Struct(">10sH").pack
_pack_offset = struct.Struct("<L").pack

_UNSET_TR_VERSION = b"\xff" * 10
_UUID_HEAD = _UUID << 128

_new_object = object.__new__
_set_attribute = object.__setattr__
_SAFE_UNKNOWN = uuid.SafeUUID.unknown
_UUIDType = uuid.UUID
# _decode_uuid fills a UUID's slots directly, as UUID.__init__ does; only when they are the ones
# it knows (Python 3.10-3.13). Otherwise it falls back to the constructor.
_FAST_UUID = getattr(uuid.UUID, "__slots__", None) == ("int", "is_safe", "__weakref__")


class VersionstampCompletedError(BaseFoundException, RuntimeError):
    """:meth:`Versionstamp.completed` was called on a stamp that is already complete.

    It is a ``RuntimeError``, as in ``fdb.tuple``.

    Example::

        >>> Versionstamp(b"\\x00" * 10).completed(b"\\x01" * 10)
        Traceback (most recent call last):
        ...
        found._tuple.VersionstampCompletedError: Versionstamp is already complete: ...
    """


class _IncompleteStampError(Exception):
    """Raised by the fast encoder when plain :func:`pack` meets an incomplete versionstamp."""


def _float_key(value: float) -> int:
    """Map a double to an unsigned int whose order is the IEEE total order (``21`` encoding)."""
    bits: int = _unpack_i64_le(_pack_double_le(value))[0]
    return bits ^ ((bits >> 63) | _SIGN64)


def _mix_hash(value_hash: int) -> int:
    # Swap the low 16 bits of the magnitude to the top, as fdb.tuple.SingleFloat does, so that
    # hash(SingleFloat(x)) == hash(fdb.tuple.SingleFloat(x)) and differs from hash(x).
    if value_hash >= 0:
        return (value_hash >> 16) + ((value_hash & 0xFFFF) << 16)
    return (value_hash >> 16) + 1 - (((-value_hash) & 0xFFFF) << 16)


class SingleFloat:
    """A 32-bit IEEE float, packed with code ``0x20`` (a plain ``float`` packs as 64 bits).

    The value is rounded to single precision on construction and kept in ``value``. Equality
    and ordering follow the IEEE total order, like the packed bytes: ``-0.0`` differs from
    ``0.0`` and a NaN equals a NaN with the same bits.

    Example::

        >>> SingleFloat(0.1).value
        0.10000000149011612
        >>> pack((SingleFloat(1.5),)).hex()
        '20bfc00000'
        >>> SingleFloat(-0.0) < SingleFloat(0.0), SingleFloat(2) == SingleFloat(2.0)
        (True, True)
    """

    __slots__ = ("value",)

    value: float

    def __init__(self, value: float | int | ctypes.c_float) -> None:
        if isinstance(value, float):
            self.value = ctypes.c_float(value).value
        elif isinstance(value, ctypes.c_float):
            self.value = value.value
        elif isinstance(value, int):
            self.value = ctypes.c_float(value).value
        else:
            raise UsageError(
                f"SingleFloat needs a float, an int or a ctypes.c_float, "
                f"got {type(value).__name__}: {value!r}"
            )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SingleFloat):
            return _float_key(self.value) == _float_key(other.value)
        return NotImplemented

    def __lt__(self, other: SingleFloat) -> bool:
        if isinstance(other, SingleFloat):
            return _float_key(self.value) < _float_key(other.value)
        return NotImplemented

    def __le__(self, other: SingleFloat) -> bool:
        if isinstance(other, SingleFloat):
            return _float_key(self.value) <= _float_key(other.value)
        return NotImplemented

    def __gt__(self, other: SingleFloat) -> bool:
        if isinstance(other, SingleFloat):
            return _float_key(self.value) > _float_key(other.value)
        return NotImplemented

    def __ge__(self, other: SingleFloat) -> bool:
        if isinstance(other, SingleFloat):
            return _float_key(self.value) >= _float_key(other.value)
        return NotImplemented

    def __hash__(self) -> int:
        value = self.value
        if value != value:
            # hash(nan) depends on the object's identity since Python 3.10; equal NaNs (same
            # bits) must hash alike, so hash the bits instead.
            return _mix_hash(hash(_float_key(value)))
        return _mix_hash(hash(value))

    def __repr__(self) -> str:
        return f"SingleFloat({self.value})"

    def __str__(self) -> str:
        return str(self.value)


class Versionstamp:
    """A 12-byte versionstamp: 10 bytes of transaction version, then a 2-byte user version.

    ``tr_version`` is ``None`` while the stamp is *incomplete* (the commit will fill it in) or
    exactly 10 bytes. ``user_version`` is an int in ``[0, 65535]`` that orders several stamps
    written by one transaction. Every complete stamp sorts before every incomplete one; complete
    stamps sort by ``(tr_version, user_version)`` and incomplete ones by ``user_version``.

    A stamp built from ten ``ff`` bytes counts as complete (so :func:`pack` accepts it), but it
    packs like an incomplete one and therefore unpacks as incomplete.

    Example::

        >>> Versionstamp.incomplete(7).to_bytes().hex()
        'ffffffffffffffffffff0007'
        >>> Versionstamp(b"\\x01" * 10, 1).to_bytes().hex()
        '010101010101010101010001'
        >>> Versionstamp(b"\\x00" * 10) < Versionstamp.incomplete()
        True
    """

    __slots__ = ("tr_version", "user_version")

    LENGTH = 12

    tr_version: bytes | None
    user_version: int

    def __init__(self, tr_version: bytes | None = None, user_version: int = 0) -> None:
        Versionstamp.validate_tr_version(tr_version)
        Versionstamp.validate_user_version(user_version)
        self.tr_version = tr_version
        self.user_version = user_version

    @classmethod
    def validate_tr_version(cls, tr_version: object) -> None:
        """Raise unless ``tr_version`` is ``None`` or 10 bytes (``TypeError``/``ValueError``).

        Example::

            >>> Versionstamp.validate_tr_version(b"123")
            Traceback (most recent call last):
            ...
            found._errors.UsageError: Versionstamp tr_version must be 10 bytes, got 3
        """
        if tr_version is None:
            return
        if not isinstance(tr_version, bytes):
            raise FoundTypeError(
                f"Versionstamp tr_version must be bytes or None, got {type(tr_version).__name__}"
            )
        if len(tr_version) != 10:
            raise UsageError(f"Versionstamp tr_version must be 10 bytes, got {len(tr_version)}")

    @classmethod
    def validate_user_version(cls, user_version: object) -> None:
        """Raise unless ``user_version`` is an int in ``[0, 65535]`` (``TypeError``/``ValueError``).

        Example::

            >>> Versionstamp.validate_user_version(65536)
            Traceback (most recent call last):
            ...
            found._errors.UsageError: Versionstamp user_version 65536 is out of range [0, 65535]
        """
        if not isinstance(user_version, int):
            raise FoundTypeError(
                f"Versionstamp user_version must be an int, got {type(user_version).__name__}"
            )
        if not 0 <= user_version <= 0xFFFF:
            raise UsageError(f"Versionstamp user_version {user_version} is out of range [0, 65535]")

    @classmethod
    def incomplete(cls, user_version: int = 0) -> Versionstamp:
        """Return an incomplete stamp with ``user_version``, for :func:`pack_with_versionstamp`.

        Example::

            >>> Versionstamp.incomplete(3)
            Versionstamp(None, 3)
        """
        return Versionstamp(None, user_version)

    @classmethod
    def from_bytes(cls, v: bytes, start: int = 0) -> Versionstamp:
        """Read a stamp from the 12 bytes of ``v`` at ``start``; ten ``ff`` mean incomplete.

        Example::

            >>> Versionstamp.from_bytes(b"\\xff" * 10 + b"\\x00\\x05")
            Versionstamp(None, 5)
        """
        if not isinstance(v, bytes):
            raise FoundTypeError(f"Versionstamp.from_bytes needs bytes, got {type(v).__name__}")
        if start < 0:
            raise UsageError(f"Versionstamp.from_bytes start must be >= 0, got {start}")
        if len(v) - start < 12:
            raise UsageError(
                f"Versionstamp byte string is too short: {len(v) - start} bytes from "
                f"position {start}, 12 needed"
            )
        return _stamp_from(v, start)

    def is_complete(self) -> bool:
        """Return True if the transaction version is known.

        Example::

            >>> Versionstamp.incomplete().is_complete()
            False
        """
        return self.tr_version is not None

    def to_bytes(self) -> bytes:
        """Return the 12 bytes: ``tr_version`` (ten ``ff`` if incomplete) and the user version.

        Example::

            >>> Versionstamp(b"\\x00" * 9 + b"\\x01", 2).to_bytes().hex()
            '000000000000000000010002'
        """
        tr = self.tr_version
        return _pack_stamp_body(_UNSET_TR_VERSION if tr is None else tr, self.user_version)

    def completed(self, new_tr_version: bytes) -> Versionstamp:
        """Return a complete copy with ``new_tr_version``; an already complete stamp raises.

        Example::

            >>> Versionstamp.incomplete(4).completed(b"\\x02" * 10).is_complete()
            True
        """
        if self.tr_version is not None:
            raise VersionstampCompletedError(f"Versionstamp is already complete: {self!r}")
        return Versionstamp(new_tr_version, self.user_version)

    def _key(self) -> tuple[int, bytes, int]:
        tr = self.tr_version
        if tr is None:
            return (1, b"", self.user_version)
        return (0, tr, self.user_version)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Versionstamp):
            return self.tr_version == other.tr_version and self.user_version == other.user_version
        return NotImplemented

    def __lt__(self, other: Versionstamp) -> bool:
        if isinstance(other, Versionstamp):
            return self._key() < other._key()
        return NotImplemented

    def __le__(self, other: Versionstamp) -> bool:
        if isinstance(other, Versionstamp):
            return self._key() <= other._key()
        return NotImplemented

    def __gt__(self, other: Versionstamp) -> bool:
        if isinstance(other, Versionstamp):
            return self._key() > other._key()
        return NotImplemented

    def __ge__(self, other: Versionstamp) -> bool:
        if isinstance(other, Versionstamp):
            return self._key() >= other._key()
        return NotImplemented

    def __hash__(self) -> int:
        # Same values as fdb.tuple.Versionstamp's hash.
        if self.tr_version is None:
            return hash(self.user_version)
        return (hash(self.tr_version) * 37) ^ hash(self.user_version)

    def __repr__(self) -> str:
        return f"Versionstamp({self.tr_version!r}, {self.user_version!r})"


def _stamp_from(v: bytes, start: int) -> Versionstamp:
    """Build a stamp from 12 bytes known to be present, without re-validating them."""
    stamp: Versionstamp = _new_object(Versionstamp)
    tr = v[start : start + 10]
    stamp.tr_version = None if tr == _UNSET_TR_VERSION else tr
    stamp.user_version = (v[start + 10] << 8) | v[start + 11]
    return stamp


# ---------------------------------------------------------------------------------------------
# Encoding


def _encode_str(v: str) -> bytes:
    return b"\x02" + v.encode().replace(b"\x00", b"\x00\xff") + b"\x00"


def _encode_bytes(v: bytes) -> bytes:
    return b"\x01" + v.replace(b"\x00", b"\x00\xff") + b"\x00"


def _encode_int(v: int) -> bytes:
    n = (v.bit_length() + 7) >> 3
    if n < 8:
        if v >= 0:
            return (_POS_HEAD[n] + v).to_bytes(n + 1, "big")
        return (_NEG_HEAD[n] + v).to_bytes(n + 1, "big")
    return _encode_wide_int(v, n)


def _encode_wide_int(v: int, n: int) -> bytes:
    """Pack an int of at least 8 bytes of magnitude (``n`` is that byte count)."""
    if n == 8 and v != _U64_MAX and v != -_U64_MAX:
        if v >= 0:
            return (_POS_HEAD[8] + v).to_bytes(9, "big")
        return (_NEG_HEAD[8] + v).to_bytes(9, "big")
    if n > _MAX_BIG_INT_BYTES:
        raise UsageError(
            f"Integer with {n} bytes of magnitude is too large for the tuple encoding "
            f"(at most {_MAX_BIG_INT_BYTES})"
        )
    if v > 0:
        return bytes((_POS_BIG_INT, n)) + v.to_bytes(n, "big")
    return bytes((_NEG_BIG_INT, n ^ 0xFF)) + (v + _ones(n)).to_bytes(n, "big")


def _ones(n: int) -> int:
    return (1 << (8 * n)) - 1


def _encode_double(v: float) -> bytes:
    bits: int = _unpack_i64_le(_pack_double_le(v))[0]
    return _pack_code_u64(_DOUBLE, bits ^ ((bits >> 63) | _SIGN64))


def _encode_single(v: float) -> bytes:
    bits: int = _unpack_i32_le(_pack_single_le(v))[0]
    return _pack_code_u32(_FLOAT, (bits ^ ((bits >> 31) | _SIGN32)) & 0xFFFF_FFFF)


def _encode_single_float(v: SingleFloat) -> bytes:
    return _encode_single(v.value)


def _encode_bool(v: bool) -> bytes:
    return b"\x27" if v else b"\x26"


def _encode_uuid(v: uuid.UUID) -> bytes:
    return (_UUID_HEAD | v.int).to_bytes(17, "big")


# Exact types other than str, int, bytes, None, tuple and list (handled inline in _encode_items).
# Versionstamps, subclasses and ctypes floats go to _encode_other.
_SCALAR_ENCODERS: dict[type, Callable[[Any], bytes]] = {
    float: _encode_double,
    bool: _encode_bool,
    uuid.UUID: _encode_uuid,
    SingleFloat: _encode_single_float,
}


def _encode_items(
    items: Sequence[Any], out: list[bytes], nested: bool, stamps: list[int] | None
) -> None:
    """Append the packed elements of ``items`` to ``out``.

    ``stamps`` is None for plain packing (an incomplete versionstamp raises
    :class:`_IncompleteStampError`), else the list that receives, for each incomplete stamp, the
    index in ``out`` of its 13 bytes.
    """
    for v in items:
        tv = type(v)
        if tv is str:
            # Three appends are cheaper than two concatenations; join copies once at the end.
            out.append(b"\x02")
            out.append(v.encode().replace(b"\x00", b"\x00\xff"))
            out.append(b"\x00")
        elif tv is int:
            n = (v.bit_length() + 7) >> 3
            if n < 8:
                if v >= 0:
                    out.append((_POS_HEAD[n] + v).to_bytes(n + 1, "big"))
                else:
                    out.append((_NEG_HEAD[n] + v).to_bytes(n + 1, "big"))
            else:
                out.append(_encode_wide_int(v, n))
        elif tv is bytes:
            out.append(b"\x01")
            out.append(v.replace(b"\x00", b"\x00\xff"))
            out.append(b"\x00")
        elif v is None:
            out.append(b"\x00\xff" if nested else b"\x00")
        elif tv is tuple or tv is list:
            out.append(b"\x05")
            _encode_items(v, out, True, stamps)
            out.append(b"\x00")
        else:
            encoder = _SCALAR_ENCODERS.get(tv)
            if encoder is not None:
                out.append(encoder(v))
            else:
                _encode_other(v, out, stamps)


def _encode_other(v: object, out: list[bytes], stamps: list[int] | None) -> None:
    """Pack a versionstamp, a subclass of a supported type, or a ctypes float; else raise."""
    if isinstance(v, Versionstamp):
        tr = v.tr_version
        if tr is None:
            if stamps is None:
                raise _IncompleteStampError
            stamps.append(len(out))
            tr = _UNSET_TR_VERSION
        out.append(_pack_stamp(_VERSIONSTAMP, tr, v.user_version))
    elif isinstance(v, bytes):
        out.append(_encode_bytes(v))
    elif isinstance(v, str):
        out.append(_encode_str(v))
    elif isinstance(v, int) and not isinstance(v, bool):
        out.append(_encode_int(int(v)))
    elif isinstance(v, SingleFloat | ctypes.c_float):
        out.append(_encode_single(v.value))
    elif isinstance(v, ctypes.c_double):
        out.append(_encode_double(v.value))
    elif isinstance(v, float):
        out.append(_encode_double(v))
    elif isinstance(v, uuid.UUID):
        out.append(_encode_uuid(v))
    elif isinstance(v, tuple | list):
        out.append(b"\x05")
        _encode_items(v, out, True, stamps)
        out.append(b"\x00")
    else:
        raise UsageError(f"Unsupported data type in tuple: {type(v)}")


def _has_stamp_checked(items: Sequence[Any], nested: bool) -> bool:
    """Walk ``items`` raising the first error ``fdb.tuple`` would raise; True if one stamp.

    ``fdb.tuple`` checks for a second incomplete versionstamp only when the element holding it
    has been packed completely, so an unsupported value later in that element wins. The fast
    encoder does not follow that order; this slow walk runs only once an error is certain.
    """
    found = False
    for v in items:
        if isinstance(v, Versionstamp) and v.tr_version is None:
            has = True
        elif isinstance(v, tuple | list):
            has = _has_stamp_checked(v, True)
        else:
            _encode_items((v,), [], nested, None)
            has = False
        if has:
            if found:
                raise UsageError(
                    "Multiple incomplete versionstamps included in tuple; at most one is allowed"
                )
            found = True
    return found


def _check_tuple(t: object, what: str) -> None:
    if not isinstance(t, tuple):
        raise FoundTypeError(f"{what} expects a tuple, got {type(t).__name__}: {t!r:.60}")


def pack(t: tuple[Any, ...], prefix: bytes | None = None) -> bytes:
    """Pack the tuple ``t`` into bytes, after ``prefix`` if given.

    Raises ``ValueError`` for an unsupported element type and for an incomplete
    :class:`Versionstamp` (use :func:`pack_with_versionstamp` for those).

    Example::

        >>> pack(("a", 1, (None, b"\\x00"), True)).hex()
        '02610015010500ff0100ff000027'
        >>> pack((2**64,), prefix=b"p").hex()
        '701d09010000000000000000'
        >>> pack((object(),))
        Traceback (most recent call last):
        ...
        found._errors.UsageError: Unsupported data type in tuple: <class 'object'>
    """
    if type(t) is not tuple:
        _check_tuple(t, "pack()")
    if prefix is not None and type(prefix) is not bytes:
        prefix = check_bytes(prefix, "prefix")
    out: list[bytes] = [] if prefix is None else [prefix]
    try:
        _encode_items(t, out, False, None)
    except _IncompleteStampError:
        _has_stamp_checked(t, False)
        raise UsageError(
            "Incomplete versionstamp included in tuple given to pack(); "
            "use pack_with_versionstamp()"
        ) from None
    except UnicodeEncodeError as error:
        raise _unencodable(error) from None
    return b"".join(out)


def _unencodable(error: UnicodeEncodeError) -> UsageError:
    """The typed error for a string UTF-8 cannot encode (a lone surrogate)."""
    return UsageError(
        f"a string in the tuple cannot be encoded as UTF-8: {error.reason} "
        f"({error.object[error.start : error.end]!r} at position {error.start} of "
        f"{error.object!r:.80})"
    )


def pack_with_versionstamp(t: tuple[Any, ...], prefix: bytes | None = None) -> bytes:
    """Pack ``t``, which holds exactly one incomplete :class:`Versionstamp`, for a stamped key.

    The result is ``prefix + pack(t)`` followed by the position of the stamp's ten bytes as a
    4-byte little-endian number, the format of ``set_versionstamped_key`` (API >= 520). The
    stamp may sit inside nested tuples. No incomplete stamp, or several, raise ``ValueError``.

    Example::

        >>> pack_with_versionstamp(("x", Versionstamp.incomplete(5))).hex()
        '02780033ffffffffffffffffffff000504000000'
        >>> pack_with_versionstamp(("x",))
        Traceback (most recent call last):
        ...
        found._errors.UsageError: No incomplete versionstamp included in tuple given to ...
    """
    if type(t) is not tuple:
        _check_tuple(t, "pack_with_versionstamp()")
    if prefix is not None and type(prefix) is not bytes:
        prefix = check_bytes(prefix, "prefix")
    out: list[bytes] = [] if prefix is None else [prefix]
    stamps: list[int] = []
    try:
        _encode_items(t, out, False, stamps)
    except UnicodeEncodeError as error:
        raise _unencodable(error) from None
    except Exception:
        if len(stamps) > 1:
            _has_stamp_checked(t, False)
        raise
    if len(stamps) != 1:
        if stamps:
            raise UsageError(
                "Multiple incomplete versionstamps included in tuple; exactly one is allowed"
            )
        raise UsageError(
            "No incomplete versionstamp included in tuple given to pack_with_versionstamp()"
        )
    # The stamp's 13 bytes (code and stamp) are out[stamps[0]]; its ten bytes start 1 further.
    out.append(_pack_offset(1 + sum(map(len, out[: stamps[0]]))))
    return b"".join(out)


def has_incomplete_versionstamp(t: Sequence[Any]) -> bool:
    """Return True if ``t`` holds an incomplete :class:`Versionstamp`, at any nesting depth.

    Example::

        >>> has_incomplete_versionstamp((1, (2, Versionstamp.incomplete())))
        True
        >>> has_incomplete_versionstamp((1, Versionstamp(b"\\x00" * 10)))
        False
    """
    if not isinstance(t, tuple | list):
        raise FoundTypeError(f"expected a tuple, got {type(t).__name__}: {t!r:.60}")
    for item in t:
        if isinstance(item, Versionstamp):
            if item.tr_version is None:
                return True
        elif isinstance(item, tuple | list) and has_incomplete_versionstamp(item):
            return True
    return False


_builtin_range = range


def range(t: tuple[Any, ...]) -> slice:
    """Return the slice of keys holding every longer tuple that starts with ``t``.

    It is ``slice(pack(t) + b"\\x00", pack(t) + b"\\xff")``; ``pack(t)`` itself is outside it.
    Also exported as :func:`tuple_range`, which does not shadow the builtin.

    Example::

        >>> r = range(("a",))
        >>> r.start, r.stop
        (b'\\x02a\\x00\\x00', b'\\x02a\\x00\\xff')
    """
    if type(t) is not tuple:
        _check_tuple(t, "range()")
    p = pack(t)
    return slice(p + b"\x00", p + b"\xff")


tuple_range = range


# ---------------------------------------------------------------------------------------------
# Decoding


def _truncated(key: bytes, pos: int, code: int) -> UsageError:
    return UsageError(
        f"Truncated tuple data: element with type code 0x{code:02x} at position {pos} runs past "
        f"the end of {key!r:.200}"
    )


def _decode_big_pos_int(key: bytes, pos: int, end: int) -> tuple[int, int]:
    if pos + 1 >= end:
        raise _truncated(key, pos, _POS_BIG_INT)
    n = key[pos + 1]
    stop = pos + 2 + n
    if stop > end:
        raise _truncated(key, pos, _POS_BIG_INT)
    return int.from_bytes(key[pos + 2 : stop], "big"), stop


def _decode_big_neg_int(key: bytes, pos: int, end: int) -> tuple[int, int]:
    if pos + 1 >= end:
        raise _truncated(key, pos, _NEG_BIG_INT)
    n = key[pos + 1] ^ 0xFF
    stop = pos + 2 + n
    if stop > end:
        raise _truncated(key, pos, _NEG_BIG_INT)
    return int.from_bytes(key[pos + 2 : stop], "big") - _ones(n), stop


def _decode_zero(key: bytes, pos: int, end: int) -> tuple[int, int]:
    return 0, pos + 1


def _decode_false(key: bytes, pos: int, end: int) -> tuple[bool, int]:
    return False, pos + 1


def _decode_true(key: bytes, pos: int, end: int) -> tuple[bool, int]:
    return True, pos + 1


def _decode_double(key: bytes, pos: int, end: int) -> tuple[float, int]:
    stop = pos + 9
    if stop > end:
        raise _truncated(key, pos, _DOUBLE)
    bits = int.from_bytes(key[pos + 1 : stop], "big")
    bits ^= _SIGN64 if bits >> 63 else _U64_MAX
    value: float = _unpack_double_be(_pack_u64_be(bits))[0]
    return value, stop


def _decode_single(key: bytes, pos: int, end: int) -> tuple[SingleFloat, int]:
    stop = pos + 5
    if stop > end:
        raise _truncated(key, pos, _FLOAT)
    bits = int.from_bytes(key[pos + 1 : stop], "big")
    bits ^= _SIGN32 if bits >> 31 else 0xFFFF_FFFF
    return SingleFloat(_unpack_single_be(_pack_u32_be(bits))[0]), stop


def _decode_uuid(key: bytes, pos: int, end: int) -> tuple[uuid.UUID, int]:
    stop = pos + 17
    if stop > end:
        raise _truncated(key, pos, _UUID)
    number = int.from_bytes(key[pos + 1 : stop], "big")
    if not _FAST_UUID:
        return _UUIDType(int=number), stop
    # uuid.UUID(bytes=...) spends most of its time checking its arguments; set the two slots
    # the way UUID.__init__ does (it also uses object.__setattr__, UUIDs being immutable).
    value: uuid.UUID = _new_object(_UUIDType)
    _set_attribute(value, "int", number)
    _set_attribute(value, "is_safe", _SAFE_UNKNOWN)
    return value, stop


def _decode_versionstamp(key: bytes, pos: int, end: int) -> tuple[Versionstamp, int]:
    stop = pos + 13
    if stop > end:
        raise _truncated(key, pos, _VERSIONSTAMP)
    return _stamp_from(key, pos + 1), stop


def _decode_neg_int(key: bytes, pos: int, end: int) -> tuple[int, int]:
    n = _INT_ZERO - key[pos]
    stop = pos + 1 + n
    if stop > end:
        raise _truncated(key, pos, key[pos])
    return int.from_bytes(key[pos + 1 : stop], "big") - _ONES[n], stop


# Codes other than those handled inline in unpack (00, 01, 02, 05, 15-1c).
_DECODERS: dict[int, Callable[[bytes, int, int], tuple[Any, int]]] = {
    _NEG_BIG_INT: _decode_big_neg_int,
    _INT_ZERO: _decode_zero,
    _POS_BIG_INT: _decode_big_pos_int,
    _FLOAT: _decode_single,
    _DOUBLE: _decode_double,
    _FALSE: _decode_false,
    _TRUE: _decode_true,
    _UUID: _decode_uuid,
    _VERSIONSTAMP: _decode_versionstamp,
}
for _code in _builtin_range(_NEG_BIG_INT + 1, _INT_ZERO):
    _DECODERS[_code] = _decode_neg_int
del _code


def _terminator(key: bytes, zero: int, end: int) -> int:
    """Return the position of the first unescaped 00 after the escaped 00 at ``zero``.

    ``end`` if there is none: like ``fdb.tuple``, a string running to the end is accepted.
    """
    while True:
        zero = key.find(b"\x00", zero + 2)
        if zero < 0:
            return end
        if zero + 1 == end or key[zero + 1] != 0xFF:
            return zero


def unpack(key: bytes, prefix_len: int = 0) -> tuple[Any, ...]:
    """Unpack ``key``, skipping its first ``prefix_len`` bytes, into a tuple.

    Lists come back as tuples. An unknown type code raises ``ValueError``, as does data that
    ends in the middle of a fixed-size element. Like ``fdb.tuple``, a string or nested tuple
    whose terminator is missing at the very end of the data is accepted.

    Example::

        >>> unpack(bytes.fromhex("02610015010500ff0100ff000027"))
        ('a', 1, (None, b'\\x00'), True)
        >>> unpack(b"pfx\\x14", prefix_len=3)
        (0,)
    """
    if type(key) is not bytes:
        key = _as_bytes(key)
    if type(prefix_len) is not int:
        prefix_len = check_int(prefix_len, "prefix_len")
    if prefix_len < 0:
        raise UsageError(f"prefix_len must be >= 0, got {prefix_len}")
    if _FAST_UUID and len(key) - prefix_len == 17 and key[prefix_len] == 0x30:
        # A lone UUID (an index key's uid, read after its prefix): the common case of stores.
        # Built as _decode_uuid builds it, without the call.
        value = _new_object(_UUIDType)
        _set_attribute(value, "int", int.from_bytes(key[prefix_len + 1 :], "big"))
        _set_attribute(value, "is_safe", _SAFE_UNKNOWN)
        return (value,)
    # Nested tuples use an explicit stack rather than recursion: ``items`` collects the
    # innermost open tuple and ``outer`` holds the lists of the tuples around it.
    items: list[Any] = []
    outer: list[list[Any]] = []
    pos = prefix_len
    end = len(key)
    try:
        while pos < end:
            code = key[pos]
            if code == 0x02:
                zero = key.find(b"\x00", pos + 1)
                if zero < 0:
                    zero = end
                    items.append(key[pos + 1 :].decode())
                elif zero + 1 < end and key[zero + 1] == 0xFF:
                    zero = _terminator(key, zero, end)
                    items.append(key[pos + 1 : zero].replace(b"\x00\xff", b"\x00").decode())
                else:
                    items.append(key[pos + 1 : zero].decode())
                pos = zero + 1
            elif 0x14 < code < 0x1D:
                if code == 0x15:
                    items.append(key[pos + 1])  # IndexError if truncated, see below
                    pos += 2
                else:
                    stop = pos + code - 0x13
                    if stop > end:
                        raise _truncated(key, pos, code)
                    items.append(int.from_bytes(key[pos + 1 : stop], "big"))
                    pos = stop
            elif code == 0x01:
                zero = key.find(b"\x00", pos + 1)
                if zero < 0:
                    zero = end
                    items.append(key[pos + 1 :])
                elif zero + 1 < end and key[zero + 1] == 0xFF:
                    zero = _terminator(key, zero, end)
                    items.append(key[pos + 1 : zero].replace(b"\x00\xff", b"\x00"))
                else:
                    items.append(key[pos + 1 : zero])
                pos = zero + 1
            elif code == 0x00:
                if not outer:
                    items.append(None)
                    pos += 1
                elif pos + 1 < end and key[pos + 1] == 0xFF:
                    items.append(None)
                    pos += 2
                else:  # the end of a nested tuple
                    done = tuple(items)
                    items = outer.pop()
                    items.append(done)
                    pos += 1
            elif code == 0x05:
                outer.append(items)
                items = []
                pos += 1
            else:
                decoder = _DECODERS.get(code)
                if decoder is None:
                    raise UsageError(
                        f"Unknown data type in DB: type code 0x{code:02x} at position {pos} "
                        f"of {key!r:.200}"
                    )
                value, pos = decoder(key, pos, end)
                items.append(value)
    except IndexError:
        raise _truncated(key, pos, key[pos]) from None
    except UnicodeDecodeError as error:
        raise UsageError(
            f"a string at position {pos} of {key!r:.200} is not valid UTF-8: {error.reason}"
        ) from None
    while outer:  # nested tuples left open by the end of the data
        done = tuple(items)
        items = outer.pop()
        items.append(done)
    return tuple(items)


def _as_bytes(key: object) -> bytes:
    if isinstance(key, bytes | bytearray | memoryview):
        return bytes(key)
    raise FoundTypeError(f"unpack() expects bytes, got {type(key).__name__}: {key!r:.60}")


# ---------------------------------------------------------------------------------------------
# Comparison


def _rank(value: object) -> int:
    """The type code that decides how ``value`` sorts against values of other types."""
    if value is None:
        return _NULL
    if isinstance(value, bytes):
        return _BYTES
    if isinstance(value, str):
        return _STRING
    if isinstance(value, bool):
        return _FALSE
    if isinstance(value, int):
        return _INT_ZERO
    if isinstance(value, SingleFloat | ctypes.c_float):
        return _FLOAT
    if isinstance(value, float | ctypes.c_double):
        return _DOUBLE
    if isinstance(value, uuid.UUID):
        return _UUID
    if isinstance(value, Versionstamp):
        return _VERSIONSTAMP
    if isinstance(value, tuple | list):
        return _NESTED
    raise UsageError(f"Unsupported data type in tuple: {type(value)}")


def _sign(a: Any, b: Any) -> int:
    return -1 if a < b else 0 if a == b else 1


def _compare_values(a: Any, b: Any) -> int:
    rank = _rank(a)
    other = _rank(b)
    if rank != other:
        return -1 if rank < other else 1
    if rank == _NULL:
        return 0
    if rank == _STRING:
        return _sign(a.encode(), b.encode())
    if rank == _FLOAT:
        x = a.value if isinstance(a, SingleFloat) else SingleFloat(a.value).value
        y = b.value if isinstance(b, SingleFloat) else SingleFloat(b.value).value
        return _sign(_float_key(x), _float_key(y))
    if rank == _DOUBLE:
        x = a.value if isinstance(a, ctypes.c_double) else a
        y = b.value if isinstance(b, ctypes.c_double) else b
        return _sign(_float_key(x), _float_key(y))
    if rank == _NESTED:
        return compare(a, b)
    return _sign(a, b)


def compare(t1: Sequence[Any], t2: Sequence[Any]) -> int:
    """Compare two tuples element by element: -1, 0 or 1, the order of their packed bytes.

    Types sort by type code (``None`` < bytes < str < tuple < int < SingleFloat < float < bool
    < UUID < Versionstamp), floats in IEEE total order, strings by code point, and a tuple that
    is a prefix of another sorts first.

    Example::

        >>> compare(("a", 2), ("a", 10)), compare((1.0,), (2**70,)), compare((), (None,))
        (-1, 1, -1)
    """
    for t, what in ((t1, "t1"), (t2, "t2")):
        if not isinstance(t, tuple | list):
            raise FoundTypeError(
                f"compare: {what} must be a tuple, got {type(t).__name__}: {t!r:.60}"
            )
    for a, b in zip(t1, t2, strict=False):
        c = _compare_values(a, b)
        if c:
            return c
    return _sign(len(t1), len(t2))

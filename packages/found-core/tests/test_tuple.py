"""The tuple layer: fdb-semantics.md U-01..U-08 and V-06, with ``fdb.tuple`` 7.3 as the oracle.

Known-answer vectors need nothing else; the property tests compare every result (bytes, decoded
values, orderings, errors) with the official binding's ``fdb.tuple`` and are skipped without it.
"""

from __future__ import annotations

import ctypes
import enum
import itertools
import struct
import types
import uuid
from collections.abc import Iterator
from functools import cmp_to_key
from typing import Any, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from found import _tuple as tup
from found._errors import BaseFoundException, FoundTypeError, UsageError
from found._tuple import (
    SingleFloat,
    Versionstamp,
    VersionstampCompletedError,
    compare,
    has_incomplete_versionstamp,
    pack,
    pack_with_versionstamp,
    tuple_range,
    unpack,
)

INF = float("inf")
FF10 = b"\xff" * 10
UUID0 = uuid.UUID("00112233-4455-6677-8899-aabbccddeeff")

# U-07 and V-06, verbatim: (tuple, packed hex).
KNOWN_ANSWERS: list[tuple[tuple[Any, ...], str]] = [
    ((), ""),
    ((None,), "00"),
    ((b"foo\x00bar",), "01666f6f00ff62617200"),
    (("F\u00d4O\u0000bar",), "0246c3944f00ff62617200"),
    (("",), "0200"),
    ((b"",), "0100"),
    ((0,), "14"),
    ((1,), "1501"),
    ((-1,), "13fe"),
    ((255,), "15ff"),
    ((256,), "160100"),
    ((-255,), "1300"),
    ((-256,), "12feff"),
    ((-5551212,), "11ab4b93"),
    ((2**63,), "1c8000000000000000"),
    ((-(2**63),), "0c7fffffffffffffff"),
    ((2**64,), "1d09010000000000000000"),
    ((-(2**64),), "0bf6feffffffffffffffff"),
    ((2**64 - 1,), "1d08ffffffffffffffff"),
    ((-(2**64 - 1),), "0bf70000000000000000"),
    ((1.5,), "21bff8000000000000"),
    ((-42.0,), "213fbaffffffffffff"),
    ((0.0,), "218000000000000000"),
    ((-0.0,), "217fffffffffffffff"),
    ((INF,), "21fff0000000000000"),
    ((-INF,), "21000fffffffffffff"),
    ((float("nan"),), "21fff8000000000000"),
    ((SingleFloat(-42.0),), "203dd7ffff"),
    ((SingleFloat(1.5),), "20bfc00000"),
    ((False,), "26"),
    ((True,), "27"),
    ((UUID0,), "3000112233445566778899aabbccddeeff"),
    (((b"foo\x00bar", None, ()),), "0501666f6f00ff62617200" + "00ff" + "0500" + "00"),
    (((),), "0500"),
    (((None,),), "0500ff00"),
    ((Versionstamp(b"\x00" * 7 + b"\x01\x00\x02", 3),), "33000000000000000100020003"),
    (("a", 1, (None, b"\x00"), True), "026100" + "1501" + "05" + "00ff" + "0100ff00" + "00" + "27"),
]

# U-07: pack_with_versionstamp vectors: (tuple, prefix, packed hex).
STAMPED_ANSWERS: list[tuple[tuple[Any, ...], bytes | None, str]] = [
    (("x", Versionstamp.incomplete(5)), None, "027800" + "33" + "ff" * 10 + "0005" + "04000000"),
    (
        ("x", Versionstamp.incomplete(5)),
        b"\x15\x01",
        "1501" + "027800" + "33" + "ff" * 10 + "0005" + "06000000",
    ),
    (((Versionstamp.incomplete(),),), None, "05" + "33" + "ff" * 10 + "0000" + "00" + "02000000"),
]


def _bits(value: float) -> int:
    return int.from_bytes(struct.pack(">d", value), "big")


def _canon(value: Any) -> Any:
    """A form of a decoded value that compares floats by bits and treats both bindings alike."""
    name = type(value).__name__
    if isinstance(value, tuple | list):
        return ("tuple", tuple(_canon(v) for v in value))
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("double", _bits(value))
    if name == "SingleFloat":
        return ("single", _bits(value.value))
    if name == "Versionstamp":
        tr = None if value.tr_version == FF10 else value.tr_version
        return ("stamp", tr, value.user_version)
    if isinstance(value, uuid.UUID):
        return ("uuid", value.int)
    return (name, value)


# ---------------------------------------------------------------------------------------------
# Strategies

_BOUNDARY_INTS = sorted(
    {
        sign * ((1 << (8 * k)) + d)
        for k in range(12)
        for d in (-2, -1, 0, 1)
        for sign in (1, -1)
        if (1 << (8 * k)) + d >= 0
    }
    | {2**2040 - 1, -(2**2040 - 1), 2**2039, -(2**2039)}
)

_ints = st.one_of(
    st.integers(),
    st.sampled_from(_BOUNDARY_INTS),
    st.integers(min_value=-(2**2040) + 1, max_value=2**2040 - 1),
)
_doubles = st.one_of(
    st.floats(),
    st.integers(0, 2**64 - 1).map(lambda b: struct.unpack(">d", b.to_bytes(8, "big"))[0]),
)
_singles = st.one_of(
    st.floats(width=32),
    st.integers(0, 2**32 - 1).map(lambda b: struct.unpack(">f", b.to_bytes(4, "big"))[0]),
).map(SingleFloat)
_complete_stamps = st.builds(
    Versionstamp,
    st.one_of(st.binary(min_size=10, max_size=10), st.just(FF10)),
    st.integers(0, 0xFFFF),
)
_incomplete_stamps = st.integers(0, 0xFFFF).map(Versionstamp.incomplete)
_scalars = st.one_of(
    st.none(),
    st.binary(max_size=12),
    st.binary(max_size=4).map(lambda b: b"\x00" + b + b"\x00\xff"),
    st.text(max_size=12),
    _ints,
    st.booleans(),
    _doubles,
    _singles,
    st.uuids(),
    _complete_stamps,
)


def _nest(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.lists(children, max_size=4), st.lists(children, max_size=4).map(tuple))


_values = st.recursive(_scalars, _nest, max_leaves=12)
_tuples = st.lists(_values, max_size=6).map(tuple)
_UNSUPPORTED = (object(), 1j, bytearray(b"x"), frozenset({1}), {"a": 1})


@st.composite
def _with_stamps(draw: st.DrawFn, count: int, extra: st.SearchStrategy[Any] = _values) -> Any:
    """A tuple holding ``count`` incomplete stamps at random places and depths."""
    items: list[Any] = draw(st.lists(extra, max_size=4))
    for _ in range(count):
        holder: Any = draw(_incomplete_stamps)
        for _ in range(draw(st.integers(0, 2))):
            inner = draw(st.lists(extra, max_size=2))
            inner.insert(draw(st.integers(0, len(inner))), holder)
            holder = tuple(inner) if draw(st.booleans()) else inner
        items.insert(draw(st.integers(0, len(items))), holder)
    return tuple(items)


@st.composite
def _fuzzy_keys(draw: st.DrawFn) -> bytes:
    """Byte strings near valid keys: packed values, loose type codes and noise, maybe cut."""
    parts = draw(
        st.lists(
            st.one_of(
                _values.map(lambda v: pack((v,))),
                st.sampled_from(
                    [bytes([c]) for c in (0, 1, 2, 5, 0x0B, 0x0C, 0x13, 0x14, 0x15, 0x1C, 0x1D)]
                    + [bytes([c]) for c in (0x20, 0x21, 0x26, 0x27, 0x30, 0x33, 0xFF)]
                ),
                st.binary(max_size=4),
            ),
            max_size=6,
        )
    )
    data = b"".join(parts)
    if data and draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data) - 1))]
    return data


# ---------------------------------------------------------------------------------------------
# The oracle


@pytest.fixture(scope="module")
def oracle() -> Iterator[Any]:
    """``fdb.tuple`` of the official binding, able to pack versionstamps without libfdb_c."""
    fdb_tuple = pytest.importorskip("fdb.tuple")
    import fdb

    with pytest.MonkeyPatch.context() as patch:
        # Versionstamp.to_bytes consults fdb.impl.Value, and fdb.impl needs the C library.
        if not hasattr(fdb, "impl"):
            stand_in = types.SimpleNamespace(Value=type("Value", (), {}))
            patch.setattr(fdb, "impl", stand_in, raising=False)
        yield fdb_tuple


def _to_fdb(value: Any, fdb_tuple: Any) -> Any:
    """The same value built with ``fdb.tuple``'s classes."""
    if isinstance(value, SingleFloat):
        return fdb_tuple.SingleFloat(value.value)
    if isinstance(value, Versionstamp):
        return fdb_tuple.Versionstamp(value.tr_version, value.user_version)
    if type(value) is list:
        return [_to_fdb(v, fdb_tuple) for v in value]
    if type(value) is tuple:
        return tuple(_to_fdb(v, fdb_tuple) for v in value)
    return value


def _outcome(call: Any, *args: Any) -> tuple[str, Any]:
    """("ok", result) or ("error", a word naming the kind of error) for ``call(*args)``."""
    try:
        return ("ok", call(*args))
    except Exception as exc:
        text = str(exc).lower()
        for kind in ("multiple", "no incomplete", "incomplete", "unsupported", "unknown"):
            if kind in text:
                return ("error", kind)
        return ("error", type(exc).__name__)


def _sign(n: int) -> int:
    return (n > 0) - (n < 0)


# ---------------------------------------------------------------------------------------------
# Known answers


@pytest.mark.parametrize(("value", "packed"), KNOWN_ANSWERS)
def test_known_answer_vectors_pack_and_unpack(value: tuple[Any, ...], packed: str) -> None:
    """Each U-07 row packs to its listed bytes and unpacks back to the same values."""
    assert pack(value).hex() == packed
    assert _canon(unpack(bytes.fromhex(packed))) == _canon(value)


@pytest.mark.parametrize(("value", "prefix", "packed"), STAMPED_ANSWERS)
def test_known_answer_vectors_pack_with_versionstamp(
    value: tuple[Any, ...], prefix: bytes | None, packed: str
) -> None:
    """Each U-07 pack_with_versionstamp row gives its listed bytes and 4-byte offset."""
    assert pack_with_versionstamp(value, prefix=prefix).hex() == packed


def test_range_covers_longer_tuples_only() -> None:
    """range(('a',)) is [02610000, 026100ff) and excludes pack(('a',)) itself (U-05)."""
    r = tup.range(("a",))
    assert (r.start.hex(), r.stop.hex()) == ("02610000", "026100ff")
    assert not r.start <= pack(("a",)) < r.stop
    assert r.start <= pack(("a", None)) < r.stop
    assert r.start <= pack(("a", "\U0010ffff" * 3, (1.0,))) < r.stop
    assert tuple_range is tup.range


def test_concatenation_and_prefix() -> None:
    """pack(a + b) == pack(a) + pack(b), and prefix is prepended (U-01)."""
    a, b = ("x", 1, (None,)), (b"\x00", -2.5, UUID0)
    assert pack(a + b) == pack(a) + pack(b)
    assert pack(a, prefix=b"pre") == b"pre" + pack(a)
    assert pack((), prefix=b"p") == b"p"
    assert unpack(b"pre" + pack(a), prefix_len=3) == a
    assert unpack(b"") == ()
    assert unpack(b"\x14", prefix_len=5) == ()


def test_verified_sort_order_of_types() -> None:
    """U-03's sorted example is in order both by packed bytes and by compare()."""
    ordered: list[Any] = [None, b"", b"\x00", "", (), (None,), -(2**70), -1, 0, 1, 2**70, -1.0, 1.0]
    ordered += [False, True, UUID0, Versionstamp(b"\x00" * 10), Versionstamp.incomplete()]
    keys = [pack((v,)) for v in ordered[:-1]]
    assert keys == sorted(keys)
    for low, high in itertools.pairwise(ordered):
        assert compare((low,), (high,)) == -1
        assert compare((high,), (low,)) == 1


def test_floats_sort_in_ieee_total_order() -> None:
    """-nan < -inf < -1 < -0.0 < 0.0 < 1 < inf < nan by bytes and by compare (U-02)."""
    nan = float("nan")
    ordered = [-nan, -INF, -1.0, -0.0, 0.0, 1.0, INF, nan]
    keys = [pack((v,)) for v in ordered]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert [compare((a,), (b,)) for a, b in itertools.pairwise(ordered)] == [-1] * 7
    singles = [SingleFloat(v) for v in ordered]
    assert [pack((v,)) for v in singles] == sorted(pack((v,)) for v in singles)
    assert singles == sorted(singles)


def test_nan_payload_and_negative_zero_survive_a_round_trip() -> None:
    """NaN payloads are not canonicalised and -0.0 stays negative (U-02)."""
    payload_nan = struct.unpack(">d", bytes.fromhex("7ff0000000000abc"))[0]
    (back,) = unpack(pack((payload_nan,)))
    assert _bits(back) == _bits(payload_nan)
    (zero,) = unpack(pack((-0.0,)))
    assert _bits(zero) == _bits(-0.0)


def test_bool_is_not_an_int_and_list_comes_back_as_tuple() -> None:
    """True packs as 27 not 1501, and a list decodes as a tuple (U-04)."""
    assert pack((True, 1)) == b"\x27\x15\x01"
    assert unpack(pack(([1, [None]],))) == ((1, (None,)),)
    assert type(unpack(pack((False,)))[0]) is bool


def test_subclasses_pack_like_their_base_types() -> None:
    """A str/int/bytes/tuple subclass and ctypes floats pack like the values they hold."""

    class Color(enum.IntEnum):
        RED = 300

    class Pair(NamedTuple):
        a: int
        b: str

    class Name(str):
        pass

    assert pack((Color.RED,)) == pack((300,))
    assert pack((Pair(1, "x"),)) == pack(((1, "x"),))
    assert pack(Pair(1, "x")) == pack((1, "x"))
    assert pack((Name("n"),)) == pack(("n",))
    assert pack((ctypes.c_float(1.5),)) == pack((SingleFloat(1.5),))
    assert pack((ctypes.c_double(1.5),)) == pack((1.5,))


# ---------------------------------------------------------------------------------------------
# Versionstamp and SingleFloat (V-06)


def test_versionstamp_construction_is_validated() -> None:
    """tr_version must be None or 10 bytes, user_version an int in [0, 65535] (V-06)."""
    with pytest.raises(TypeError):
        Versionstamp("0123456789")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="10 bytes"):
        Versionstamp(b"\x00" * 9)
    with pytest.raises(ValueError, match="out of range"):
        Versionstamp(None, 65536)
    with pytest.raises(ValueError, match="out of range"):
        Versionstamp(None, -1)
    with pytest.raises(TypeError):
        Versionstamp(None, 1.0)  # type: ignore[arg-type]
    with pytest.raises(FoundTypeError):
        Versionstamp(bytearray(10))  # type: ignore[arg-type]
    assert Versionstamp(b"\x00" * 10, 65535).user_version == 65535


def test_versionstamp_bytes_round_trip() -> None:
    """to_bytes/from_bytes follow V-06, with ten ff bytes meaning incomplete."""
    assert Versionstamp.incomplete(7).to_bytes().hex() == "ffffffffffffffffffff0007"
    assert Versionstamp(b"\x01" * 10, 1).to_bytes().hex() == "010101010101010101010001"
    assert Versionstamp.from_bytes(FF10 + b"\x01\x02") == Versionstamp.incomplete(0x0102)
    raw = b"xx" + bytes(range(10)) + b"\x00\x09"
    assert Versionstamp.from_bytes(raw, start=2) == Versionstamp(bytes(range(10)), 9)
    with pytest.raises(ValueError, match="too short"):
        Versionstamp.from_bytes(b"\x00" * 11)
    with pytest.raises(ValueError, match="too short"):
        Versionstamp.from_bytes(b"\x00" * 12, start=1)
    with pytest.raises(TypeError):
        Versionstamp.from_bytes(bytearray(12))  # type: ignore[arg-type]


def test_versionstamp_completion() -> None:
    """completed() fills an incomplete stamp and refuses a complete one (RuntimeError)."""
    stamp = Versionstamp.incomplete(9)
    done = stamp.completed(b"\x05" * 10)
    assert (done.tr_version, done.user_version, done.is_complete()) == (b"\x05" * 10, 9, True)
    assert not stamp.is_complete()
    with pytest.raises(RuntimeError):
        done.completed(b"\x06" * 10)
    with pytest.raises(VersionstampCompletedError):
        done.completed(b"\x06" * 10)


def test_versionstamp_equality_and_order() -> None:
    """Complete stamps sort before incomplete ones; each group by its own fields (V-06)."""
    ordered = [
        Versionstamp(b"\x00" * 10, 5),
        Versionstamp(b"\x00" * 9 + b"\x01", 0),
        Versionstamp(FF10, 0),
        Versionstamp(FF10, 1),
        Versionstamp.incomplete(0),
        Versionstamp.incomplete(2),
    ]
    assert sorted(reversed(ordered)) == ordered
    assert Versionstamp(FF10, 3) != Versionstamp.incomplete(3)
    assert Versionstamp(b"\x01" * 10, 3) == Versionstamp(b"\x01" * 10, 3)
    assert len({Versionstamp(b"\x01" * 10, 3), Versionstamp(b"\x01" * 10, 3)}) == 1
    assert Versionstamp(b"\x00" * 10) <= Versionstamp.incomplete()
    assert Versionstamp.incomplete(1) >= Versionstamp.incomplete(1)
    assert Versionstamp.incomplete() != 0


def test_all_ff_complete_stamp_packs_but_decodes_incomplete() -> None:
    """Versionstamp(b'\\xff'*10, 3) is complete, packs, and unpacks as incomplete (V-06)."""
    stamp = Versionstamp(FF10, 3)
    assert stamp.is_complete()
    assert unpack(pack((stamp,))) == (Versionstamp.incomplete(3),)
    assert not has_incomplete_versionstamp((stamp,))


def test_single_float_rounds_and_compares_by_bits() -> None:
    """SingleFloat rounds to binary32; -0.0 != 0.0; NaN equals NaN of the same bits."""
    assert SingleFloat(0.1).value == struct.unpack(">f", struct.pack(">f", 0.1))[0]
    assert SingleFloat(3) == SingleFloat(3.0)
    assert SingleFloat(ctypes.c_float(2.5)).value == 2.5
    assert SingleFloat(1e300).value == INF
    assert SingleFloat(-0.0) != SingleFloat(0.0)
    assert SingleFloat(-0.0) < SingleFloat(0.0)
    nan = SingleFloat(float("nan"))
    twin = SingleFloat(float("nan"))
    assert nan == twin
    assert hash(nan) == hash(twin)
    assert SingleFloat(1.0) != 1.0
    assert SingleFloat(2.0) > SingleFloat(1.0) >= SingleFloat(1.0)
    with pytest.raises(ValueError):
        SingleFloat("1.0")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Errors


def test_unsupported_types_raise_value_error() -> None:
    """Packing a value of no tuple type raises ValueError('Unsupported data type...') (U-04)."""
    for bad in _UNSUPPORTED:
        with pytest.raises(ValueError, match="Unsupported data type"):
            pack(("ok", (1, bad)))
    with pytest.raises(UsageError):
        pack((object(),))
    with pytest.raises(BaseFoundException):
        compare((object(),), (object(),))


def test_unknown_type_code_raises_value_error() -> None:
    """Unpacking a reserved or unknown code raises ValueError('Unknown data type...')."""
    for code in (0x03, 0x04, 0x0A, 0x1E, 0x22, 0x25, 0x31, 0x40, 0xFF):
        with pytest.raises(ValueError, match="Unknown data type"):
            unpack(b"\x14" + bytes([code]) + b"\x00" * 20)


def test_truncated_fixed_size_elements_raise_value_error() -> None:
    """Data ending inside an int, float, UUID or versionstamp raises ValueError."""
    for value in (7, 300, -300, 2**70, -(2**70), 1.5, SingleFloat(1.5), UUID0):
        packed = pack((value,))
        for cut in range(1, len(packed)):
            with pytest.raises(ValueError, match="Truncated"):
                unpack(packed[:cut])
    with pytest.raises(ValueError, match="Truncated"):
        unpack(pack((Versionstamp(b"\x00" * 10),))[:-1])


def test_missing_terminators_at_the_end_are_accepted() -> None:
    """Like fdb.tuple, an unterminated string or nested tuple at the end still decodes."""
    assert unpack(b"\x01abc") == (b"abc",)
    assert unpack(b"\x02a\x00\xff") == ("a\x00",)
    assert unpack(b"\x05\x15\x01") == ((1,),)
    assert unpack(b"\x05\x05\x02x") == ((("x",),),)


def test_incomplete_versionstamp_in_plain_pack_raises() -> None:
    """pack() refuses incomplete stamps, nested ones included (U-06)."""
    with pytest.raises(ValueError, match="Incomplete versionstamp"):
        pack((1, Versionstamp.incomplete()))
    with pytest.raises(ValueError, match="Incomplete versionstamp"):
        pack((1, [2, (Versionstamp.incomplete(),)]))
    with pytest.raises(ValueError, match="Multiple"):
        pack((Versionstamp.incomplete(), Versionstamp.incomplete()))
    with pytest.raises(ValueError, match="Incomplete versionstamp"):
        tup.range((Versionstamp.incomplete(),))


def test_pack_with_versionstamp_needs_exactly_one() -> None:
    """None, or more than one, incomplete stamp raises ValueError (U-06)."""
    with pytest.raises(ValueError, match="No incomplete versionstamp"):
        pack_with_versionstamp(("x", Versionstamp(b"\x00" * 10)))
    with pytest.raises(ValueError, match="Multiple incomplete versionstamps"):
        pack_with_versionstamp((Versionstamp.incomplete(), (Versionstamp.incomplete(),)))


def test_first_error_wins_as_in_fdb() -> None:
    """With several faults, the error is the one fdb.tuple meets first."""
    stamp = Versionstamp.incomplete
    with pytest.raises(ValueError, match="Unsupported"):
        pack_with_versionstamp((stamp(), (stamp(), object())))
    with pytest.raises(ValueError, match="Multiple"):
        pack_with_versionstamp(((stamp(),), stamp(), object()))
    with pytest.raises(ValueError, match="Unsupported"):
        pack((stamp(), object()))


def test_wrong_argument_types_raise_type_error() -> None:
    """A non-tuple to pack()/range() or a non-bytes key to unpack() raises TypeError."""
    with pytest.raises(TypeError):
        pack([1])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        pack_with_versionstamp([Versionstamp.incomplete()])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        tup.range("a")  # type: ignore[arg-type]
    with pytest.raises(FoundTypeError):
        unpack("\x14")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        unpack(b"\x14", prefix_len=-1)
    assert unpack(bytearray(b"\x15\x01")) == (1,)  # type: ignore[arg-type]


def test_oversized_int_and_bad_text_raise_value_error() -> None:
    """Ints over 255 bytes, lone surrogates and invalid UTF-8 raise ValueError."""
    assert len(pack((2**2040 - 1,))) == 257
    with pytest.raises(ValueError, match="too large"):
        pack((2**2040,))
    with pytest.raises(ValueError, match="too large"):
        pack((-(2**2040),))
    with pytest.raises(UsageError, match="cannot be encoded as UTF-8"):
        pack(("\ud800",))
    with pytest.raises(UsageError, match="cannot be encoded as UTF-8"):
        pack_with_versionstamp(("\ud800", Versionstamp()))
    with pytest.raises(UsageError, match="not valid UTF-8"):
        unpack(b"\x02\xff\x00")


# ---------------------------------------------------------------------------------------------
# Properties against the oracle


@settings(max_examples=400, deadline=None)
@given(_tuples)
def test_pack_matches_fdb_tuple(oracle: Any, value: tuple[Any, ...]) -> None:
    """pack(t) is byte-for-byte fdb.tuple.pack(t) (U-01..U-04, U-08)."""
    assert pack(value) == oracle.pack(_to_fdb(value, oracle))


@settings(max_examples=300, deadline=None)
@given(_tuples, st.one_of(st.none(), st.binary(max_size=6)))
def test_unpack_inverts_pack(oracle: Any, value: tuple[Any, ...], prefix: bytes | None) -> None:
    """unpack(pack(t)) gives t back (floats bit for bit) and agrees with fdb.tuple.unpack."""
    packed = pack(value, prefix=prefix)
    skip = len(prefix or b"")
    ours = unpack(packed, prefix_len=skip)
    assert _canon(ours) == _canon(value)
    assert _canon(ours) == _canon(oracle.unpack(packed, skip))


@settings(max_examples=200, deadline=None)
@given(st.lists(_tuples, min_size=2, max_size=8))
def test_packed_order_is_compare_order(oracle: Any, values: list[tuple[Any, ...]]) -> None:
    """Sorting by packed bytes, by compare() and by fdb.tuple.compare agree (U-03)."""
    by_bytes = sorted(pack(v) for v in values)
    assert [pack(v) for v in sorted(values, key=cmp_to_key(compare))] == by_bytes
    theirs = sorted((_to_fdb(v, oracle) for v in values), key=cmp_to_key(oracle.compare))
    assert [oracle.pack(v) for v in theirs] == by_bytes
    for a, b in itertools.pairwise(values):
        assert compare(a, b) == _sign((pack(a) > pack(b)) - (pack(a) < pack(b)))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.recursive(st.one_of(_scalars, _incomplete_stamps), _nest, max_leaves=6), max_size=4
    ),
    st.lists(
        st.recursive(st.one_of(_scalars, _incomplete_stamps), _nest, max_leaves=6), max_size=4
    ),
)
def test_compare_matches_fdb_tuple(oracle: Any, left: list[Any], right: list[Any]) -> None:
    """compare() returns what fdb.tuple.compare returns, incomplete stamps included."""
    common = left[: len(left) // 2]
    a, b = tuple(common + left), tuple(common + right)
    assert compare(a, b) == oracle.compare(_to_fdb(a, oracle), _to_fdb(b, oracle))
    assert compare(a, a) == 0


@settings(max_examples=300, deadline=None)
@given(_with_stamps(1), st.one_of(st.none(), st.binary(max_size=6)))
def test_pack_with_versionstamp_matches_fdb_tuple(
    oracle: Any, value: tuple[Any, ...], prefix: bytes | None
) -> None:
    """pack_with_versionstamp gives fdb's bytes and an offset that points at the stamp (U-06)."""
    packed = pack_with_versionstamp(value, prefix=prefix)
    assert packed == oracle.pack_with_versionstamp(_to_fdb(value, oracle), prefix=prefix)
    offset = int.from_bytes(packed[-4:], "little")
    assert packed[offset - 1 : offset + 10] == b"\x33" + FF10
    assert has_incomplete_versionstamp(value)
    assert oracle.has_incomplete_versionstamp(_to_fdb(value, oracle))


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 3).flatmap(
        lambda n: _with_stamps(n, st.one_of(_values, st.sampled_from(_UNSUPPORTED)))
    )
)
def test_errors_match_fdb_tuple(oracle: Any, value: tuple[Any, ...]) -> None:
    """pack, pack_with_versionstamp and has_incomplete_versionstamp fail or succeed like fdb."""
    theirs = _to_fdb(value, oracle)
    for ours_fn, fdb_fn in (
        (pack, oracle.pack),
        (pack_with_versionstamp, oracle.pack_with_versionstamp),
    ):
        mine = _outcome(ours_fn, value)
        expected = _outcome(fdb_fn, theirs)
        assert mine == expected
        if mine[0] == "error":
            with pytest.raises(ValueError):
                ours_fn(value)
    assert has_incomplete_versionstamp(value) == oracle.has_incomplete_versionstamp(theirs)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(_fuzzy_keys(), st.binary(max_size=24)), st.integers(0, 3))
def test_unpack_of_arbitrary_bytes_matches_fdb_tuple(oracle: Any, key: bytes, skip: int) -> None:
    """Any byte string decodes to fdb.tuple.unpack's values, or both raise (ours ValueError)."""
    try:
        expected = oracle.unpack(key, skip)
    except Exception:
        with pytest.raises(ValueError):
            unpack(key, skip)
        return
    assert _canon(unpack(key, skip)) == _canon(expected)


@settings(deadline=None)
@given(_tuples)
def test_range_matches_fdb_tuple(oracle: Any, value: tuple[Any, ...]) -> None:
    """range(t) equals fdb.tuple.range(t) (U-05)."""
    assert tuple_range(value) == oracle.range(_to_fdb(value, oracle))


@settings(deadline=None)
@given(st.one_of(_doubles, st.integers(-(2**130), 2**130)))
def test_single_float_matches_fdb(oracle: Any, number: float) -> None:
    """SingleFloat rounds, hashes and compares like fdb.tuple.SingleFloat."""
    ours, theirs = SingleFloat(number), oracle.SingleFloat(number)
    assert _bits(ours.value) == _bits(theirs.value)
    if ours.value == ours.value:  # fdb's hash of a NaN depends on object identity
        assert hash(ours) == hash(theirs)
    other = SingleFloat(1.0)
    assert (ours < other) == (theirs < oracle.SingleFloat(1.0))
    assert (ours == other) == (theirs == oracle.SingleFloat(1.0))


@settings(deadline=None)
@given(_complete_stamps | _incomplete_stamps, _complete_stamps | _incomplete_stamps)
def test_versionstamp_matches_fdb(oracle: Any, a: Versionstamp, b: Versionstamp) -> None:
    """Versionstamp bytes, hash, equality and order are those of fdb.tuple.Versionstamp."""
    fa, fb = _to_fdb(a, oracle), _to_fdb(b, oracle)
    assert a.to_bytes() == fa.to_bytes()
    assert hash(a) == hash(fa)
    assert (a == b, a < b, a <= b, a > b, a >= b) == (
        fa == fb,
        fa < fb,
        fa <= fb,
        fa > fb,
        fa >= fb,
    )
    assert _canon(Versionstamp.from_bytes(a.to_bytes())) == _canon(
        oracle.Versionstamp.from_bytes(fa.to_bytes())
    )

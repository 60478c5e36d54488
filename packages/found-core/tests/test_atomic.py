"""Byte rules of atomic operations: fdb-semantics.md A-01, A-03 and A-04 (API 730)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from found._atomic import ATOMIC_MUTATION_TYPES, VALUE_SIZE_LIMIT, MutationType, apply_atomic
from found._error_codes import InvalidMutationType
from found._errors import FoundTypeError, UsageError

ABSENT = "absent"

# A-04, verbatim: (op, existing, param, result) in hex, "absent" for a missing key.
KNOWN_ANSWERS: list[tuple[str, str, str, str]] = [
    ("ADD", ABSENT, "01", "01"),
    ("ADD", "", "05", "05"),
    ("ADD", "ff", "01", "00"),
    ("ADD", "ff00", "01", "00"),
    ("ADD", "010203", "01", "02"),
    ("ADD", "01", "01000000", "02000000"),
    ("ADD", "ffffffff", "01000000", "00000000"),
    ("ADD", "05", "", ""),
    ("ADD", "0a000000", "fdffffff", "07000000"),
    ("BIT_AND", ABSENT, "0f", "0f"),
    ("BIT_AND", "", "0f", "00"),
    ("BIT_AND", "ffff", "0f", "0f"),
    ("BIT_AND", "ff", "0f0f", "0f00"),
    ("BIT_OR", ABSENT, "0f", "0f"),
    ("BIT_OR", "f0", "0f01", "ff01"),
    ("BIT_OR", "f0f0", "0f", "ff"),
    ("BIT_XOR", "ff", "0f01", "f001"),
    ("BIT_XOR", "ffff", "0f", "f0"),
    ("MAX", "02", "01", "02"),
    ("MAX", "0101", "02", "02"),
    ("MAX", "0001", "ff00", "0001"),
    ("MAX", "05", "0300", "0500"),
    ("MIN", ABSENT, "07", "07"),
    ("MIN", "", "07", "00"),
    ("MIN", "0101", "02", "01"),
    ("MIN", "05", "0300", "0300"),
    ("MIN", "050001", "09", "05"),
    ("BYTE_MAX", "62", "61", "62"),
    ("BYTE_MAX", "61", "6162", "6162"),
    ("BYTE_MIN", "61", "6162", "61"),
    ("BYTE_MIN", "", "61", ""),
    ("APPEND_IF_FITS", "6162", "6364", "61626364"),
    ("COMPARE_AND_CLEAR", "78", "78", ABSENT),
    ("COMPARE_AND_CLEAR", "79", "78", "79"),
    ("COMPARE_AND_CLEAR", ABSENT, "78", ABSENT),
]


def _value(text: str) -> bytes | None:
    return None if text == ABSENT else bytes.fromhex(text)


@pytest.mark.parametrize(("op", "existing", "param", "result"), KNOWN_ANSWERS)
def test_known_answers_of_the_checklist(op: str, existing: str, param: str, result: str) -> None:
    """Each A-04 row gives its listed result."""
    assert apply_atomic(MutationType[op], _value(existing), bytes.fromhex(param)) == _value(result)


def test_append_if_fits_leaves_a_value_that_would_overflow_unchanged() -> None:
    """APPEND_IF_FITS on 99,999 bytes with a 2-byte param keeps the value and raises nothing."""
    existing = b"a" * 99_999
    assert apply_atomic(MutationType.APPEND_IF_FITS, existing, b"bc") == existing


def test_append_if_fits_appends_up_to_exactly_the_value_limit() -> None:
    """A result of exactly VALUE_SIZE_LIMIT bytes still fits."""
    existing = b"a" * (VALUE_SIZE_LIMIT - 2)
    assert apply_atomic(MutationType.APPEND_IF_FITS, existing, b"bc") == existing + b"bc"


def test_value_size_limit_is_fdb_value_limit() -> None:
    """The limit is FoundationDB's 100,000-byte value limit (L-02)."""
    assert VALUE_SIZE_LIMIT == 100_000


def test_mutation_type_codes_are_fdb_codes() -> None:
    """Every member has the code of FDBMutationType in fdb.options (A-01)."""
    assert {m.name: int(m) for m in MutationType} == {
        "SET_VALUE": 0,
        "CLEAR_RANGE": 1,
        "ADD": 2,
        "BIT_AND": 6,
        "BIT_OR": 7,
        "BIT_XOR": 8,
        "APPEND_IF_FITS": 9,
        "MAX": 12,
        "MIN": 13,
        "SET_VERSIONSTAMPED_KEY": 14,
        "SET_VERSIONSTAMPED_VALUE": 15,
        "BYTE_MIN": 16,
        "BYTE_MAX": 17,
        "COMPARE_AND_CLEAR": 20,
    }


def test_mutation_type_codes_match_the_installed_official_binding() -> None:
    """The official binding's generated options agree on every atomic op code."""
    options = pytest.importorskip("fdb.fdboptions")
    official = {name.upper(): spec[0] for name, spec in options.MutationType.items()}
    for member in ATOMIC_MUTATION_TYPES:
        assert official[member.name] == member


def test_atomic_mutation_types_exclude_plain_set_and_clear() -> None:
    """atomic_op accepts every op except SET_VALUE and CLEAR_RANGE."""
    assert frozenset(MutationType) - ATOMIC_MUTATION_TYPES == {
        MutationType.SET_VALUE,
        MutationType.CLEAR_RANGE,
    }


def test_plain_integer_codes_are_accepted() -> None:
    """An int code works like its MutationType member."""
    assert apply_atomic(2, b"\x01", b"\x01") == b"\x02"


def test_set_value_and_clear_range_give_param_and_absent() -> None:
    """SET_VALUE stores param; CLEAR_RANGE clears the key."""
    assert apply_atomic(MutationType.SET_VALUE, b"old", b"new") == b"new"
    assert apply_atomic(MutationType.CLEAR_RANGE, b"old", b"") is None


def test_unknown_mutation_code_raises_invalid_mutation_type() -> None:
    """A code that is not a mutation type gives error 2018, as FoundationDB does."""
    with pytest.raises(InvalidMutationType) as info:
        apply_atomic(3, b"", b"")
    assert info.value.code == 2018


@pytest.mark.parametrize(
    "op", [MutationType.SET_VERSIONSTAMPED_KEY, MutationType.SET_VERSIONSTAMPED_VALUE]
)
def test_versionstamped_ops_cannot_be_applied_to_a_value(op: MutationType) -> None:
    """The versionstamped ops need the commit, so apply_atomic refuses them by name."""
    with pytest.raises(UsageError, match=op.name):
        apply_atomic(op, None, b"\x00" * 14)


def test_wrong_argument_types_raise_found_type_error() -> None:
    """Non-bytes values and non-int ops raise FoundTypeError naming the argument."""
    with pytest.raises(FoundTypeError, match="param must be bytes, got str: 'x'"):
        apply_atomic(MutationType.ADD, None, "x")  # type: ignore[arg-type]
    with pytest.raises(FoundTypeError, match="existing value must be bytes, got bytearray"):
        apply_atomic(MutationType.ADD, bytearray(b"a"), b"x")  # type: ignore[arg-type]
    with pytest.raises(FoundTypeError, match="op must be int, got str"):
        apply_atomic("ADD", None, b"x")  # type: ignore[arg-type]


# -- a byte-at-a-time model of A-03, independent of the int arithmetic in found._atomic --------


def _fit(existing: bytes, n: int) -> bytes:
    return bytes(existing[i] if i < len(existing) else 0 for i in range(n))


def _le_int(data: bytes) -> int:
    return sum(byte << (8 * i) for i, byte in enumerate(data))


def _model_add(existing: bytes | None, param: bytes) -> bytes:
    if not existing or not param:
        return param
    out = bytearray()
    carry = 0
    for a, b in zip(_fit(existing, len(param)), param, strict=True):
        total = a + b + carry
        out.append(total & 0xFF)
        carry = total >> 8
    return bytes(out)


values = st.binary(max_size=12)
maybe_values = st.none() | values


@given(existing=maybe_values, param=values)
def test_add_matches_a_carrying_byte_adder(existing: bytes | None, param: bytes) -> None:
    """ADD equals a little-endian byte adder that drops the final carry."""
    assert apply_atomic(MutationType.ADD, existing, param) == _model_add(existing, param)


@given(existing=values.filter(bool), param=values.filter(bool))
def test_add_is_addition_modulo_the_param_width(existing: bytes, param: bytes) -> None:
    """ADD is (int(fit(E)) + int(P)) mod 2^(8n), as n little-endian bytes."""
    n = len(param)
    expected = (_le_int(_fit(existing, n)) + _le_int(param)) % (1 << (8 * n))
    result = apply_atomic(MutationType.ADD, existing, param)
    assert result is not None
    assert len(result) == n
    assert _le_int(result) == expected


@given(existing=st.none() | st.just(b""), param=values)
def test_add_to_absent_or_empty_value_stores_param(existing: bytes | None, param: bytes) -> None:
    """ADD on an absent or empty value gives the param itself."""
    assert apply_atomic(MutationType.ADD, existing, param) == param


@pytest.mark.parametrize("op", [MutationType.BIT_AND, MutationType.BIT_OR, MutationType.BIT_XOR])
@given(data=st.data())
def test_bit_ops_are_commutative_on_equal_lengths(op: MutationType, data: st.DataObject) -> None:
    """For two values of one length, a bit op gives the same bytes in either order."""
    n = data.draw(st.integers(min_value=1, max_value=12))
    a = data.draw(st.binary(min_size=n, max_size=n))
    b = data.draw(st.binary(min_size=n, max_size=n))
    assert apply_atomic(op, a, b) == apply_atomic(op, b, a)


@given(existing=maybe_values, param=values)
def test_bit_ops_match_a_bytewise_model(existing: bytes | None, param: bytes) -> None:
    """BIT_AND/OR/XOR follow A-03 byte by byte, including the absent and empty cases."""
    n = len(param)
    if existing is None:
        want_and = param
    else:
        want_and = bytes(a & b for a, b in zip(_fit(existing, n), param, strict=True))
    if not existing or not param:
        want_or = want_xor = param
    else:
        fitted = _fit(existing, n)
        want_or = bytes(a | b for a, b in zip(fitted, param, strict=True))
        want_xor = bytes(a ^ b for a, b in zip(fitted, param, strict=True))
    assert apply_atomic(MutationType.BIT_AND, existing, param) == want_and
    assert apply_atomic(MutationType.BIT_OR, existing, param) == want_or
    assert apply_atomic(MutationType.BIT_XOR, existing, param) == want_xor


@given(existing=maybe_values, param=values)
def test_max_and_min_compare_fitted_little_endian_integers(
    existing: bytes | None, param: bytes
) -> None:
    """MAX/MIN keep the larger/smaller of fit(E) and P as integers, with A-03's edge cases."""
    n = len(param)
    want_max = param if not existing or not param else max(_fit(existing, n), param, key=_le_int)
    want_min = (
        param if existing is None or not param else min(_fit(existing, n), param, key=_le_int)
    )
    got_max = apply_atomic(MutationType.MAX, existing, param)
    got_min = apply_atomic(MutationType.MIN, existing, param)
    assert got_max is not None
    assert got_min is not None
    assert (_le_int(got_max), len(got_max)) == (_le_int(want_max), len(want_max))
    assert (_le_int(got_min), len(got_min)) == (_le_int(want_min), len(want_min))


@given(existing=values, param=values)
def test_byte_max_and_byte_min_agree_with_max_and_min_of_bytes(
    existing: bytes, param: bytes
) -> None:
    """BYTE_MAX/BYTE_MIN on a present value are max()/min() of the two byte strings."""
    assert apply_atomic(MutationType.BYTE_MAX, existing, param) == max(existing, param)
    assert apply_atomic(MutationType.BYTE_MIN, existing, param) == min(existing, param)


@given(param=values)
def test_byte_max_and_byte_min_on_absent_key_store_param(param: bytes) -> None:
    """BYTE_MAX/BYTE_MIN on an absent key give the param."""
    assert apply_atomic(MutationType.BYTE_MAX, None, param) == param
    assert apply_atomic(MutationType.BYTE_MIN, None, param) == param


@given(existing=maybe_values, param=values)
def test_compare_and_clear_clears_only_absent_or_equal_values(
    existing: bytes | None, param: bytes
) -> None:
    """COMPARE_AND_CLEAR clears when E is absent or equals P, and otherwise keeps E."""
    result = apply_atomic(MutationType.COMPARE_AND_CLEAR, existing, param)
    if existing is None or existing == param:
        assert result is None
    else:
        assert result == existing


@given(existing=maybe_values, param=values)
def test_append_if_fits_concatenates_small_values(existing: bytes | None, param: bytes) -> None:
    """APPEND_IF_FITS of small values is E + P (P alone for an absent key)."""
    assert apply_atomic(MutationType.APPEND_IF_FITS, existing, param) == (existing or b"") + param

"""found's exceptions: FoundationDB error classes (fdb-semantics.md E-01..E-08), misuse errors."""

from __future__ import annotations

import importlib.util
import pickle
import re
from pathlib import Path
from types import ModuleType

import pytest

import found._error_codes as codes
from found._error_codes import (
    ERROR_CLASSES,
    ERROR_TABLE,
    CommitUnknownResult,
    FutureVersion,
    InvertedRange,
    KeyOutsideLegalRange,
    KeyTooLarge,
    NotCommitted,
    TransactionCancelled,
    TransactionTimedOut,
    TransactionTooLarge,
    TransactionTooOld,
    UsedDuringCommit,
    ValueTooLarge,
)
from found._errors import (
    BaseFoundException,
    FoundException,
    FoundTypeError,
    UsageError,
    check_bytes,
    check_int,
    error_for,
)

# E-02 and E-03, written out again here so that a change to the module's sets is caught.
MAYBE_COMMITTED = {1021, 1039}
RETRYABLE_NOT_COMMITTED = {1007, 1009, 1020, 1037, 1038, 1042, 1051, 1078, 1213, 1223}
RETRYABLE = MAYBE_COMMITTED | RETRYABLE_NOT_COMMITTED
RETRIED_BY_ON_ERROR = RETRYABLE | {1079}

# E-08: every client-visible code with its FoundationDB name.
CLIENT_VISIBLE = {
    1000: "operation_failed",
    1004: "timed_out",
    1007: "transaction_too_old",
    1009: "future_version",
    1020: "not_committed",
    1021: "commit_unknown_result",
    1025: "transaction_cancelled",
    1029: "watch_cancelled",
    1031: "transaction_timed_out",
    1032: "too_many_watches",
    1034: "watches_disabled",
    1036: "accessed_unreadable",
    1037: "process_behind",
    1038: "database_locked",
    1039: "cluster_version_changed",
    1042: "commit_proxy_memory_limit_exceeded",
    1051: "batch_transaction_throttled",
    1078: "grv_proxy_memory_limit_exceeded",
    1079: "blob_granule_request_failed",
    1101: "operation_cancelled",
    1102: "future_released",
    1213: "tag_throttled",
    1223: "proxy_tag_throttled",
    2000: "client_invalid_operation",
    2002: "commit_read_incomplete",
    2004: "key_outside_legal_range",
    2005: "inverted_range",
    2006: "invalid_option_value",
    2007: "invalid_option",
    2008: "network_not_setup",
    2009: "network_already_setup",
    2010: "read_version_already_set",
    2011: "version_invalid",
    2012: "range_limits_invalid",
    2015: "future_not_set",
    2016: "future_not_error",
    2017: "used_during_commit",
    2018: "invalid_mutation_type",
    2020: "transaction_invalid_version",
    2021: "no_commit_version",
    2023: "transaction_read_only",
    2101: "transaction_too_large",
    2102: "key_too_large",
    2103: "value_too_large",
    2108: "unsupported_operation",
    2109: "too_many_tags",
    2110: "tag_too_long",
    2200: "api_version_unset",
    2201: "api_version_already_set",
    2202: "api_version_invalid",
    2203: "api_version_not_supported",
    2210: "exact_mode_without_limits",
    2250: "invalid_tuple_data_type",
    2269: "invalid_versionstamp_size",
    4000: "unknown_error",
    4100: "internal_error",
}


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


@pytest.mark.parametrize(
    ("cls", "code", "name"),
    [
        (NotCommitted, 1020, "not_committed"),
        (TransactionTooOld, 1007, "transaction_too_old"),
        (FutureVersion, 1009, "future_version"),
        (CommitUnknownResult, 1021, "commit_unknown_result"),
        (TransactionCancelled, 1025, "transaction_cancelled"),
        (TransactionTimedOut, 1031, "transaction_timed_out"),
        (KeyOutsideLegalRange, 2004, "key_outside_legal_range"),
        (InvertedRange, 2005, "inverted_range"),
        (TransactionTooLarge, 2101, "transaction_too_large"),
        (KeyTooLarge, 2102, "key_too_large"),
        (ValueTooLarge, 2103, "value_too_large"),
        (UsedDuringCommit, 2017, "used_during_commit"),
    ],
)
def test_named_classes_carry_their_fdb_code_and_name(
    cls: type[FoundException], code: int, name: str
) -> None:
    """The classes users catch most have the right code, name and lookup entry."""
    error = cls()
    assert (error.code, error.name, cls.code) == (code, name, code)
    assert ERROR_CLASSES[code] is cls
    assert type(error_for(code)) is cls


@pytest.mark.parametrize(("code", "name"), sorted(CLIENT_VISIBLE.items()))
def test_every_client_visible_code_has_a_camel_case_class(code: int, name: str) -> None:
    """Each E-08 code has a class named in CamelCase after its FoundationDB name."""
    cls = ERROR_CLASSES[code]
    assert cls.name == name
    assert cls.__name__ == _camel(name)
    assert getattr(codes, cls.__name__) is cls
    assert cls.__name__ in codes.__all__


def test_error_classes_agree_with_the_error_table() -> None:
    """Every generated class matches its table row and is a FoundException subclass."""
    for code, cls in ERROR_CLASSES.items():
        assert issubclass(cls, FoundException)
        assert (cls.name, cls.description) == ERROR_TABLE[code]
        assert cls.code == code
        assert cls.__name__ == _camel(cls.name)


def test_error_classes_cover_the_client_visible_ranges() -> None:
    """Named classes exist for table codes in 1000-1102, 2000-2299, 1213, 1223, 4000, 4100."""
    wanted = {
        code
        for code in ERROR_TABLE
        if 1000 <= code <= 1102 or 2000 <= code <= 2299 or code in {1213, 1223, 4000, 4100}
    }
    assert set(ERROR_CLASSES) == wanted


@pytest.mark.parametrize(
    ("code", "description"),
    [
        (1007, "Transaction is too old to perform reads or be committed"),
        (1009, "Request for future version"),
        (1020, "Transaction not committed due to conflict with another transaction"),
        (1021, "Transaction may or may not have committed"),
        (1025, "Operation aborted because the transaction was cancelled"),
        (1031, "Operation aborted because the transaction timed out"),
        (2004, "Key outside legal range"),
        (2005, "Range begin key larger than end key"),
        (2017, "Operation issued while a commit was outstanding"),
        (2018, "Unrecognized atomic mutation type"),
        (2101, "Transaction exceeds byte limit"),
        (2102, "Key length exceeds limit"),
        (2103, "Value length exceeds limit"),
        (2134, "Tenant name cannot begin with \\xff"),
        (4000, "An unknown error occurred"),
    ],
)
def test_str_is_fdb_description_then_code(code: int, description: str) -> None:
    """str() is FoundationDB's description followed by the code in parentheses (E-01)."""
    assert str(error_for(code)) == f"{description} ({code})"
    assert str(FoundException(code)) == f"{description} ({code})"


def test_repr_names_the_class_and_code() -> None:
    """repr() is ClassName(code), for named and plain exceptions."""
    assert repr(NotCommitted()) == "NotCommitted(1020)"
    assert repr(FoundException(1020)) == "FoundException(1020)"
    assert repr(error_for(1500)) == "FoundException(1500)"


def test_predicates_match_fdb_7_3_for_every_code() -> None:
    """retryable, maybe_committed, retryable_not_committed and on_error retries follow E-02/E-03."""
    wrong = []
    for code in range(4201):
        for error in (error_for(code), FoundException(code)):
            got = (
                error.maybe_committed,
                error.retryable_not_committed,
                error.retryable,
                error.retried_by_on_error,
            )
            want = (
                code in MAYBE_COMMITTED,
                code in RETRYABLE_NOT_COMMITTED,
                code in RETRYABLE,
                code in RETRIED_BY_ON_ERROR,
            )
            if got != want:
                wrong.append((repr(error), got, want))
    assert wrong == []


def test_blob_granule_request_failed_is_retried_but_not_retryable() -> None:
    """1079 is retried by on_error although the retryable predicate is false (E-03)."""
    error = error_for(1079)
    assert error.retried_by_on_error
    assert not error.retryable


def test_plain_constructor_works_for_a_code_with_a_named_class() -> None:
    """FoundException(1020) builds a plain FoundException with the table's name."""
    error = FoundException(1020)
    assert type(error) is FoundException
    assert error.name == "not_committed"
    assert error.retryable


def test_error_for_unknown_code_gives_unknown_error_description() -> None:
    """A code outside the table gives a plain FoundException described "UNKNOWN_ERROR"."""
    error = error_for(29999)
    assert type(error) is FoundException
    assert error.description == "UNKNOWN_ERROR"
    assert str(error) == "UNKNOWN_ERROR (29999)"
    assert not error.retryable


def test_error_for_without_named_class_keeps_table_description() -> None:
    """A server-side code in the table but without a class keeps its name and description."""
    error = error_for(1510)
    assert type(error) is FoundException
    assert (error.name, error.description) == ("io_error", "Disk i/o operation failed")


def test_description_can_be_overridden() -> None:
    """An explicit description replaces the table's, for named and plain errors."""
    assert str(error_for(1020, "custom")) == "custom (1020)"
    assert str(NotCommitted(description="custom")) == "custom (1020)"
    assert str(error_for(31337, "from libfdb_c")) == "from libfdb_c (31337)"


@pytest.mark.parametrize(
    "error",
    [
        NotCommitted(),
        error_for(1021),
        error_for(2102, "custom text"),
        FoundException(1020),
        FoundException(31337),
        UsageError("limit must be >= 0, got -1"),
        FoundTypeError("key must be bytes, got str: 'a'"),
    ],
    ids=repr,
)
def test_errors_survive_a_pickle_round_trip(error: BaseFoundException) -> None:
    """Pickling keeps the class, code, name, description and message."""
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert repr(copy) == repr(error)
    if isinstance(error, FoundException):
        assert isinstance(copy, FoundException)
        assert (copy.code, copy.name, copy.description) == (
            error.code,
            error.name,
            error.description,
        )


def test_every_named_class_pickles() -> None:
    """Every generated class round-trips through pickle."""
    for cls in ERROR_CLASSES.values():
        copy = pickle.loads(pickle.dumps(cls()))
        assert type(copy) is cls
        assert copy.code == cls.code


def test_named_class_refuses_another_code() -> None:
    """NotCommitted(1007) is a mistake and says which helper to use instead."""
    with pytest.raises(UsageError, match=r"NotCommitted is error 1020, got code 1007"):
        NotCommitted(1007)


def test_plain_exception_needs_a_code() -> None:
    """FoundException() without a code is a usage error."""
    with pytest.raises(UsageError, match="needs an error code"):
        FoundException()


def test_code_must_be_an_int() -> None:
    """A non-int code raises FoundTypeError naming the argument."""
    with pytest.raises(FoundTypeError, match="code must be int, got str: '1020'"):
        FoundException("1020")  # type: ignore[arg-type]
    with pytest.raises(FoundTypeError, match="code must be int, got bool"):
        error_for(True)


def test_description_must_be_a_str() -> None:
    """A non-str description raises FoundTypeError."""
    with pytest.raises(FoundTypeError, match="description must be str, got bytes"):
        error_for(1020, b"x")  # type: ignore[arg-type]


def test_hierarchy_lets_one_except_clause_catch_everything() -> None:
    """Every found error is a BaseFoundException; misuse errors are also Value/TypeError."""
    assert issubclass(FoundException, BaseFoundException)
    assert issubclass(NotCommitted, FoundException)
    assert issubclass(UsageError, BaseFoundException)
    assert issubclass(UsageError, ValueError)
    assert issubclass(FoundTypeError, BaseFoundException)
    assert issubclass(FoundTypeError, TypeError)
    assert not issubclass(FoundException, (ValueError, TypeError))


def test_check_bytes_names_the_argument_and_type() -> None:
    """check_bytes returns bytes and otherwise names what, the type and the value."""
    assert check_bytes(b"abc", "key") == b"abc"
    with pytest.raises(FoundTypeError) as info:
        check_bytes("abc", "key")
    assert str(info.value) == "key must be bytes, got str: 'abc'"
    with pytest.raises(FoundTypeError, match="value must be bytes, got bytearray"):
        check_bytes(bytearray(b"a"), "value")


def test_check_bytes_returns_plain_bytes_for_a_subclass() -> None:
    """A bytes subclass comes back as plain bytes."""

    class Key(bytes):
        pass

    result = check_bytes(Key(b"k"), "key")
    assert type(result) is bytes
    assert result == b"k"


def test_check_bytes_shortens_long_values_in_the_message() -> None:
    """A huge wrong value does not flood the message."""
    with pytest.raises(FoundTypeError) as info:
        check_bytes("x" * 10_000, "key")
    assert len(str(info.value)) < 120
    assert str(info.value).endswith("...")


def test_check_int_refuses_bool_and_other_types() -> None:
    """check_int accepts ints only; True is not a number here."""
    assert check_int(5, "limit") == 5
    with pytest.raises(FoundTypeError, match="limit must be int, got bool: True"):
        check_int(True, "limit")
    with pytest.raises(FoundTypeError, match=r"limit must be int, got float: 1\.5"):
        check_int(1.5, "limit")


def test_modules_export_what_they_define() -> None:
    """Every name in __all__ exists, and the lookup helpers are exported."""
    import found._errors as errors

    for module in (errors, codes):
        for name in module.__all__:
            assert hasattr(module, name), name
    assert {"error_for", "check_bytes", "FoundException", "UsageError"} <= set(errors.__all__)


# -- the committed module is exactly what the generator writes -------------------------------

GENERATOR = Path(__file__).resolve().parents[3] / "scripts" / "gen_error_codes.py"


def _load_generator() -> ModuleType:
    if not GENERATOR.exists():
        pytest.skip("scripts/gen_error_codes.py is not part of this checkout")
    spec = importlib.util.spec_from_file_location("gen_error_codes", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _header_from_table() -> str:
    """Rebuild an error_definitions.h with the committed table's rows."""

    def c_string(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    rows = [
        f"ERROR( {name}, {code}, {c_string(description)} )"
        for code, (name, description) in ERROR_TABLE.items()
    ]
    return "#ifdef ERROR\n" + "\n".join(rows) + "\n#undef ERROR\n#endif\n"


def test_committed_module_is_the_generator_output() -> None:
    """Regenerating from the committed table gives the committed file byte for byte."""
    generator = _load_generator()
    expected = generator.render(generator.parse_header(_header_from_table()))
    assert Path(codes.__file__).read_text(encoding="utf-8") == expected


def test_generator_parses_c_escapes_and_trailing_semicolons() -> None:
    """The parser decodes \\" and \\\\ and accepts the odd ');' line ending."""
    generator = _load_generator()
    text = (
        'ERROR( mapper_bad_range_decriptor, 2032, "\\"{...}\\" must be last" )\n'
        'ERROR( invalid_tenant_name, 2134, "cannot begin with \\\\xff" );\n'
        '// ERROR( commented_out, 9999, "not a row" )\n'
    )
    parsed = generator.parse_header(text)
    assert [(e.code, e.name, e.description) for e in parsed] == [
        (2032, "mapper_bad_range_decriptor", '"{...}" must be last'),
        (2134, "invalid_tenant_name", "cannot begin with \\xff"),
    ]


def test_generator_output_is_valid_python_with_the_header_comment() -> None:
    """A tiny header renders to a module that starts with the do-not-edit line and compiles."""
    generator = _load_generator()
    text = generator.render(generator.parse_header('ERROR( not_committed, 1020, "Conflict" )'))
    assert text.startswith("# generated by scripts/gen_error_codes.py, do not edit\n")
    compile(text, "<generated>", "exec")
    assert re.search(r"^class NotCommitted\(FoundException\):$", text, re.MULTILINE)

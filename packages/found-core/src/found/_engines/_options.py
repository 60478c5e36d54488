"""Transaction and database options of the embedded engines, named as in FoundationDB.

Every option of FoundationDB 7.3's Python binding is accepted, so that code written for a
cluster runs unchanged. An option that changes what a client can see behaves as on a cluster:
timeouts, retry limits, size limits, system keys, read-your-writes, conflict ranges, tags (their
limits), the transaction logging identifier, ``read_lock_aware`` (the transaction becomes read
only), ``automatic_idempotency`` (no 1021 ``commit_unknown_result``),
``used_during_commit_protection_disable`` and ``initialize_new_database``. Options that tune
what an embedded engine does not have (priorities, caches, tracing, throttling, proxies,
durability modes) are accepted and checked as FoundationDB checks them, then have no effect.

As in FoundationDB's client, a bad option value on a transaction is not raised by the call: it
fails the next read or the commit (deferred), with 2006 ``invalid_option_value`` or the
option's own error. An unknown option name raises 2007 ``invalid_option`` at once. Database
options check their values at once.

Item numbers (T-20, L-12, ...) refer to the conformance checklist.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING

from found._engines._limits import TRANSACTION_SIZE_LIMIT
from found._errors import FoundTypeError, UsageError, error_for

if TYPE_CHECKING:
    from found._engines._transaction import EmbeddedTransaction

__all__ = ["MAX_TAGS", "MAX_TAG_LENGTH", "DatabaseOptions", "TransactionOptions"]

#: Tags a transaction may carry (``tag`` and ``auto_throttle_tag`` together), and the longest tag
#: in bytes: FoundationDB 7.3's client knobs ``MAX_TAGS_PER_TRANSACTION`` and
#: ``MAX_TRANSACTION_TAG_LENGTH`` (its option descriptions still say 16 bytes; the knob says 255).
MAX_TAGS = 5
MAX_TAG_LENGTH = 255
_INT32_MAX = 2**31 - 1
# The length of a span context (protocol version, trace id, span id, flags).
_SPAN_CONTEXT_LENGTH = 33
# The longest debug transaction identifier.
_IDENTIFIER_LENGTH = 100


def _int(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise FoundTypeError(f"option {name} takes an int, got {type(value).__name__}")
    return value


def _text(name: str, value: object) -> bytes:
    """A string option's bytes: a ``str`` in UTF-8, as the Python binding sends it, or bytes."""
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes):
        return value
    raise FoundTypeError(f"option {name} takes a str, got {type(value).__name__}")


def _set_by_name(options: object, name: object, value: object) -> None:
    """``options.set_<name>(value)``, or ``set_<name>()`` when no value is given."""
    method = getattr(options, f"set_{name}", None) if isinstance(name, str) else None
    if method is None or name == "":
        raise error_for(2007)
    parameters = list(inspect.signature(method).parameters.values())
    if value is None:
        if parameters and parameters[0].default is inspect.Parameter.empty:
            raise FoundTypeError(f"option {name!r} needs a value")
        method()
    else:
        if not parameters:
            raise FoundTypeError(f"option {name!r} takes no value, got {value!r:.60}")
        method(value)


class TransactionOptions:
    """Per-transaction options, named as in FoundationDB's ``tr.options``.

    >>> # inside a transaction: tx.options.set_timeout(2000); tx.options.set_tag("batch-job")
    """

    __slots__ = ("_tx",)

    def __init__(self, tx: EmbeddedTransaction) -> None:
        self._tx = tx

    def _in_range(self, name: str, value: object, lo: int, hi: int) -> int | None:
        """``value`` if it is in ``[lo, hi]``; else defer 2006 and return None."""
        number = _int(name, value)
        if not lo <= number <= hi:
            self._tx._defer(error_for(2006))
            return None
        return number

    def set(self, name: str, value: int | str | bytes | None = None) -> None:
        """Set an option by name, e.g. ``tx.options.set("timeout", 500)``.

        An unknown name raises :class:`found.InvalidOption` (2007) at once, as FoundationDB does
        for an unknown option code.
        """
        _set_by_name(self, name, value)

    # -- limits and retries (T-20, T-21, L-05) -----------------------------------------------------
    def set_timeout(self, milliseconds: int) -> None:
        """Fail the transaction with 1031 once it is this old (0 disables)."""
        value = self._in_range("timeout", milliseconds, 0, _INT32_MAX)
        if value is not None:
            self._tx._timeout = value / 1000.0
            self._tx._check_timeout()

    def set_retry_limit(self, retries: int) -> None:
        """Let ``on_error`` retry at most this many times (-1: no limit)."""
        value = self._in_range("retry_limit", retries, -1, _INT32_MAX)
        if value is not None:
            self._tx._retry_limit = value

    def set_max_retry_delay(self, milliseconds: int) -> None:
        """Cap the backoff of ``on_error``."""
        value = self._in_range("max_retry_delay", milliseconds, 0, _INT32_MAX)
        if value is not None:
            self._tx._max_retry_delay = value / 1000.0

    def set_size_limit(self, size: int) -> None:
        """Fail the commit with 2101 when the transaction is larger than ``size`` bytes."""
        value = self._in_range("size_limit", size, 32, TRANSACTION_SIZE_LIMIT)
        if value is not None:
            self._tx._size_limit = value

    # -- keys, reads and writes --------------------------------------------------------------------
    def set_access_system_keys(self) -> None:
        """Allow reads and writes of keys from ``b'\\xff'`` up to ``b'\\xff\\xff'``."""
        self._tx._system = 2

    def set_read_system_keys(self) -> None:
        """Allow reads of keys from ``b'\\xff'`` up to ``b'\\xff\\xff'``."""
        self._tx._system = max(self._tx._system, 1)

    def set_read_your_writes_disable(self) -> None:
        """Reads ignore this transaction's own writes; must precede every read and write."""
        if self._tx._touched:
            self._tx._defer(error_for(2000))
            return
        self._tx._ryw = False

    def set_snapshot_ryw_disable(self) -> None:
        """Snapshot reads ignore this transaction's own writes."""
        self._tx._snapshot_ryw -= 1

    def set_snapshot_ryw_enable(self) -> None:
        """Undo one ``set_snapshot_ryw_disable``."""
        self._tx._snapshot_ryw += 1

    def set_next_write_no_write_conflict_range(self) -> None:
        """The next write adds no write conflict range."""
        self._tx._no_write_conflict_next = True

    def set_bypass_unreadable(self) -> None:
        """Let reads see versionstamped writes as plain writes of the unstamped bytes."""
        self._tx._bypass_unreadable = True

    # -- commits -----------------------------------------------------------------------------------
    def set_automatic_idempotency(self) -> None:
        """Never fail a commit with 1021 ``commit_unknown_result``: a commit whose outcome was
        lost is found to have been applied (it returns) or not (1007, retryable)."""
        self._tx._automatic_idempotency = True

    def set_used_during_commit_protection_disable(self) -> None:
        """Using the transaction while its commit runs still fails with 2017, but no longer
        fails the commit too (T-11)."""
        self._tx._commit_protection_off = True

    def set_lock_aware(self) -> None:
        """Read and write a locked database (embedded databases are never locked); undoes the
        read-only mark of ``read_lock_aware``."""
        self._tx._lock_aware = True
        self._tx._read_only = False

    def set_read_lock_aware(self) -> None:
        """Read a locked database. Unless ``lock_aware`` came first, the transaction becomes
        read only: committing a write fails with 2023 ``transaction_read_only``."""
        t = self._tx
        if not t._lock_aware:
            t._lock_aware = True
            t._read_only = True

    def set_initialize_new_database(self) -> None:
        """A write-only transaction at read version 0, for tools that configure a new
        database: every read fails with 2000; 2010 if the read version is already known."""
        t = self._tx
        if t._read_version is not None:
            t._defer(error_for(2010))
            return
        t._read_version = 0
        t._read_version_set = True

    # -- tags (L-12) -------------------------------------------------------------------------------
    def set_tag(self, tag: str) -> None:
        """Add a throttling tag: at most 5 (with ``auto_throttle_tag``), each at most 255
        bytes (2109 ``too_many_tags``, 2110 ``tag_too_long``). The embedded engines throttle
        nothing."""
        self._add_tag(_text("tag", tag))

    def set_auto_throttle_tag(self, tag: str) -> None:
        """Add a tag that a cluster may also throttle automatically; limits as for ``tag``."""
        self._add_tag(_text("auto_throttle_tag", tag))

    def _add_tag(self, tag: bytes) -> None:
        t = self._tx
        # FoundationDB checks the length, then the count, then drops a duplicate: adding a tag
        # already present to a full set still fails.
        if len(tag) > MAX_TAG_LENGTH:
            t._defer(error_for(2110))
        elif len(t._tags) >= MAX_TAGS:
            t._defer(error_for(2109))
        elif tag not in t._tags:
            t._tags = (*t._tags, tag)

    # -- logging and tracing -----------------------------------------------------------------------
    def set_debug_transaction_identifier(self, identifier: str) -> None:
        """Name the transaction in client logs: 1 to 100 bytes (2006), and it cannot change
        once set (2000)."""
        value = _text("debug_transaction_identifier", identifier)
        t = self._tx
        if not 0 < len(value) <= _IDENTIFIER_LENGTH:
            t._defer(error_for(2006))
        elif t._debug_identifier and t._debug_identifier != value:
            t._defer(error_for(2000))
        else:
            t._debug_identifier = value

    def set_log_transaction(self) -> None:
        """Log the transaction (the embedded engines keep no client log); needs a
        ``debug_transaction_identifier`` first (2000)."""
        if not self._tx._debug_identifier:
            self._tx._defer(error_for(2000))

    def set_transaction_logging_enable(self, identifier: str) -> None:
        """Deprecated: ``debug_transaction_identifier`` then ``log_transaction``."""
        self.set_debug_transaction_identifier(identifier)
        self.set_log_transaction()

    def set_transaction_logging_max_field_length(self, length: int) -> None:
        """Truncate logged keys and values to this length: -1 (no truncation) or 1 and up."""
        value = self._in_range("transaction_logging_max_field_length", length, -1, _INT32_MAX)
        if value == 0:
            self._tx._defer(error_for(2006))

    def set_span_parent(self, context: bytes) -> None:
        """The tracing span this transaction belongs to: a 33-byte span context (2006)."""
        if not isinstance(context, bytes):
            raise FoundTypeError(f"option span_parent takes bytes, got {type(context).__name__}")
        if len(context) != _SPAN_CONTEXT_LENGTH:
            self._tx._defer(error_for(2006))

    def set_debug_retry_logging(self, name: str | None = None) -> None:
        """Warn about transactions retried for long; accepted, the embedded engines log
        nothing."""
        if name is not None:
            _text("debug_retry_logging", name)

    def set_server_request_tracing(self) -> None:
        """Trace the transaction on the servers; accepted, there are none."""

    # -- read versions -----------------------------------------------------------------------------
    def set_causal_read_risky(self) -> None:
        """Accepted; embedded reads are always causal."""

    def set_causal_read_disable(self) -> None:
        """Accepted; embedded reads are always causal."""

    def set_use_grv_cache(self) -> None:
        """Fails with 2007 at the next read or commit, as on a cluster at API version 730
        unless the ``disable_client_bypass`` network option is set (which found never sets)."""
        self._tx._defer(error_for(2007))

    # -- accepted, without effect on an embedded engine --------------------------------------------
    def set_priority_batch(self) -> None:
        """Accepted; the embedded engines have no priorities."""

    def set_priority_system_immediate(self) -> None:
        """Accepted; the embedded engines have no priorities."""

    def set_read_priority_normal(self) -> None:
        """Accepted; the embedded engines have no read priorities."""

    def set_read_priority_low(self) -> None:
        """Accepted; the embedded engines have no read priorities."""

    def set_read_priority_high(self) -> None:
        """Accepted; the embedded engines have no read priorities."""

    def set_read_server_side_cache_enable(self) -> None:
        """Accepted; the embedded engines have no storage-server cache."""

    def set_read_server_side_cache_disable(self) -> None:
        """Accepted; the embedded engines have no storage-server cache."""

    def set_read_ahead_disable(self) -> None:
        """Accepted (deprecated); it only tuned how a cluster client reads ahead."""

    def set_causal_write_risky(self) -> None:
        """Accepted; an embedded commit is never sent twice."""

    def set_durability_datacenter(self) -> None:
        """Accepted; the file's durability is the engine's (``synchronous``)."""

    def set_durability_risky(self) -> None:
        """Accepted; the file's durability is the engine's (``synchronous``)."""

    def set_durability_dev_null_is_web_scale(self) -> None:
        """Accepted (deprecated); the file's durability is the engine's."""

    def set_include_port_in_address(self) -> None:
        """Accepted; embedded databases have no server addresses."""

    def set_use_provisional_proxies(self) -> None:
        """Accepted; embedded databases have no proxies."""

    def set_raw_access(self) -> None:
        """Accepted; embedded databases have no tenants, so every access is raw."""

    def set_bypass_storage_quota(self) -> None:
        """Accepted; embedded databases have no storage quotas."""

    def set_authorization_token(self, token: str | None = None) -> None:
        """Accepted; embedded databases have no tenants to authorize."""
        if token is not None:
            _text("authorization_token", token)

    def set_expensive_clear_cost_estimation_enable(self) -> None:
        """Accepted; it only changes a cluster's throttling cost estimate."""

    def set_report_conflicting_keys(self) -> None:
        """Accepted; the special keys that list conflicting keys are not provided (I-23)."""

    def set_special_key_space_relaxed(self) -> None:
        """Accepted; the special-key space is not provided (I-23)."""

    def set_special_key_space_enable_writes(self) -> None:
        """Accepted; the special-key space is not provided (I-23)."""


class DatabaseOptions:
    """Database-wide defaults for new transactions, named as in FoundationDB's ``db.options``.

    >>> DatabaseOptions().set_transaction_timeout(5000)
    """

    def __init__(self) -> None:
        self._timeout = 0.0
        self._retry_limit = -1
        self._max_retry_delay = 1.0
        self._size_limit = TRANSACTION_SIZE_LIMIT
        self._snapshot_ryw = 0
        self._max_watches = 10_000
        self._automatic_idempotency = False
        self._bypass_unreadable = False
        self._commit_protection_off = False

    @staticmethod
    def _in_range(name: str, value: object, lo: int, hi: int) -> int:
        number = _int(name, value)
        if not lo <= number <= hi:
            raise error_for(2006)
        return number

    def set(self, name: str, value: int | str | bytes | None = None) -> None:
        """Set an option by name, e.g. ``db.options.set("transaction_timeout", 500)``; an
        unknown name raises :class:`found.InvalidOption` (2007)."""
        _set_by_name(self, name, value)

    def set_transaction_timeout(self, milliseconds: int) -> None:
        """Default ``timeout`` of new transactions (0: none)."""
        self._timeout = self._in_range("transaction_timeout", milliseconds, 0, _INT32_MAX) / 1000.0

    def set_transaction_retry_limit(self, retries: int) -> None:
        """Default ``retry_limit`` of new transactions (-1: none)."""
        self._retry_limit = self._in_range("transaction_retry_limit", retries, -1, _INT32_MAX)

    def set_transaction_max_retry_delay(self, milliseconds: int) -> None:
        """Default cap of the retry backoff."""
        value = self._in_range("transaction_max_retry_delay", milliseconds, 0, _INT32_MAX)
        self._max_retry_delay = value / 1000.0

    def set_transaction_size_limit(self, size: int) -> None:
        """Default ``size_limit`` of new transactions."""
        self._size_limit = self._in_range(
            "transaction_size_limit", size, 32, TRANSACTION_SIZE_LIMIT
        )

    def set_max_watches(self, count: int) -> None:
        """How many watches may be outstanding at once (default 10,000)."""
        self._max_watches = self._in_range("max_watches", count, 0, 1_000_000)

    def set_snapshot_ryw_enable(self) -> None:
        """Snapshot reads see the transaction's own writes (the default)."""
        self._snapshot_ryw += 1

    def set_snapshot_ryw_disable(self) -> None:
        """Snapshot reads ignore the transaction's own writes."""
        self._snapshot_ryw -= 1

    def set_transaction_automatic_idempotency(self) -> None:
        """Every transaction starts with ``automatic_idempotency``, after each retry too."""
        self._automatic_idempotency = True

    def set_transaction_bypass_unreadable(self) -> None:
        """Every transaction starts with ``bypass_unreadable``."""
        self._bypass_unreadable = True

    def set_transaction_used_during_commit_protection_disable(self) -> None:
        """Every transaction starts with ``used_during_commit_protection_disable``."""
        self._commit_protection_off = True

    def set_transaction_logging_max_field_length(self, length: int) -> None:
        """Default of the transaction option; -1 or 1 and up (the engines keep no log)."""
        name = "transaction_logging_max_field_length"
        if self._in_range(name, length, -1, _INT32_MAX) == 0:
            raise error_for(2006)

    def set_transaction_causal_read_risky(self) -> None:
        """Accepted; embedded reads are always causal."""

    def set_transaction_include_port_in_address(self) -> None:
        """Accepted (deprecated); embedded databases have no server addresses."""

    def set_transaction_report_conflicting_keys(self) -> None:
        """Accepted; the special keys that list conflicting keys are not provided (I-23)."""

    def set_location_cache_size(self, size: int) -> None:
        """Accepted (0 and up); embedded databases locate nothing."""
        self._in_range("location_cache_size", size, 0, _INT32_MAX)

    def set_machine_id(self, machine_id: str | None = None) -> None:
        """Accepted; embedded databases have no machines to prefer."""
        if machine_id is not None:
            _text("machine_id", machine_id)

    def set_datacenter_id(self, datacenter_id: str | None = None) -> None:
        """Accepted; embedded databases have no datacenters to prefer."""
        if datacenter_id is not None:
            _text("datacenter_id", datacenter_id)

    def set_test_causal_read_risky(self, percent: int) -> None:
        """Accepted (0 to 100); a cluster's test of causal-read-risky reads."""
        self._in_range("test_causal_read_risky", percent, 0, 100)

    def set_use_config_database(self) -> None:
        """Refused with :class:`found.UsageError`: an embedded database has no configuration
        database, and pretending would send its transactions to the wrong keys."""
        raise UsageError("use_config_database: an embedded database has no configuration database")

"""The write map of the embedded engines' read-your-writes layer.

A transaction remembers, per key, what it decided itself:

* a *known* value (after ``set``, ``clear``, or atomic operations stacked on one of those): reads
  of that key never touch the database and add no read conflict;
* an *unknown* base with a stack of atomic operations: a read fetches the database value, adds a
  read conflict (the result depends on it) and applies the stack in order;
* an *unreadable* value (``set_versionstamped_value``): reading it raises 1036.

Cleared ranges are kept as a sorted list of disjoint half-open ranges; a key inside one and not
in the map reads as absent without touching the database.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field

from sortedcontainers import SortedList

from found._atomic import MutationType, apply_atomic

__all__ = ["Entry", "RangeSet", "WriteMap"]


@dataclass(slots=True)
class Entry:
    """What the transaction knows about one key."""

    known: bool
    value: bytes | None = None
    ops: list[tuple[MutationType, bytes]] = field(default_factory=list)
    unreadable: bool = False

    def resolve(self, base: bytes | None) -> bytes | None:
        """The value this entry gives on top of ``base`` (ignored when known)."""
        if self.known:
            return self.value
        value = base
        for op, param in self.ops:
            value = apply_atomic(op, value, param)
        return value


class RangeSet:
    """A set of keys made of disjoint, sorted half-open ranges.

    >>> r = RangeSet(); r.add(b"a", b"c"); r.add(b"b", b"d"); r.ranges
    [(b'a', b'd')]
    >>> r.contains(b"c"), r.contains(b"d")
    (True, False)
    """

    __slots__ = ("_begins", "_ends")

    def __init__(self) -> None:
        self._begins: list[bytes] = []
        self._ends: list[bytes] = []

    @property
    def ranges(self) -> list[tuple[bytes, bytes]]:
        """The ranges, sorted."""
        return list(zip(self._begins, self._ends, strict=True))

    def __bool__(self) -> bool:
        return bool(self._begins)

    def add(self, begin: bytes, end: bytes) -> None:
        """Add ``[begin, end)``, merging with overlapping or touching ranges."""
        if begin >= end:
            return
        begins, ends = self._begins, self._ends
        i = bisect_right(begins, begin)
        if i > 0 and ends[i - 1] >= begin:
            i -= 1
            begin = begins[i]
        j = i
        while j < len(begins) and begins[j] <= end:
            if ends[j] > end:
                end = ends[j]
            j += 1
        begins[i:j] = [begin]
        ends[i:j] = [end]

    def contains(self, key: bytes) -> bool:
        """Whether ``key`` lies in one of the ranges."""
        i = bisect_right(self._begins, key) - 1
        return i >= 0 and key < self._ends[i]

    def overlapping(self, begin: bytes, end: bytes) -> list[tuple[bytes, bytes]]:
        """The parts of the set inside ``[begin, end)``."""
        out: list[tuple[bytes, bytes]] = []
        i = max(bisect_right(self._begins, begin) - 1, 0)
        while i < len(self._begins) and self._begins[i] < end:
            b, e = max(self._begins[i], begin), min(self._ends[i], end)
            if b < e:
                out.append((b, e))
            i += 1
        return out

    def remove(self, begin: bytes, end: bytes) -> None:
        """Take ``[begin, end)`` out of the set, splitting ranges that straddle it.

        >>> r = RangeSet(); r.add(b"a", b"d"); r.remove(b"b", b"c"); r.ranges
        [(b'a', b'b'), (b'c', b'd')]
        """
        if begin >= end:
            return
        i = max(bisect_right(self._begins, begin) - 1, 0)
        j = bisect_right(self._begins, end)
        kept_begins: list[bytes] = []
        kept_ends: list[bytes] = []
        for b, e in zip(self._begins[i:j], self._ends[i:j], strict=True):
            if e <= begin or b >= end:
                kept_begins.append(b)
                kept_ends.append(e)
                continue
            if b < begin:
                kept_begins.append(b)
                kept_ends.append(begin)
            if e > end:
                kept_begins.append(end)
                kept_ends.append(e)
        self._begins[i:j] = kept_begins
        self._ends[i:j] = kept_ends

    def next_edge(self, key: bytes) -> bytes | None:
        """If ``key`` is inside a range, the end of that range; else None."""
        i = bisect_right(self._begins, key) - 1
        if i >= 0 and key < self._ends[i]:
            return self._ends[i]
        return None

    def prev_edge(self, key: bytes) -> bytes | None:
        """If the key just below ``key`` is inside a range, that range's begin; else None."""
        # Keys below `key` that are in a range [b, e) with b < key.
        i = bisect_right(self._begins, key) - 1
        while i >= 0 and self._begins[i] >= key:
            i -= 1
        if i >= 0 and self._ends[i] >= key:
            return self._begins[i]
        return None


class WriteMap:
    """The keys and ranges one transaction decided, for read-your-writes."""

    __slots__ = ("_sorted", "cleared", "entries", "unreadable_ranges")

    def __init__(self) -> None:
        # A plain dict makes writes and point reads cheap; the sorted view that range reads
        # need is built on the first range read and kept up to date after that.
        self.entries: dict[bytes, Entry] = {}
        self._sorted: SortedList | None = None
        self.cleared = RangeSet()
        self.unreadable_ranges = RangeSet()

    def __bool__(self) -> bool:
        return bool(self.entries) or bool(self.cleared)

    def irange(self, begin: bytes, end: bytes, reverse: bool = False) -> Iterator[bytes]:
        """The keys of the map inside ``[begin, end)``, in order."""
        if self._sorted is None:
            self._sorted = SortedList(self.entries)
        keys: Iterator[bytes] = self._sorted.irange(begin, end, (True, False), reverse)
        return keys

    def _put(self, key: bytes, entry: Entry) -> None:
        if self._sorted is not None and key not in self.entries:
            self._sorted.add(key)
        self.entries[key] = entry

    def set(self, key: bytes, value: bytes) -> None:
        """Record ``set(key, value)``.

        A plain set does not make a versionstamped value readable again (FoundationDB's
        ``WriteMap::mutate`` keeps the unreadable mark); only a clear does.
        """
        entries = self.entries
        old = entries.get(key)
        if old is None:
            if self._sorted is not None:
                self._sorted.add(key)
            entries[key] = Entry(True, value)
        else:
            entries[key] = Entry(True, value, unreadable=old.unreadable)

    def clear(self, key: bytes) -> None:
        """Record ``clear(key)``; the key becomes readable even if a stamp made it unreadable."""
        self._put(key, Entry(True, None))
        if self.unreadable_ranges:
            self.unreadable_ranges.remove(key, key + b"\x00")

    def clear_range(self, begin: bytes, end: bytes) -> None:
        """Record ``clear_range(begin, end)``: every key inside reads as absent (and readable)."""
        entries = self.entries
        for key in list(self.irange(begin, end)):
            del entries[key]
            if self._sorted is not None:
                self._sorted.remove(key)
        self.cleared.add(begin, end)
        if self.unreadable_ranges:
            self.unreadable_ranges.remove(begin, end)

    def atomic(self, op: MutationType, key: bytes, param: bytes) -> None:
        """Record an atomic operation, folding it when the base value is known."""
        entry = self.entries.get(key)
        if entry is None:
            entry = Entry(True, None) if self.cleared.contains(key) else Entry(False)
            self._put(key, entry)
        if entry.unreadable:
            entry.ops.append((op, param))
        elif entry.known:
            entry.value = apply_atomic(op, entry.value, param)
        else:
            entry.ops.append((op, param))

    def set_unreadable(self, key: bytes, param: bytes) -> None:
        """Record ``set_versionstamped_value(key, param)``: reading ``key`` now raises 1036,
        and with ``bypass_unreadable`` reads see ``param`` as if set plainly (R-08)."""
        self._put(key, Entry(True, param, unreadable=True))

    def lookup(self, key: bytes) -> Entry | None:
        """The entry deciding ``key``: a map entry, a known absence, or None (ask the DB)."""
        entry: Entry | None = self.entries.get(key)
        if entry is not None:
            return entry
        if self.cleared.contains(key):
            return _CLEARED
        return None

    def decided(self, key: bytes) -> bool:
        """Whether ``key``'s value is known without reading the database."""
        entry = self.lookup(key)
        return entry is not None and entry.known


_CLEARED = Entry(True, None)


class _FrozenRangeSet(RangeSet):
    """An empty range set that refuses changes (part of :data:`NO_WRITES`)."""

    __slots__ = ()

    def add(self, begin: bytes, end: bytes) -> None:
        raise RuntimeError("internal error: a write reached the shared empty write map")

    def remove(self, begin: bytes, end: bytes) -> None:
        raise RuntimeError("internal error: a write reached the shared empty write map")


class _NoWrites(WriteMap):
    """The write map of every transaction that has written nothing yet.

    One instance is shared (a transaction makes its own on its first write), so every change
    raises instead of leaking into other transactions.
    """

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__()
        self.cleared = _FrozenRangeSet()
        self.unreadable_ranges = _FrozenRangeSet()

    def _put(self, key: bytes, entry: Entry) -> None:
        raise RuntimeError("internal error: a write reached the shared empty write map")

    def set(self, key: bytes, value: bytes) -> None:
        raise RuntimeError("internal error: a write reached the shared empty write map")

    def clear_range(self, begin: bytes, end: bytes) -> None:
        raise RuntimeError("internal error: a write reached the shared empty write map")


#: The shared, empty and unchangeable write map of transactions that have not written.
NO_WRITES: WriteMap = _NoWrites()

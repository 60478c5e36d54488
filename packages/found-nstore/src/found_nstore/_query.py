"""Pattern queries: variables, one range scan per pattern, and joins that batch their reads.

A pattern is a sequence of ``n`` items where some are variables (:func:`var`). Its bound
positions (the constants, and the variables a previous pattern already bound) pick the index
whose order starts with them (:mod:`found_nstore._indexes`), and the matching tuples are the
keys strictly below ``found.pack((*prefix, k, *bound items))``: one range read, with no
filtering. Scanning ``[P + b"\\x00", P + b"\\xff")`` rather than everything that starts with
the bytes ``P`` keeps matches exact: ``"a"`` does not match ``"a\\x00b"`` and ``(1,)`` does not
match ``(1, None)``, because the tuple layer never starts an item with ``\\xff`` (an encoding
that merely starts with the bytes of another continues with the ``\\xff`` escape). A pattern
with every position bound is one point read. A variable repeated inside a pattern is read
unbound and its occurrences must pack to the same bytes (so ``1``, ``1.0`` and ``True`` differ,
as they do in the store).

Joins
-----
:func:`query` evaluates its patterns one after the other: each binding of the patterns so far
binds the variables of the next, which is read with one range read per binding. Those reads
are independent: :func:`where` takes the bindings in batches of ``concurrency`` (100 by
default) and issues a batch's reads together (:func:`found_nstore._gather.gather_eager`), so a
join costs one round trip per batch instead of one per binding. With 1 ms of latency per read,
a two-pattern query with 100 intermediate bindings takes 3 sequential round trips: the read
version, the first pattern, then the 100 reads at once.

The order is chosen, not taken from the user: the next pattern is the one with the most bound
positions given the variables bound so far (preferring patterns that share a variable with
them, so no cross product comes early). When several patterns tie for the first place, their
first reads are probed together, capped at ``concurrency`` rows, and the one with the fewest
rows goes first; its probe is reused, not read again. The results, a set of bindings, do not
depend on the order the patterns were written in (only the order they come out in does).

Costs, for a query whose steps produce ``b1, b2, ...`` bindings: the first pattern is one range
read (one round trip per 4000 rows); step ``i`` makes ``b(i-1)`` reads in
``ceil(b(i-1) / concurrency)`` round trips.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterable, AsyncIterator, Mapping, Sequence
from typing import Any

import found
from found_nstore._errors import NStoreException
from found_nstore._gather import gather_eager
from found_nstore._indexes import order_for
from found_nstore._store import NStore, _show, check_arity, encode_item

__all__ = ["DEFAULT_CONCURRENCY", "Variable", "query", "select", "var", "where"]

#: How many reads a join step issues at once (also the row cap of a selectivity probe).
DEFAULT_CONCURRENCY = 100

Binding = dict[str, Any]

_WANT_ALL = found.STREAMING_MODE_WANT_ALL
# Rows a scan collects at once before streaming the rest: one WANT_ALL batch of the embedded
# engines, so a scan that fits costs the same single read either way.
_FIRST_BATCH = 4000


class Variable:
    """A named hole in a pattern; build it with :func:`var`.

    Two variables with the same name are the same variable: wherever it appears, in one
    pattern or several, it takes one value.

    Example::

        >>> var("who") == var("who"), var("who")
        (True, var('who'))
    """

    __slots__ = ("name",)

    name: str

    def __init__(self, name: str) -> None:
        if not isinstance(name, str):
            raise NStoreException(
                f"a variable's name must be a str, got {type(name).__name__}: {name!r}"
            )
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Variable) and other.name == self.name

    def __hash__(self) -> int:
        return hash((Variable, self.name))

    def __repr__(self) -> str:
        return f"var({self.name!r})"


def var(name: str) -> Variable:
    """A variable called ``name``, for the patterns of :func:`query`, :func:`select`, :func:`where`.

    Example::

        >>> pattern = ("alice", "knows", var("friend"))
        >>> pattern[2].name
        'friend'
    """
    return Variable(name)


class _Template:
    """The plan of a scan for a pattern *shape*: which positions are bound, not their values.

    ``shape`` names the variable at each position (``None`` for a constant) and ``bound`` the
    variables whose values will be known. From the bound positions follow the index, the order
    in which the bound values are packed after the index's head (``sources``: a position and
    the variable it comes from, ``None`` for the pattern's constant), and how to decode a key
    of the range: skipping the common prefix leaves the free items in index order, which
    ``names`` name. ``repeats`` pairs the free items a repeated variable ties together.
    Templates hold no values, so :func:`_template` shares them between queries.
    """

    __slots__ = ("head", "names", "point", "repeats", "sources", "store")

    def __init__(self, store: NStore, shape: tuple[str | None, ...], bound: frozenset[str]) -> None:
        n = store.n
        positions = [p for p, name in enumerate(shape) if name is None or name in bound]
        number, order = order_for(n, frozenset(positions))
        count = len(positions)
        self.store = store
        self.head = store.heads[number]
        self.point = count == n
        self.sources = tuple((p, shape[p]) for p in order[:count])
        self.names: tuple[str, ...] = tuple(shape[p] for p in order[count:])  # type: ignore[misc]
        repeats: list[tuple[int, int]] = []
        first: dict[str, int] = {}
        for j, name in enumerate(self.names):
            if name in first:
                repeats.append((first[name], j))
            else:
                first[name] = j
        self.repeats = tuple(repeats)

    def prefix(self, pattern: Sequence[Any], seed: Mapping[str, Any]) -> bytes:
        """The key prefix of ``pattern`` (of this shape) with the values ``seed`` gives."""
        values = tuple([pattern[p] if name is None else seed[name] for p, name in self.sources])
        try:
            return self.head + _pack(values)
        except (ValueError, TypeError) as error:
            for (p, _), value in zip(self.sources, values, strict=True):
                encode_item(self.store, p, value, "pattern")  # names the culprit
            raise NStoreException(
                f"nstore {self.store.name!r}: cannot pack the pattern: {error}"
            ) from None

    def scan(self, pattern: Sequence[Any], seed: Mapping[str, Any]) -> _Scan:
        """The scan of ``pattern`` (of this shape) for the values ``seed`` gives its variables."""
        return _Scan(self, self.prefix(pattern, seed), seed)

    def prefixer(self, pattern: Sequence[Any]) -> _Prefixer:
        """Packs ``pattern``'s constants once, for many bindings of the same variables."""
        return _Prefixer(self, pattern)

    async def extend(
        self, tx: found.Transaction, prefix: bytes, seed: Mapping[str, Any]
    ) -> list[Binding]:
        """The extensions of ``seed`` found below ``prefix``: one read (the join's hot path)."""
        if self.point:
            keys = [] if await tx.get(prefix) is None else [prefix]
        else:
            end = prefix + b"\xff"
            keys = [key for key, _ in await found.all(tx, prefix + b"\x00", end)]
        return self.bindings(keys, len(prefix), seed)

    def bindings(self, keys: Sequence[bytes], skip: int, seed: Mapping[str, Any]) -> list[Binding]:
        """The bindings of ``seed`` extended by the free items of each key (after ``skip``)."""
        names = self.names
        unpack = found.unpack
        out: list[Binding] = []
        if self.repeats:
            repeats = self.repeats
            for key in keys:
                items = unpack(key, skip)
                if all(_pack((items[i],)) == _pack((items[j],)) for i, j in repeats):
                    binding = dict(seed)
                    binding.update(zip(names, items, strict=True))
                    out.append(binding)
        elif len(names) == 1:
            name = names[0]
            for key in keys:
                binding = dict(seed)
                binding[name] = unpack(key, skip)[0]
                out.append(binding)
        elif seed:
            for key in keys:
                binding = dict(seed)
                binding.update(zip(names, unpack(key, skip), strict=True))
                out.append(binding)
        else:
            out = [dict(zip(names, unpack(key, skip), strict=True)) for key in keys]
        return out


class _Prefixer:
    """A template and a pattern's constants, packed: key prefixes from bindings, cheaply.

    The head and the constants before the first variable form ``lead``; each later source is
    packed bytes (constants, merged when adjacent) or the name of a variable to pack.
    """

    __slots__ = ("lead", "name", "rest", "template")

    def __init__(self, template: _Template, pattern: Sequence[Any]) -> None:
        self.template = template
        lead = template.head
        rest: list[bytes | tuple[int, str]] = []
        for position, name in template.sources:
            if name is not None:
                rest.append((position, name))
                continue
            piece = encode_item(template.store, position, pattern[position], "pattern")
            if not rest:
                lead += piece
            elif isinstance(rest[-1], bytes):
                rest[-1] += piece
            else:
                rest.append(piece)
        self.lead = lead
        self.rest = tuple(rest)
        # The common case: one variable after the constants ("sense", ?s).
        only = self.rest[0] if len(self.rest) == 1 else None
        self.name = only[1] if isinstance(only, tuple) else None

    def prefix(self, seed: Mapping[str, Any]) -> bytes:
        """The key prefix for the values ``seed`` gives the bound variables."""
        try:
            if self.name is not None:
                return self.lead + _pack((seed[self.name],))
            parts = [self.lead]
            for piece in self.rest:
                parts.append(piece if isinstance(piece, bytes) else _pack((seed[piece[1]],)))
            return b"".join(parts)
        except (ValueError, TypeError):
            for piece in self.rest:
                if isinstance(piece, tuple):
                    encode_item(self.template.store, piece[0], seed[piece[1]], "pattern")
            raise


_pack = found.pack
_TEMPLATES_MAX = 4096


def _shape(pattern: Sequence[Any]) -> tuple[str | None, ...]:
    return tuple([item.name if isinstance(item, Variable) else None for item in pattern])


def _template(store: NStore, shape: tuple[str | None, ...], bound: frozenset[str]) -> _Template:
    """The template of ``shape`` with the variables ``bound`` known, shared through the store."""
    cache = store.templates
    key = (shape, bound)
    template = cache.get(key)
    if template is None:
        if len(cache) >= _TEMPLATES_MAX:
            cache.clear()  # many shapes come and go: start over rather than grow
        template = cache[key] = _Template(store, shape, bound)
    return template


class _Scan:
    """A template with its values: the key range to read (or the key, when all are bound)."""

    __slots__ = ("prefix", "seed", "template")

    def __init__(self, template: _Template, prefix: bytes, seed: Mapping[str, Any]) -> None:
        self.template = template
        self.prefix = prefix
        self.seed = seed

    def bindings(self, keys: Sequence[bytes]) -> list[Binding]:
        """The bindings of the seed extended by the free items of each key."""
        return self.template.bindings(keys, len(self.prefix), self.seed)


async def _read(tx: found.Transaction, scan: _Scan, limit: int = 0) -> list[bytes]:
    """The keys ``scan`` designates: one point read or one range read (up to ``limit``)."""
    prefix = scan.prefix
    if scan.template.point:
        return [] if await tx.get(prefix) is None else [prefix]
    end = prefix + b"\xff"
    return [key for key, _ in await found.all(tx, prefix + b"\x00", end, limit=limit)]


async def _matches(tx: found.Transaction, scan: _Scan) -> list[Binding]:
    """The bindings of one scan, read at once."""
    return scan.bindings(await _read(tx, scan))


async def select(
    tx: found.Transaction,
    store: NStore,
    *pattern: Any,
    seed: Mapping[str, Any] | None = None,
) -> AsyncIterator[Binding]:
    """Yield a binding (variable name -> item) for each tuple of ``store`` matching ``pattern``.

    Variables of ``pattern`` that ``seed`` binds are replaced by their values, and each result
    extends ``seed``. One range read (a point read when every position is bound), streamed.

    Example::

        >>> async def friends(tx, store):
        ...     return [b["who"] async for b in select(tx, store, "alice", "knows", var("who"))]
    """
    step = _Step(_checked(store), pattern)
    seed = {} if seed is None else seed
    async for binding in _stream(tx, step.template(seed).scan(pattern, seed)):
        yield binding


async def _stream(tx: found.Transaction, scan: _Scan) -> AsyncIterator[Binding]:
    """The bindings of one scan, streamed from one range read (or one point read).

    The first batch is collected whole (most scans end there, and a list is cheaper to walk
    than a stream); only a scan longer than a batch streams the rest.
    """
    rows = await _read(tx, scan, _FIRST_BATCH)
    for binding in scan.bindings(rows):
        yield binding
    if not scan.template.point and len(rows) >= _FIRST_BATCH:
        bindings = scan.bindings
        end = scan.prefix + b"\xff"
        async for key, _ in tx.get_range(rows[-1] + b"\x00", end, mode=_WANT_ALL):
            for binding in bindings((key,)):
                yield binding


class _Step:
    """One checked pattern, joined to bindings that may bind some of its variables."""

    __slots__ = ("fixed", "names", "pattern", "prefixer", "shape", "store")

    def __init__(self, store: NStore, pattern: Sequence[Any]) -> None:
        if type(pattern) not in (tuple, list) and (
            isinstance(pattern, str | bytes) or not isinstance(pattern, Sequence)
        ):
            raise NStoreException(
                f"nstore {store.name!r}: a pattern is a tuple of {store.n} items or variables, "
                f"got {type(pattern).__name__}: {pattern!r:.60}"
            )
        if len(pattern) != store.n:
            check_arity(store, pattern, "pattern")
        self.store = store
        self.pattern = pattern
        self.shape = _shape(pattern)
        self.names = tuple(dict.fromkeys(name for name in self.shape if name is not None))
        #: Set by :func:`fix`, when every incoming binding binds the same variables.
        self.fixed: _Template | None = None
        self.prefixer: _Prefixer | None = None

    def fix(self, bound: Mapping[str, Any]) -> None:
        """Promise that every binding to come binds exactly the variables of ``bound``."""
        self.fixed = self.template(bound)
        self.prefixer = self.fixed.prefixer(self.pattern)

    def template(self, seed: Mapping[str, Any]) -> _Template:
        """The template for bindings that bind what ``seed`` binds."""
        bound = frozenset([name for name in self.names if name in seed])
        return _template(self.store, self.shape, bound)

    async def extend(self, tx: found.Transaction, batch: list[Mapping[str, Any]]) -> list[Binding]:
        """Every extension of every binding of ``batch``; the reads run together."""
        fixed, prefixer = self.fixed, self.prefixer
        if fixed is not None and prefixer is not None:
            extend, prefix = fixed.extend, prefixer.prefix
            reads = [extend(tx, prefix(binding), binding) for binding in batch]
        else:
            pattern, template = self.pattern, self.template
            reads = []
            for binding in batch:
                chosen = template(binding)
                reads.append(chosen.extend(tx, chosen.prefix(pattern, binding), binding))
        if len(reads) == 1:
            return await reads[0]
        results = await gather_eager(reads)
        return [binding for found_bindings in results for binding in found_bindings]


def _check_concurrency(concurrency: object) -> int:
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
        raise NStoreException(f"concurrency must be an int of at least 1, got {concurrency!r}")
    return concurrency


def _checked(store: object) -> NStore:
    if not isinstance(store, NStore):
        raise NStoreException(
            f"expected an nstore handle from nstore.make(...), got {type(store).__name__}"
        )
    return store


async def where(
    tx: found.Transaction,
    store: NStore,
    iterator: AsyncIterable[Mapping[str, Any]],
    *pattern: Any,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> AsyncIterator[Binding]:
    """For each binding of ``iterator``, yield its extensions that also match ``pattern``.

    The bindings are taken ``concurrency`` at a time and their reads issued together, so a
    batch costs one round trip.

    Example::

        >>> async def friends_of_friends(tx, store):
        ...     friends = select(tx, store, "alice", "knows", var("friend"))
        ...     theirs = where(tx, store, friends, var("friend"), "knows", var("fof"))
        ...     return [b["fof"] async for b in theirs]
    """
    step = _Step(_checked(store), pattern)
    step.template({}).scan(pattern, {})  # misuse (an unpackable constant) fails now
    async for binding in _join(tx, step, iterator, _check_concurrency(concurrency)):
        yield binding


async def _join(
    tx: found.Transaction,
    step: _Step,
    iterator: AsyncIterable[Mapping[str, Any]],
    concurrency: int,
) -> AsyncIterator[Binding]:
    """:func:`where` for a checked step: batches of ``concurrency`` bindings, reads together."""
    if not hasattr(iterator, "__aiter__"):
        raise NStoreException(f"where needs an async iterable of bindings, got {_show(iterator)}")
    batch: list[Mapping[str, Any]] = []
    async for binding in iterator:
        batch.append(binding)
        if len(batch) >= concurrency:
            for result in await step.extend(tx, batch):
                yield result
            batch = []
    if batch:
        for result in await step.extend(tx, batch):
            yield result


def _variables(pattern: Sequence[Any]) -> set[str]:
    return {item.name for item in pattern if isinstance(item, Variable)}


def _bound_count(pattern: Sequence[Any], bound: set[str]) -> int:
    return sum(1 for item in pattern if not isinstance(item, Variable) or item.name in bound)


def plan(patterns: Sequence[Sequence[Any]], first: int | None = None) -> list[int]:
    """The order :func:`query` evaluates ``patterns`` in (indexes into ``patterns``).

    Greedy: next comes the pattern with the most positions bound (constants, or variables
    bound by the patterns before it), then one sharing a variable with those, then the
    earliest. ``first`` forces the first pattern.

    Example::

        >>> x, y = var("x"), var("y")
        >>> plan([(x, "knows", y), ("alice", "knows", x)])
        [1, 0]
    """
    if not isinstance(patterns, (list, tuple)) or not all(
        isinstance(p, (list, tuple)) for p in patterns
    ):
        raise NStoreException(
            f"plan needs a list of patterns (tuples or lists), got {_show(patterns)}"
        )
    if first is not None and (type(first) is not int or not 0 <= first < len(patterns)):
        raise NStoreException(
            f"first must be the index of one of the {len(patterns)} patterns, got {_show(first)}"
        )
    remaining = list(range(len(patterns)))
    bound: set[str] = set()
    order: list[int] = []
    while remaining:
        if first is not None and not order:
            best = first
        else:
            best = max(
                remaining,
                key=lambda i: (
                    _bound_count(patterns[i], bound),
                    bool(_variables(patterns[i]) & bound),
                    -i,
                ),
            )
        remaining.remove(best)
        order.append(best)
        bound |= _variables(patterns[best])
    return order


async def _probe(tx: found.Transaction, scans: list[_Scan], cap: int) -> tuple[int, list[bytes]]:
    """Read the first ``cap`` rows of each scan together; the smallest one and its rows."""
    rows = await gather_eager([_read(tx, scan, cap) for scan in scans])
    best = min(range(len(scans)), key=lambda j: (len(rows[j]), j))
    return best, rows[best]


async def _first(
    tx: found.Transaction, scan: _Scan, rows: list[bytes], cap: int
) -> AsyncIterator[Binding]:
    """The bindings of the probed rows, then of the rest of the range if the probe was capped."""
    for binding in scan.bindings(rows):
        yield binding
    if not scan.template.point and len(rows) >= cap:
        end = scan.prefix + b"\xff"
        async for key, _ in tx.get_range(rows[-1] + b"\x00", end, mode=_WANT_ALL):
            for binding in scan.bindings((key,)):
                yield binding


async def query(
    tx: found.Transaction,
    store: NStore,
    pattern: Sequence[Any],
    *patterns: Sequence[Any],
    concurrency: int = DEFAULT_CONCURRENCY,
) -> AsyncIterator[Binding]:
    """Yield each binding of the variables under which every pattern matches a stored tuple.

    The patterns are joined in the order :func:`plan` picks (most selective first); the set of
    results does not depend on the order they are written in. Reads of independent bindings
    are issued ``concurrency`` at a time.

    Example::

        >>> async def grandparents(tx, store):
        ...     x, y, z = var("x"), var("y"), var("z")
        ...     pairs = query(tx, store, (x, "parent", y), (y, "parent", z))
        ...     return [(b["x"], b["z"]) async for b in pairs]
    """
    store = _checked(store)
    concurrency = _check_concurrency(concurrency)
    every = [pattern, *patterns]
    steps = [_Step(store, one) for one in every]
    scans = [step.template({}).scan(step.pattern, {}) for step in steps]  # misuse fails now
    stream: AsyncIterator[Binding]
    if len(steps) == 1:
        stream = _stream(tx, scans[0])
    else:
        counts = [len(scan.template.sources) for scan in scans]
        most = max(counts)
        candidates = [i for i, count in enumerate(counts) if count == most]
        if len(candidates) > 1:
            best, rows = await _probe(tx, [scans[i] for i in candidates], concurrency)
            first = candidates[best]
            stream = _first(tx, scans[first], rows, concurrency)
        else:
            first = candidates[0]
            stream = _stream(tx, scans[first])
        order = plan(every, first)
        bound: dict[str, None] = {}
        for before, index in itertools.pairwise(order):
            bound.update(dict.fromkeys(steps[before].names))
            step = steps[index]
            step.fix(bound)
            stream = _join(tx, step, stream, concurrency)
    async for binding in stream:
        yield binding

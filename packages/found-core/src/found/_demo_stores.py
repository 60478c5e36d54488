"""The four sections of ``found demo``: load WordNet into one store, query it, show the results.

Each section takes the :class:`Context` (database, console, progress, synsets) and the store's
module, as :func:`found.stores.load` returns it: found-core does not depend on the stores, so
it reaches them only through the registry. Everything is written under :data:`PREFIX`:

- nstore, ``PREFIX + ("nstore",)``: the triples ``(synset, "hypernym", synset)``,
  ``(word, "sense", synset)`` (words in lower case) and ``(synset, "label", first word)``;
- pstore, ``PREFIX + ("pstore",)``: each synset's words and gloss, indexed under its id;
- eavstore, ``PREFIX + ("eavstore",)``: each synset as the entity ``{"lexname", "pos",
  "words", "word_count", "gloss", "gloss_length"}`` under its id (``words`` and ``gloss``
  unindexed);
- bstore, ``PREFIX + ("bstore",)``: the data file itself, as one blob.

Example::

    ctx = Context(db, Console(), progress_bar(), source, synsets, labels(synsets))
    await SECTIONS["nstore"](ctx, found.stores.load("nstore"))
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

import found
from found._demo_wordnet import Source, Synset

__all__ = ["PREFIX", "SECTIONS", "Context", "Timing", "command_hints"]

PREFIX = ("found-demo",)
"""The key prefix under which the demo keeps all its data (cleared when it starts)."""

WORD = "dog"
"""The word whose first sense the graph and entity queries start from."""

SEARCHES = ("hunting dog", "machine calculations", "cooked oven")
"""The keyword searches run in pstore."""


@dataclass
class Timing:
    """One timed step: ``count`` ``unit`` in ``seconds``.

    Example::

        Timing("nstore", "load triples", 1000, "triples", 0.5)
    """

    store: str
    step: str
    count: int
    unit: str
    seconds: float


@dataclass
class Context:
    """What every section needs: the database, the output, and the data.

    Example::

        ctx = Context(db, Console(), progress_bar(), source, synsets, labels(synsets))
    """

    db: Any
    console: Console
    progress: Progress
    source: Source
    synsets: list[Synset]
    labels: dict[str, str]
    timings: list[Timing] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)

    def record(self, store: str, step: str, count: int, unit: str, seconds: float) -> None:
        """Add a line to the timings table.

        Example::

            ctx.record("nstore", "load", 10, "triples", 0.01)
        """
        self.timings.append(Timing(store, step, count, unit, seconds))

    def first_sense(self, word: str) -> Synset | None:
        """The synset of ``word`` (any case) with the lowest offset: its first sense, mostly.

        Example::

            ctx.first_sense("dog").id  # '02084071-n'
        """
        lower = word.lower()
        for synset in self.synsets:
            if any(w.lower() == lower for w in synset.words):
                return synset
        return None

    def name(self, synset_id: str) -> str:
        """A synset shown as ``label (id)``.

        Example::

            ctx.name("02084071-n")  # 'dog (02084071-n)'
        """
        return f"{self.labels.get(synset_id, '?')} ({synset_id})"


async def _load(
    ctx: Context,
    store: str,
    what: str,
    items: Sequence[Synset],
    batch: int,
    write: Callable[[found.Transaction, Sequence[Synset]], Any],
) -> float:
    """Write ``items`` in transactions of ``batch``, with a progress bar; return the seconds."""
    task = ctx.progress.add_task(f"{store}: {what}", total=len(items))
    started = time.perf_counter()
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        await found.transactional(ctx.db, write, chunk)
        ctx.progress.advance(task, len(chunk))
    return time.perf_counter() - started


@contextmanager
def _clock() -> Iterator[list[float]]:
    """Measure a block: the list holds its duration in seconds once the block is done."""
    out: list[float] = []
    started = time.perf_counter()
    yield out
    out.append(time.perf_counter() - started)


def _results(title: str) -> Table:
    return Table("query", "ms", "result", title=title, title_justify="left")


def _ms(seconds: list[float]) -> str:
    return f"{seconds[0] * 1000:.1f}"


def _shorten(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


# --- nstore -----------------------------------------------------------------------------------


async def nstore_section(ctx: Context, nstore: ModuleType) -> None:
    """Load the hypernym graph and the senses as triples, then walk and join them.

    Example::

        await nstore_section(ctx, found.stores.load("nstore"))
    """
    triples = nstore.make("wordnet", (*PREFIX, "nstore"), 3)
    count = sum(1 + len(s.words) + len(s.hypernyms) for s in ctx.synsets)

    def write(tx: found.Transaction, batch: Sequence[Synset]) -> None:
        for synset in batch:
            nstore.add(tx, triples, synset.id, "label", synset.words[0])
            for word in synset.words:
                nstore.add(tx, triples, word.lower(), "sense", synset.id)
            for parent in synset.hypernyms:
                nstore.add(tx, triples, synset.id, "hypernym", parent)

    seconds = await _load(ctx, "nstore", "synsets as triples", ctx.synsets, 500, write)
    ctx.record("nstore", "load triples", count, "triples", seconds)
    table = _results(f"nstore: {count:,} triples, graph queries from {WORD!r}")
    s, h, w, a, label = (nstore.var(n) for n in ("s", "h", "w", "a", "label"))

    async def senses(tx: found.Transaction) -> list[str]:
        return [b["s"] async for b in nstore.select(tx, triples, WORD, "sense", s)]

    with _clock() as took:
        ids = await found.transactional(ctx.db, senses, snapshot=True)
    if not ids:
        table.add_row(f"({WORD!r}, 'sense', ?s)", _ms(took), f"{WORD!r} is not in this slice")
        ctx.console.print(table)
        return
    shown = ", ".join(ctx.name(i) for i in ids[:4]) + (", ..." if len(ids) > 4 else "")
    table.add_row(f"({WORD!r}, 'sense', ?s)", _ms(took), f"{len(ids)} synsets: {shown}")
    start = ids[0]
    ctx.facts["synset"] = start

    async def ancestors(tx: found.Transaction) -> dict[str, list[tuple[str, str]]]:
        """Every ancestor of ``start``: one join per synset, a level of the graph at a time."""
        edges: dict[str, list[tuple[str, str]]] = {}
        level = [start]
        while level:
            for current in level:
                step = nstore.query(tx, triples, (current, "hypernym", h), (h, "label", label))
                edges[current] = [(b["h"], b["label"]) async for b in step]
            level = sorted({h for one in level for h, _ in edges[one]} - edges.keys())
        return edges

    with _clock() as took:
        edges = await found.transactional(ctx.db, ancestors, snapshot=True)
    path = _longest_path(start, edges)
    table.add_row(
        "hypernym chain: (S, 'hypernym', ?h), (?h, 'label', ?label) up to the root",
        _ms(took),
        " -> ".join([ctx.labels.get(start, start), *path])
        + f" ({len(path)} steps on the longest path, {len(edges) - 1} ancestors in all)",
    )

    async def below(tx: found.Transaction) -> list[str]:
        found_ = nstore.query(tx, triples, (s, "hypernym", start), (w, "sense", s))
        return sorted({b["w"] async for b in found_})

    with _clock() as took:
        words = await found.transactional(ctx.db, below, snapshot=True)
    table.add_row(
        f"(?s, 'hypernym', {start!r}), (?w, 'sense', ?s)",
        _ms(took),
        f"{len(words)} words: " + _shorten(", ".join(words), 200),
    )

    async def two_below(tx: found.Transaction) -> list[str]:
        patterns = ((a, "hypernym", start), (s, "hypernym", a), (w, "sense", s))
        return sorted({b["w"] async for b in nstore.query(tx, triples, *patterns)})

    with _clock() as took:
        words = await found.transactional(ctx.db, two_below, snapshot=True)
    table.add_row(
        f"(?a, 'hypernym', {start!r}), (?s, 'hypernym', ?a), (?w, 'sense', ?s)",
        _ms(took),
        f"{len(words)} words: " + _shorten(", ".join(words), 200),
    )
    ctx.console.print(table)


def _longest_path(start: str, edges: dict[str, list[tuple[str, str]]]) -> list[str]:
    """The labels along the longest hypernym path from ``start`` to a root."""
    best: dict[str, list[str]] = {}

    def longest(node: str) -> list[str]:
        if node not in best:
            best[node] = []  # a cycle (none in WordNet) ends here
            paths = [[name, *longest(parent)] for parent, name in edges.get(node, [])]
            best[node] = max(paths, key=len, default=[])
        return best[node]

    return longest(start)


# --- pstore -----------------------------------------------------------------------------------


async def pstore_section(ctx: Context, pstore: ModuleType) -> None:
    """Index every synset's words and gloss, then run keyword searches ranked by BM25.

    Example::

        await pstore_section(ctx, found.stores.load("pstore"))
    """
    glosses = pstore.make("glosses", (*PREFIX, "pstore"))

    async def write(tx: found.Transaction, batch: Sequence[Synset]) -> None:
        for synset in batch:
            text = " ".join(synset.words) + " " + synset.gloss
            await pstore.index(tx, glosses, synset.id, pstore.tokenize(text))

    seconds = await _load(ctx, "pstore", "synsets as documents", ctx.synsets, 200, write)
    ctx.record("pstore", "index glosses", len(ctx.synsets), "documents", seconds)
    table = Table(
        "search", "ms", "rank", "synset", "score", "gloss", title="pstore: keyword search"
    )
    table.title_justify = "left"
    for text in SEARCHES:
        keywords = list(pstore.tokenize(text))
        with _clock() as took:
            hits = await found.transactional(
                ctx.db, pstore.search, glosses, keywords, 3, snapshot=True
            )
        if not hits:
            table.add_row(text, _ms(took), "", "(no synset holds every keyword)", "", "")
        by_id = {s.id: s for s in ctx.synsets}
        for rank, (uid, score) in enumerate(hits, 1):
            gloss = _shorten(by_id[uid].gloss if uid in by_id else "", 50)
            first = rank == 1
            table.add_row(
                text if first else "",
                _ms(took) if first else "",
                str(rank),
                ctx.name(uid),
                f"{score:.2f}",
                gloss,
            )
    ctx.console.print(table)


# --- eavstore ---------------------------------------------------------------------------------


async def eavstore_section(ctx: Context, eavstore: ModuleType) -> None:
    """Store every synset as an entity, then read one, count, match and range over values.

    Example::

        await eavstore_section(ctx, found.stores.load("eavstore"))
    """
    entities = eavstore.make("synsets", (*PREFIX, "eavstore"), unindexed=["words", "gloss"])

    def write(tx: found.Transaction, batch: Sequence[Synset]) -> None:
        for synset in batch:
            eavstore.create(tx, entities, _entity(synset), synset.id)

    seconds = await _load(ctx, "eavstore", "synsets as entities", ctx.synsets, 500, write)
    ctx.record("eavstore", "create entities", len(ctx.synsets), "entities", seconds)
    table = _results("eavstore: entity queries")
    dog = ctx.first_sense(WORD)
    if dog is not None:
        with _clock() as took:
            mapping = await found.transactional(
                ctx.db, eavstore.get, entities, dog.id, snapshot=True
            )
        shown = ", ".join(f"{k}={v!r}" for k, v in mapping.items() if k != "gloss")
        table.add_row(f"get {dog.id!r}", _ms(took), shown)
        conditions = {"lexname": dog.lexname, "word_count": len(dog.words)}

        async def alike(tx: found.Transaction) -> list[str]:
            return [uid async for uid in eavstore.match(tx, entities, conditions)]

        with _clock() as took:
            uids = await found.transactional(ctx.db, alike, snapshot=True)
        others = [ctx.labels.get(uid, uid) for uid in uids if uid != dog.id]
        table.add_row(
            f"match {conditions!r}", _ms(took), f"{len(uids)}: " + _shorten(", ".join(others), 200)
        )
    lexnames = sorted({s.lexname for s in ctx.synsets})

    async def counts(tx: found.Transaction) -> list[tuple[int, str]]:
        return [(await eavstore.count(tx, entities, "lexname", name), name) for name in lexnames]

    with _clock() as took:
        per_lexname = sorted(await found.transactional(ctx.db, counts, snapshot=True), reverse=True)
    table.add_row(
        f"count lexname=... ({len(lexnames)} point reads)",
        _ms(took),
        ", ".join(f"{name} {n:,}" for n, name in per_lexname[:5]),
    )

    async def longest(tx: found.Transaction) -> list[str]:
        found_ = eavstore.between(tx, entities, "gloss_length", None, reverse=True, limit=3)
        return [uid async for uid in found_]

    with _clock() as took:
        uids = await found.transactional(ctx.db, longest, snapshot=True)
    lengths = {s.id: len(s.gloss) for s in ctx.synsets}
    table.add_row(
        "between gloss_length None.. reverse, limit 3",
        _ms(took),
        ", ".join(f"{ctx.name(uid)}: {lengths.get(uid, 0)} chars" for uid in uids),
    )
    ctx.console.print(table)


def _entity(synset: Synset) -> dict[str, Any]:
    return {
        "lexname": synset.lexname,
        "pos": synset.id[-1],
        "words": synset.words,
        "word_count": len(synset.words),
        "gloss": synset.gloss,
        "gloss_length": len(synset.gloss),
    }


# --- bstore -----------------------------------------------------------------------------------


class _Counting(io.RawIOBase):
    """A binary file over ``data`` that reports each read to ``advance``."""

    def __init__(self, data: bytes, advance: Callable[[int], None]) -> None:
        super().__init__()
        self._view = memoryview(data)
        self._at = 0
        self._advance = advance

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else self._at + size
        piece = bytes(self._view[self._at : end])
        self._at += len(piece)
        self._advance(len(piece))
        return piece


async def bstore_section(ctx: Context, bstore: ModuleType) -> None:
    """Store the data file as one blob, read it back streamed and compare the SHA-256.

    Example::

        await bstore_section(ctx, found.stores.load("bstore"))
    """
    files = bstore.make("files", (*PREFIX, "bstore"))
    data = ctx.source.data
    expected = hashlib.sha256(data).digest()
    task = ctx.progress.add_task("bstore: upload", total=len(data))
    with _clock() as up:
        uid = await bstore.put(
            ctx.db, files, _Counting(data, lambda n: ctx.progress.advance(task, n))
        )
    ctx.record("bstore", "put the data file", len(data), "bytes", up[0])
    ctx.facts["uid"] = str(uid)
    task = ctx.progress.add_task("bstore: download", total=len(data))
    digest, size = hashlib.sha256(), 0
    with _clock() as down:
        async for chunk in bstore.read(ctx.db, files, uid):
            digest.update(chunk)
            size += len(chunk)
            ctx.progress.advance(task, len(chunk))
    ctx.record("bstore", "read it back", size, "bytes", down[0])
    info = await bstore.stat(ctx.db, files, uid)
    same = digest.digest() == expected == info.digest and size == len(data) == info.size
    if not same:
        ctx.problems.append(f"bstore: blob {uid} read back differs from the data file")
    table = _results("bstore: a blob round trip")
    table.add_row(
        "put",
        f"{up[0] * 1000:.1f}",
        f"uid {uid}, {info.size:,} bytes in chunks of {info.chunk_size:,}",
    )
    table.add_row(
        "read", f"{down[0] * 1000:.1f}", f"{size:,} bytes, sha256 {digest.hexdigest()[:16]}..."
    )
    table.add_row("check", "", "sha256 equal to the file's" if same else "MISMATCH")
    ctx.console.print(table)


Section = Callable[[Context, ModuleType], Awaitable[None]]

SECTIONS: dict[str, Section] = {
    "nstore": nstore_section,
    "pstore": pstore_section,
    "eavstore": eavstore_section,
    "bstore": bstore_section,
}
"""Each store the demo uses, with its section, in the order the demo runs them."""


def command_hints(stores: Sequence[str], target: str, ctx: Context) -> list[str]:
    """Command lines that look at what the demo stored, for the stores that ran.

    Example::

        command_hints(["pstore"], "sqlite://demo.found", ctx)
        # ['found pstore search sqlite://demo.found --prefix "(\\'found-demo\\', ...']
    """
    synset = ctx.facts.get("synset", "02084071-n")
    lines: list[str] = []
    for store in stores:
        prefix = repr((*PREFIX, store))
        if store == "nstore":
            lines.append(
                f'found nstore query {target} --prefix "{prefix}" '
                f"\"('{WORD}', 'sense', s)\" \"(s, 'hypernym', h)\" \"(h, 'label', name)\""
            )
        elif store == "pstore":
            lines.append(f'found pstore search {target} --prefix "{prefix}" {SEARCHES[0]}')
        elif store == "eavstore":
            lines.append(f'found eavstore get {target} --prefix "{prefix}" {synset}')
            lines.append(
                f'found eavstore query {target} --prefix "{prefix}" lexname=noun.food word_count=3'
            )
        elif store == "bstore":
            uid = ctx.facts.get("uid", "UID")
            lines.append(f'found bstore get {target} --prefix "{prefix}" {uid} -o copy.noun')
    lines.append(f'found scan {target} --prefix "{PREFIX!r}" --limit 20')
    return lines

"""nstore on WordNet 3.0 against rdflib's in-memory Graph and pyoxigraph, in the same run.

Data: WordNet 3.0's synsets (``/usr/share/wordnet/data.*``, Debian's ``wordnet-base``) as
triples ``(synset, relation, synset)`` for every pointer (``hypernym``, ``hyponym``,
``part_meronym``, ...) and ``(word, "sense", synset)`` for every word of a synset: about 571,000
distinct triples in full mode; in quick mode the triples of the first 1,500 noun synsets. The
anchors hold the same triples as IRIs (``rdflib.Graph()``, ``pyoxigraph.Store()``).

Workloads, each a batch of different queries (for nstore, one read-only transaction per batch:
``found.transactional(db, ..., snapshot=True)``):

* hypernyms: ``(S, "hypernym", ?o)`` for a synset S;
* 2-pattern join, the words whose synset has a given hypernym H:
  ``(?s, "hypernym", H), (?w, "sense", ?s)``;
* 3-pattern chain, the words two hypernym steps below H:
  ``(?a, "hypernym", H), (?s, "hypernym", ?a), (?w, "sense", ?s)``.

Each anchor answers the same queries two ways: with SPARQL (the query language, the equivalent
of ``nstore.query``: rdflib's prepared query with ``initBindings``, pyoxigraph's with
``substitutions``) and with its triple-pattern call joined by hand in Python (rdflib's
``Graph.subjects``/``objects``, pyoxigraph's ``quads_for_pattern``), the equivalent of
``nstore.select`` loops. Every contender must return the same number of results. Load rows
time one load of the whole data set by each contender (nstore: transactions of 1,000 triples),
with the garbage collector paused as for every timing here.
The round-trip row injects 1 ms of latency per read and counts sequential round trips of the
2-pattern join for an H with at least 100 hyponyms (the one with fewest such; in quick mode,
the H with the most), against the same query with concurrency=1.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from _harness import Row, ainterleaved, row

import found
import found.testing
from found import nstore

WORDNET = Path("/usr/share/wordnet")
QUICK_SYNSETS = 1_500
LOAD_BATCH = 1_000

# WordNet 3.0 pointer symbols (wninput(5WN)); "\\" is "pertainym" for adjectives and
# "derived from adjective" for adverbs: one name serves both here.
RELATIONS = {
    "!": "antonym",
    "@": "hypernym",
    "@i": "instance_hypernym",
    "~": "hyponym",
    "~i": "instance_hyponym",
    "#m": "member_holonym",
    "#s": "substance_holonym",
    "#p": "part_holonym",
    "%m": "member_meronym",
    "%s": "substance_meronym",
    "%p": "part_meronym",
    "=": "attribute",
    "+": "derivation",
    ";c": "domain_topic",
    "-c": "member_topic",
    ";r": "domain_region",
    "-r": "member_region",
    ";u": "domain_usage",
    "-u": "member_usage",
    "*": "entailment",
    ">": "cause",
    "^": "also_see",
    "$": "verb_group",
    "&": "similar_to",
    "<": "participle",
    "\\": "pertainym",
}

Triple = tuple[str, str, str]


def _synset_id(pos: str, offset: str) -> str:
    return ("a" if pos == "s" else pos) + offset  # satellites share data.adj's offsets


def wordnet_triples(limit: int | None = None) -> list[Triple]:
    """The distinct triples of WordNet's data files (only the first ``limit`` noun synsets).

    >>> len(wordnet_triples(10)) > 10 if WORDNET.exists() else True
    True
    """
    out: dict[Triple, None] = {}
    for part in ("noun",) if limit else ("noun", "verb", "adj", "adv"):
        for triple in _parse(WORDNET / f"data.{part}", limit):
            out[triple] = None
    return list(out)


def _parse(path: Path, limit: int | None) -> Iterator[Triple]:
    seen = 0
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if line.startswith(" "):
                continue  # the licence header
            fields = line.split(" | ", 1)[0].split()
            synset = _synset_id(fields[2], fields[0])
            words = int(fields[3], 16)
            for i in range(words):
                yield (fields[4 + 2 * i].lower(), "sense", synset)
            rest = fields[4 + 2 * words :]
            for i in range(int(rest[0])):
                symbol, offset, pos = rest[1 + 4 * i : 4 + 4 * i]
                yield (synset, RELATIONS.get(symbol, symbol), _synset_id(pos, offset))
            seen += 1
            if limit is not None and seen >= limit:
                return


# --- the contenders ---------------------------------------------------------------------------

W = "http://wordnet.example/"


def _iri(item: str) -> str:
    return W + quote(item, safe="")


class Rdflib:
    """The anchor: rdflib's in-memory Graph, queried by SPARQL and by triple patterns."""

    def __init__(self) -> None:
        import rdflib
        from rdflib.plugins.sparql import prepareQuery

        self.rdflib = rdflib
        self.graph = rdflib.Graph()
        ns = {"w": W}
        self.hypernyms_q = prepareQuery("SELECT ?s ?o WHERE { ?s w:hypernym ?o }", initNs=ns)
        self.join_q = prepareQuery(
            "SELECT ?h ?s ?w WHERE { ?s w:hypernym ?h . ?w w:sense ?s }", initNs=ns
        )
        self.chain_q = prepareQuery(
            "SELECT ?h ?a ?s ?w WHERE { ?a w:hypernym ?h . ?s w:hypernym ?a . ?w w:sense ?s }",
            initNs=ns,
        )
        self.hyp = rdflib.URIRef(_iri("hypernym"))
        self.sense = rdflib.URIRef(_iri("sense"))

    def term(self, item: str) -> Any:
        return self.rdflib.URIRef(_iri(item))

    def load(self, triples: list[Triple]) -> None:
        add = self.graph.add
        uri = self.rdflib.URIRef
        for s, p, o in triples:
            add((uri(_iri(s)), uri(_iri(p)), uri(_iri(o))))

    def sparql(self, query: Any, name: str, terms: list[Any]) -> int:
        count = 0
        for term in terms:
            for _ in self.graph.query(query, initBindings={name: term}):
                count += 1
        return count

    def hypernyms(self, terms: list[Any]) -> int:
        g, hyp = self.graph, self.hyp
        return sum(1 for s in terms for _ in g.objects(s, hyp))

    def join(self, terms: list[Any]) -> int:
        g, hyp, sense = self.graph, self.hyp, self.sense
        out = [(s, w) for h in terms for s in g.subjects(hyp, h) for w in g.subjects(sense, s)]
        return len(out)

    def chain(self, terms: list[Any]) -> int:
        g, hyp, sense = self.graph, self.hyp, self.sense
        out = [
            (a, s, w)
            for h in terms
            for a in g.subjects(hyp, h)
            for s in g.subjects(hyp, a)
            for w in g.subjects(sense, s)
        ]
        return len(out)


class Oxigraph:
    """The high bar: pyoxigraph's in-memory Store (Rust), by SPARQL and by quad patterns."""

    def __init__(self) -> None:
        import pyoxigraph

        self.ox = pyoxigraph
        self.store = pyoxigraph.Store()
        self.hyp = pyoxigraph.NamedNode(_iri("hypernym"))
        self.sense = pyoxigraph.NamedNode(_iri("sense"))
        self.var = {name: pyoxigraph.Variable(name) for name in ("s", "h")}
        p = f"PREFIX w: <{W}> "
        self.hypernyms_q = p + "SELECT ?s ?o WHERE { ?s w:hypernym ?o }"
        self.join_q = p + "SELECT ?h ?s ?w WHERE { ?s w:hypernym ?h . ?w w:sense ?s }"
        self.chain_q = (
            p + "SELECT ?h ?a ?s ?w WHERE { ?a w:hypernym ?h . ?s w:hypernym ?a . ?w w:sense ?s }"
        )

    def term(self, item: str) -> Any:
        return self.ox.NamedNode(_iri(item))

    def load(self, triples: list[Triple]) -> None:
        node, quad = self.ox.NamedNode, self.ox.Quad
        self.store.bulk_extend(
            quad(node(_iri(s)), node(_iri(p)), node(_iri(o))) for s, p, o in triples
        )

    def sparql(self, query: str, name: str, terms: list[Any]) -> int:
        variable = self.var[name]
        count = 0
        for term in terms:
            solutions = self.store.query(query, substitutions={variable: term})
            for _ in solutions:  # type: ignore[union-attr]
                count += 1
        return count

    def _subjects(self, p: Any, o: Any) -> Iterator[Any]:
        return (q.subject for q in self.store.quads_for_pattern(None, p, o))

    def hypernyms(self, terms: list[Any]) -> int:
        store, hyp = self.store, self.hyp
        return sum(1 for s in terms for _ in store.quads_for_pattern(s, hyp, None))

    def join(self, terms: list[Any]) -> int:
        hyp, sense, subjects = self.hyp, self.sense, self._subjects
        out = [(s, w) for h in terms for s in subjects(hyp, h) for w in subjects(sense, s)]
        return len(out)

    def chain(self, terms: list[Any]) -> int:
        hyp, sense, subjects = self.hyp, self.sense, self._subjects
        out = [
            (a, s, w)
            for h in terms
            for a in subjects(hyp, h)
            for s in subjects(hyp, a)
            for w in subjects(sense, s)
        ]
        return len(out)


S, OBJ, A, WORD = (nstore.var(name) for name in ("s", "o", "a", "w"))
STORE = nstore.make("wordnet", ("bench", "wordnet"), 3)


async def _load(db: Any, triples: list[Triple]) -> None:
    def write(tx: found.Transaction, batch: list[Triple]) -> None:
        for triple in batch:
            nstore.add(tx, STORE, *triple)

    for start in range(0, len(triples), LOAD_BATCH):
        await found.transactional(db, write, triples[start : start + LOAD_BATCH])


def _patterns(workload: str, item: str) -> list[tuple[Any, ...]]:
    if workload == "hypernyms":
        return [(item, "hypernym", OBJ)]
    if workload == "join":
        return [(S, "hypernym", item), (WORD, "sense", S)]
    return [(A, "hypernym", item), (S, "hypernym", A), (WORD, "sense", S)]


async def _ours(db: Any, workload: str, items: list[str], concurrency: int = 100) -> int:
    async def run(tx: found.Transaction) -> int:
        count = 0
        for item in items:
            patterns = _patterns(workload, item)
            async for _binding in nstore.query(tx, STORE, *patterns, concurrency=concurrency):
                count += 1
        return count

    result: int = await found.transactional(db, run, snapshot=True)
    return result


def _samples(triples: list[Triple], count: int) -> dict[str, list[str]]:
    """Query parameters: synsets with hypernyms, H with hyponyms, H with grand-hyponyms."""
    up: dict[str, list[str]] = {}
    down: dict[str, list[str]] = {}
    for s, p, o in triples:
        if p == "hypernym":
            up.setdefault(s, []).append(o)
            down.setdefault(o, []).append(s)
    subjects = sorted(up)
    targets = sorted(down)
    chained = [h for h in targets if any(a in down for a in down[h])]

    def spread(items: list[str]) -> list[str]:
        step = max(1, len(items) // count)
        return items[::step][:count]

    return {"hypernyms": spread(subjects), "join": spread(targets), "chain": spread(chained)}


def _hub(triples: list[Triple]) -> str:
    """The hypernym with the fewest hyponyms among those with at least 100 (else the most)."""
    down: dict[str, int] = {}
    for _, p, o in triples:
        if p == "hypernym":
            down[o] = down.get(o, 0) + 1
    big = sorted((count, h) for h, count in down.items() if count >= 100)
    return big[0][1] if big else max(sorted(down), key=lambda h: down[h])


async def _round_trips(db: Any, target: str) -> tuple[int, int, int]:
    """(round trips, round trips with concurrency=1, intermediate bindings) of one join."""
    knobs = found.testing.faults(db)
    knobs.read_latency = 0.001
    try:
        out = []
        for concurrency in (100, 1):
            knobs.reset_counters()
            await _ours(db, "join", [target], concurrency)
            out.append(knobs.round_trips)
    finally:
        knobs.read_latency = 0.0
        knobs.reset_counters()

    async def middle(tx: found.Transaction) -> int:
        return len([b async for b in nstore.select(tx, STORE, S, "hypernym", target)])

    return out[0], out[1], await found.transactional(db, middle)


def _timed(fn: Callable[[], object]) -> float:
    """Seconds one call takes, with the garbage collector paused (as ``_harness`` times)."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        gc.enable()


async def _atimed(fn: Callable[[], Awaitable[object]]) -> float:
    """Seconds one awaited call takes, with the garbage collector paused."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        await fn()
        return time.perf_counter() - start
    finally:
        gc.enable()


async def _main(quick: bool) -> list[Row]:
    if not (WORDNET / "data.noun").exists():
        return [row("wordnet", "triples/s", 0.0, "rdflib", None, "skipped: no /usr/share/wordnet")]
    triples = wordnet_triples(QUICK_SYNSETS if quick else None)
    per_call = 20 if quick else 100
    samples = _samples(triples, per_call)
    rows: list[Row] = []
    rdf, oxi = Rdflib(), Oxigraph()
    with tempfile.TemporaryDirectory() as folder:
        memory = await found.open("memory://")
        sqlite = await found.open(f"sqlite://{Path(folder) / 'bench.found'}")
        try:
            loads = {
                "nstore memory://": await _atimed(lambda: _load(memory, triples)),
                "nstore sqlite://": await _atimed(lambda: _load(sqlite, triples)),
                "rdflib": _timed(lambda: rdf.load(triples)),
                "pyoxigraph": _timed(lambda: oxi.load(triples)),
            }
            rate = {name: len(triples) / seconds for name, seconds in loads.items()}
            note = f"{len(triples):,} WordNet triples, one timed load each"
            for engine in ("memory://", "sqlite://"):
                for anchor in ("rdflib", "pyoxigraph"):
                    rows.append(
                        row(
                            f"load ({engine})",
                            "triples/s",
                            rate[f"nstore {engine}"],
                            anchor,
                            rate[anchor],
                            note,
                        )
                    )
            rows += await _queries(memory, sqlite, rdf, oxi, samples, quick)
            ours, serial, middle = await _round_trips(memory, _hub(triples))
            rows.append(
                row(
                    "2-pattern join, 1 ms read latency",
                    "round trips",
                    ours,
                    "concurrency=1",
                    serial,
                    f"{middle} intermediate bindings (lower is better)",
                )
            )
        finally:
            await memory.close()
            await sqlite.close()
    return rows


async def _queries(
    memory: Any, sqlite: Any, rdf: Rdflib, oxi: Oxigraph, samples: dict[str, list[str]], quick: bool
) -> list[Row]:
    rows: list[Row] = []
    titles = {
        "hypernyms": "hypernyms of a synset",
        "join": "2-pattern join",
        "chain": "3-pattern chain",
    }
    for workload, items in samples.items():
        rdf_terms = [rdf.term(item) for item in items]
        oxi_terms = [oxi.term(item) for item in items]
        name = "s" if workload == "hypernyms" else "h"
        rdf_q = getattr(rdf, f"{workload}_q")
        oxi_q = getattr(oxi, f"{workload}_q")
        rdf_native = getattr(rdf, workload)
        oxi_native = getattr(oxi, workload)

        async def ours_memory(items: list[str] = items, workload: str = workload) -> int:
            return await _ours(memory, workload, items)

        async def ours_sqlite(items: list[str] = items, workload: str = workload) -> int:
            return await _ours(sqlite, workload, items)

        def wrap(fn: Callable[[], int]) -> Callable[[], Awaitable[int]]:
            async def call() -> int:
                return fn()

            return call

        contenders: dict[str, Callable[[], Awaitable[int]]] = {
            "memory": ours_memory,
            "sqlite": ours_sqlite,
            "rdflib SPARQL": wrap(functools.partial(rdf.sparql, rdf_q, name, rdf_terms)),
            "rdflib triples()": wrap(functools.partial(rdf_native, rdf_terms)),
            "pyoxigraph SPARQL": wrap(functools.partial(oxi.sparql, oxi_q, name, oxi_terms)),
            "pyoxigraph quads_for_pattern()": wrap(functools.partial(oxi_native, oxi_terms)),
        }
        counts = {label: await fn() for label, fn in contenders.items()}
        if len(set(counts.values())) != 1:
            raise RuntimeError(f"{workload}: contenders disagree on the results: {counts}")
        rates = await ainterleaved(
            contenders,
            ops_per_call=len(items),
            rounds=2 if quick else 5,
            min_time=0.03 if quick else 0.2,
        )
        for engine in ("memory", "sqlite"):
            for anchor in (
                "rdflib SPARQL",
                "rdflib triples()",
                "pyoxigraph SPARQL",
                "pyoxigraph quads_for_pattern()",
            ):
                rows.append(
                    row(
                        f"{titles[workload]} ({engine}://)",
                        "queries/s",
                        rates[engine],
                        anchor,
                        rates[anchor],
                        f"{len(items)} queries per call, {counts['memory']} results",
                    )
                )
    return rows


def run(quick: bool) -> list[Row]:
    """Measure every workload; quick mode uses the first 1,500 noun synsets.

    >>> callable(run)
    True
    """
    return asyncio.run(_main(quick))

"""``found demo``: WordNet in the four stores, queried, with timings.

The demo reads WordNet's noun synsets (:mod:`found._demo_wordnet`), opens the target (a
``sqlite://`` file in a temporary folder by default), clears what an earlier demo left under
the key prefix :data:`PREFIX`, then, for each store in :data:`STORES` that is installed,
loads the synsets into it and runs a few queries (:mod:`found._demo_stores`). A store that is
not installed (or that ``FOUND_LOAD_STORES`` leaves out) is reported in one line and skipped.
The results are rich tables; loading shows progress bars when standard output is a terminal.

Example::

    from found._demo import run

    status = run("memory://", data="sample", limit=0)  # prints the tables; 0 when all is well
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

import found
import found.stores
from found._demo_stores import PREFIX, SECTIONS, Context, command_hints
from found._demo_wordnet import Source, labels, load_source, parse_synsets, pick
from found.cli import progress_bar

__all__ = ["DEFAULT_LIMIT", "PREFIX", "STORES", "run", "run_async"]

STORES = tuple(SECTIONS)
"""The stores the demo uses, in the order it loads them."""

DEFAULT_LIMIT = 15_000
"""How many synsets the demo loads by default (plus their ancestors): about 25 seconds on two
cores, most of it pstore indexing the glosses."""


def run(
    target: str | None = None,
    *,
    data: str | None = None,
    limit: int = DEFAULT_LIMIT,
    console: Console | None = None,
) -> int:
    """Run the demo on ``target`` and return the exit status (0, or 1 when a check failed).

    ``target`` is any ``found.open`` target; None means a ``sqlite://`` file in a temporary
    folder, removed afterwards. ``data`` is a WordNet ``data.noun`` path, ``"sample"`` for the
    sample shipped with found-core, or None for Debian's WordNet when installed, else the
    sample. ``limit`` is how many synsets to load (0: all), plus their ancestors.

    Example::

        run("memory://", data="sample")
    """
    console = console or Console()
    source = load_source(data)
    if target is not None:
        return asyncio.run(run_async(target, source, limit, console))
    with tempfile.TemporaryDirectory(prefix="found-demo-") as folder:
        target = f"sqlite://{Path(folder) / 'demo.found'}"
        return asyncio.run(run_async(target, source, limit, console, temporary=True))


async def run_async(
    target: str, source: Source, limit: int, console: Console, *, temporary: bool = False
) -> int:
    """The demo in a running event loop: see :func:`run`.

    Example::

        status = await run_async("memory://", load_source("sample"), 0, Console())
    """
    console.print(f"[bold]found {found.__version__}[/bold] demo on [cyan]{target}[/cyan]")
    started = time.perf_counter()
    everything = parse_synsets(source.text)
    synsets, added = pick(everything, limit)
    parsed = time.perf_counter() - started
    taken = len(synsets) - added
    ancestors = f" and {added:,} of their ancestors" if added else ""
    console.print(
        f"data: {source.label}: {len(everything):,} noun synsets, {len(source.data):,} bytes; "
        f"loading {taken:,}{ancestors} ({len(synsets):,})"
    )
    async with await found.open(target) as db:
        cleared = await found.transactional(db, _clear_previous_demo)
        if cleared:
            console.print(f"cleared the data of an earlier demo under {PREFIX!r}")
        with progress_bar(console) as progress:
            ctx = Context(db, console, progress, source, synsets, labels(synsets))
            ctx.record("wordnet", "parse the data file", len(everything), "synsets", parsed)
            ran: list[str] = []
            for name, section in SECTIONS.items():
                try:
                    module = found.stores.load(name)
                except found.stores.StoreError as error:
                    console.print(f"[yellow]{name}: skipped[/yellow]: {_one_line(error)}")
                    continue
                await section(ctx, module)
                ran.append(name)
    console.print(_timings(ctx))
    for problem in ctx.problems:
        console.print(f"[red]check failed[/red]: {problem}")
    if not ran:
        console.print(
            "no store ran: pip install found-nstore found-pstore found-eavstore found-bstore"
        )
    elif temporary or target.startswith("memory://"):
        kept = "a temporary file" if temporary else "in memory"
        console.print(
            f"The database was {kept}. Keep one and look inside with the store commands: "
            "found demo sqlite://demo.found, then for example:"
        )
        for line in command_hints(ran, "sqlite://demo.found", ctx):
            console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
    else:
        console.print("Look inside with the store commands, for example:")
        for line in command_hints(ran, target, ctx):
            console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
    return 1 if ctx.problems else 0


def _one_line(error: Exception) -> str:
    """An error message on one line (store errors may span lines in the future)."""
    return " ".join(str(error).split())


async def _clear_previous_demo(tx: found.Transaction) -> bool:
    """Clear everything under :data:`PREFIX`; return whether there was anything."""
    begin = found.pack(PREFIX)
    end = found.next_prefix(begin)
    there = await found.all(tx, begin, end, limit=1)
    found.clear(tx, begin, end)
    return bool(there)


def _timings(ctx: Context) -> Table:
    """The table of every timed step."""
    table = Table("store", "step", "items", "seconds", "rate", title="timings")
    for timing in ctx.timings:
        rate = timing.count / timing.seconds if timing.seconds > 0 else 0.0
        if timing.unit == "bytes":
            items, speed = f"{timing.count / 1e6:,.1f} MB", f"{rate / 1e6:,.0f} MB/s"
        else:
            items, speed = f"{timing.count:,} {timing.unit}", f"{rate:,.0f} {timing.unit}/s"
        table.add_row(timing.store, timing.step, items, f"{timing.seconds:.3f}", speed)
    return table

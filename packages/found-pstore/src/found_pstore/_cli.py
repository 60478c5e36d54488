"""``found pstore ...``: search, index and remove documents from the command line.

The ``found`` command (found-core) calls this store's ``found_register_commands`` hook, which
adds the ``pstore`` subcommand through :func:`register_commands`::

    found pstore search TARGET --prefix TUPLE WORD... [--limit N] [--json]
    found pstore index TARGET --prefix TUPLE DOCUID [FILE]   FILE's text ('-' or none: stdin)
    found pstore remove TARGET --prefix TUPLE DOCUID

``--prefix`` is the tuple the store was made with (``pstore.make(name, prefix)``). The words
of a search are tokenized with ``pstore.tokenize``, as ``index`` tokenizes the text, and a
document must hold every one of them. A DOCUID is a Python literal (``42``, ``'42'``,
``('doc', 1)``), or else the text itself (``readme``).

Example::

    found pstore index sqlite://docs.found --prefix "('docs',)" readme README.md
    found pstore search sqlite://docs.found --prefix "('docs',)" embedded engine
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table

import found
from found.cli import Register, parse_tuple, parse_value, store_commands
from found_pstore._errors import PStoreValueError
from found_pstore._index import index, remove
from found_pstore._search import search
from found_pstore._store import PStore, make
from found_pstore._tokenize import tokenize

__all__ = ["register_commands"]


def _store(args: argparse.Namespace) -> PStore:
    return make("pstore", parse_tuple(args.prefix, "--prefix"))


def _show(docuid: Any) -> str:
    return docuid if isinstance(docuid, str) else repr(docuid)


async def _search(args: argparse.Namespace) -> int:
    store = _store(args)
    keywords = list(tokenize(" ".join(args.words)))
    if not keywords:
        raise PStoreValueError(f"no word to search for in {' '.join(args.words)!r}")
    async with await found.open(args.target) as db:
        hits = await found.transactional(db, search, store, keywords, args.limit, snapshot=True)
    if args.json:
        rows = [{"docuid": _show(uid), "score": score} for uid, score in hits]
        print(json.dumps(rows, indent=2))
        return 0
    table = Table("rank", "docuid", "score")
    for rank, (uid, score) in enumerate(hits, 1):
        table.add_row(str(rank), _show(uid), f"{score:.4f}")
    console = Console()
    console.print(f"{' '.join(keywords)}: {len(hits)} documents", highlight=False, markup=False)
    console.print(table)
    return 0


def _index(args: argparse.Namespace) -> int:
    store = _store(args)
    docuid = parse_value(args.docuid)
    if args.file in (None, "-"):
        text = sys.stdin.read()
    else:
        with open(args.file, encoding="utf-8", errors="replace") as file:
            text = file.read()
    terms = tokenize(text)
    asyncio.run(_write(args.target, store, docuid, terms))
    print(f"indexed {_show(docuid)}: {sum(terms.values()):,} words, {len(terms):,} distinct")
    return 0


async def _write(target: str, store: PStore, docuid: Any, terms: Counter[str]) -> None:
    async with await found.open(target) as db:
        await found.transactional(db, index, store, docuid, terms)


async def _remove(args: argparse.Namespace) -> int:
    store = _store(args)
    docuid = parse_value(args.docuid)
    async with await found.open(args.target) as db:
        await found.transactional(db, remove, store, docuid)
    return 0


def register_commands(register: Register) -> None:
    """Add ``found pstore search|index|remove`` through the ``register`` callback of found.

    Example::

        >>> import argparse
        >>> root = argparse.ArgumentParser(prog="found").add_subparsers()
        >>> register_commands(lambda name, help, handler: root.add_parser(name))
    """
    command = store_commands(
        register,
        "pstore",
        "search, index and remove the documents of a pstore",
        prefix_example="('docs',)",
    )

    one = command("search", "the best documents holding every word, BM25-ranked", _search)
    one.add_argument("words", nargs="+", metavar="WORD")
    one.add_argument("--limit", type=int, default=10, help="at most N documents (default: 10)")
    one.add_argument("--json", action="store_true", help="print JSON instead of a table")
    one = command("index", "index a text file's words under DOCUID (replacing it)", _index)
    one.add_argument("docuid", metavar="DOCUID", help="a Python literal, or text")
    one.add_argument("file", metavar="FILE", nargs="?", help="a text file (default: stdin)")
    command("remove", "forget a document", _remove).add_argument(
        "docuid", metavar="DOCUID", help="a Python literal, or text"
    )

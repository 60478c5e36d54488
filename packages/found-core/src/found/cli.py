"""The ``found`` command: look inside a database, check the installation, run the demo.

::

    found stores [--json]              installed store plugins
    found doctor                       what works here, and what to do about the rest
    found scan TARGET [--prefix TUPLE] [--limit N] [--raw]
    found get TARGET KEY               KEY and VALUE are Python literals: a tuple is packed
    found set TARGET KEY VALUE         with the tuple layer, bytes are used as they are
    found clear TARGET KEY [END]       (a str value is stored as UTF-8)
    found demo [TARGET] [--data PATH|sample] [--limit N]
                                       WordNet in all four stores, queried, with timings

TARGET is what ``found.open`` takes (``memory://``, ``sqlite://PATH``, ``fdb://``...). Store
packages add their own subcommands through the ``found_register_commands`` hook (``found
nstore query ...``); :func:`parse_tuple`, :func:`parse_value` and :func:`progress_bar` are
there for them. Errors print one line on standard error and exit with status 1.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import ctypes.util
import inspect
import json
import os
import platform
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table

import found
import found.stores
from found._errors import BaseFoundException, UsageError

__all__ = [
    "Register",
    "StoreHandler",
    "describe_key",
    "main",
    "main_entry",
    "parse_literal",
    "parse_tuple",
    "parse_value",
    "progress_bar",
    "store_commands",
]

Handler = Callable[[argparse.Namespace], int]
Register = Callable[[str, str, Handler], argparse.ArgumentParser]
"""The ``register(name, help, handler)`` callback found passes to ``found_register_commands``."""


def parse_literal(text: str, what: str) -> bytes:
    """A key or value given on the command line, as bytes.

    >>> parse_literal("('user', 1)", "key") == found.pack(("user", 1))
    True
    >>> parse_literal("b'raw'", "key")
    b'raw'
    """
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise UsageError(
            f"{what} {text!r} is not a Python literal; write a tuple like ('user', 1) or "
            "bytes like b'raw'"
        ) from None
    if isinstance(value, tuple):
        return found.pack(value)
    if isinstance(value, bytes):
        return value
    if isinstance(value, str) and what == "value":
        return value.encode()
    raise UsageError(f"{what} must be a tuple or bytes literal, got {type(value).__name__}")


def parse_tuple(text: str, what: str) -> tuple[Any, ...]:
    """A tuple given on the command line as a Python literal, such as a store's prefix.

    >>> parse_tuple("('app', 'people')", "prefix")
    ('app', 'people')
    >>> parse_tuple("app", "prefix")
    Traceback (most recent call last):
    found._errors.UsageError: prefix must be a tuple literal such as ('app', 'people'), got 'app'
    """
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        value = None
    if not isinstance(value, tuple):
        raise UsageError(f"{what} must be a tuple literal such as ('app', 'people'), got {text!r}")
    return value


def parse_value(text: str) -> Any:
    """A value given on the command line: a Python literal when it is one, else the text.

    So ``42`` is an int, ``'42'`` and ``dog`` are str, ``('a', 1)`` is a tuple, ``b'x'`` bytes.

    >>> parse_value("42"), parse_value("'42'"), parse_value("dog"), parse_value("('a', 1)")
    (42, '42', 'dog', ('a', 1))
    """
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def progress_bar(console: Console | None = None, *, transfer: bool = False) -> Progress:
    """A rich progress display for long steps, shown only when ``console`` is a terminal.

    ``console`` defaults to standard error, so that a command's output on standard output
    stays clean. ``transfer=True`` shows bytes and a rate instead of ``done/total`` items.
    Piped or captured (in tests, in CI), the display is disabled and prints nothing.

    >>> with progress_bar() as bar:
    ...     task = bar.add_task("loading", total=3)
    ...     bar.advance(task, 3)
    """
    console = console or Console(stderr=True)
    columns: list[ProgressColumn] = [TextColumn("{task.description}"), BarColumn()]
    if transfer:
        columns += [DownloadColumn(), TransferSpeedColumn()]
    else:
        columns += [MofNCompleteColumn(), TaskProgressColumn()]
    columns.append(TimeElapsedColumn())
    return Progress(*columns, console=console, disable=not console.is_terminal, transient=True)


StoreHandler = Callable[[argparse.Namespace], "int | Awaitable[int]"]
"""A store subcommand: takes the parsed arguments, returns the exit status (maybe awaited)."""


def store_commands(
    register: Register,
    store: str,
    help: str,
    *,
    prefix_example: str,
) -> Callable[[str, str, StoreHandler], argparse.ArgumentParser]:
    """The command group ``found STORE ...`` and a function adding its subcommands.

    For a store's ``found_register_commands(register)`` hook: each subcommand added takes the
    ``TARGET`` that :func:`found.open` takes and the store's ``--prefix`` (a tuple), and runs
    its handler; a handler that is a coroutine function runs in :func:`asyncio.run`.

    >>> root = argparse.ArgumentParser(prog="found").add_subparsers()
    >>> command = store_commands(
    ...     lambda name, help, run: root.add_parser(name), "example", "try it",
    ...     prefix_example="('ex',)")
    >>> _ = command("show", "print the prefix", lambda args: print(args.prefix) or 0)
    """
    group = register(store, help, _run_store_command)
    sub = group.add_subparsers(dest=f"{store}_command", metavar="COMMAND", required=True)

    def command(name: str, help: str, handler: StoreHandler) -> argparse.ArgumentParser:
        one = sub.add_parser(name, help=help, description=help)
        one.add_argument("target", help="what found.open takes: memory://, sqlite://PATH, fdb://")
        one.add_argument(
            "--prefix",
            required=True,
            help=f'the store\'s key prefix, a tuple such as "{prefix_example}"',
        )
        one.set_defaults(store_handler=handler)
        return one

    return command


def _run_store_command(args: argparse.Namespace) -> int:
    result = args.store_handler(args)
    if inspect.isawaitable(result):
        result = asyncio.run(_awaited(result))
    return int(result)


async def _awaited(result: Awaitable[int]) -> int:
    return await result


def describe_key(data: bytes, raw: bool = False) -> str:
    """Show bytes as a tuple when they are a tuple-layer encoding, else as escaped bytes.

    >>> describe_key(found.pack(("user", 42)))
    "('user', 42)"
    >>> describe_key(b"\\x00plain")
    "b'\\\\x00plain'"
    """
    if not raw:
        try:
            items = found.unpack(data)
        except (ValueError, TypeError):
            pass
        else:
            if items and found.pack(items) == data:
                return repr(items)
    return repr(data)


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


def _stores(args: argparse.Namespace) -> int:
    records = found.stores.info()
    if args.json:
        print(json.dumps(list(records), indent=2))
        return 0
    table = Table("name", "distribution", "version", "module", title="found stores")
    for record in records:
        table.add_row(record["name"], record["distribution"], record["version"], record["module"])
    Console().print(table)
    if not records:
        print("no stores installed: pip install found-nstore (or found-bstore, ...)")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    table = Table("check", "status", "details", title="found doctor")
    table.add_row("python", "ok", f"{platform.python_implementation()} {platform.python_version()}")
    table.add_row("found-core", "ok", found.__version__)
    for name in found.stores.names():
        table.add_row(f"store {name}", "ok", "installed")
    table.add_row("engine memory://", "ok", "always available")
    table.add_row("engine sqlite://", "ok", f"SQLite {sqlite3.sqlite_version}")
    try:
        bindings = version("foundationdb")
    except PackageNotFoundError:
        bindings = None
    library = ctypes.util.find_library("fdb_c")
    if bindings is None:
        table.add_row(
            "engine fdb://",
            "missing",
            "no foundationdb bindings: pip install 'found-core[fdb73]' (or fdb74, fdb80)",
        )
    elif library is None:
        table.add_row(
            "engine fdb://",
            "missing",
            f"bindings {bindings} installed, but no libfdb_c: install the FoundationDB "
            "client package of your release line",
        )
    else:
        table.add_row("engine fdb://", "ok", f"bindings {bindings}, client library {library}")
    cluster = os.environ.get("FDB_CLUSTER_FILE") or (
        "fdb.cluster" if os.path.exists("fdb.cluster") else "/etc/foundationdb/fdb.cluster"
    )
    exists = "exists" if os.path.exists(cluster) else "does not exist"
    table.add_row("cluster file", "info", f"{cluster} ({exists})")
    table.add_row(
        "FOUND_DATABASE",
        "info",
        os.environ.get("FOUND_DATABASE") or "unset: found.open() uses FoundationDB",
    )
    Console().print(table)
    return 0


async def _scan(args: argparse.Namespace) -> int:
    prefix = b""
    if args.prefix:
        prefix = parse_literal(args.prefix, "prefix")
    begin, end = (prefix, found.next_prefix(prefix)) if prefix else (b"", b"\xff")
    async with await found.open(args.target) as db:

        async def read(tx: found.Transaction) -> list[tuple[bytes, bytes]]:
            return await found.all(tx, begin, end, limit=args.limit)

        pairs = await found.transactional(db, read, snapshot=True)
    table = Table("key", "value", title=f"{args.target} ({len(pairs)} pairs)")
    for key, value in pairs:
        shown = describe_key(value, args.raw)
        table.add_row(
            describe_key(key, args.raw), shown if len(shown) < 200 else shown[:197] + "..."
        )
    Console().print(table)
    return 0


async def _get(args: argparse.Namespace) -> int:
    key = parse_literal(args.key, "key")
    async with await found.open(args.target) as db:
        value = await found.transactional(db, found.get, key)
    if value is None:
        print("(absent)")
        return 1
    print(describe_key(value, args.raw))
    return 0


async def _set(args: argparse.Namespace) -> int:
    key, value = parse_literal(args.key, "key"), parse_literal(args.value, "value")
    async with await found.open(args.target) as db:
        await found.transactional(db, found.set, key, value)
    return 0


async def _clear(args: argparse.Namespace) -> int:
    key = parse_literal(args.key, "key")
    end = parse_literal(args.end, "end") if args.end else None
    async with await found.open(args.target) as db:
        await found.transactional(db, found.clear, key, end)
    return 0


def _demo_default_data() -> str:
    from found._demo_wordnet import WORDNET

    return str(WORDNET) if WORDNET.is_file() else "sample"


def _demo(args: argparse.Namespace) -> int:
    from found._demo import run

    return run(args.target, data=args.data, limit=args.limit)


def _parser() -> tuple[argparse.ArgumentParser, dict[str, Handler]]:
    parser = argparse.ArgumentParser(prog="found", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"found {found.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    handlers: dict[str, Handler] = {}

    def command(name: str, help: str, handler: Handler) -> argparse.ArgumentParser:
        handlers[name] = handler
        return sub.add_parser(name, help=help, description=help)

    command("stores", "list the installed store plugins", _stores).add_argument(
        "--json", action="store_true", help="print JSON instead of a table"
    )
    command("doctor", "check what works on this machine", _doctor)
    scan = command("scan", "list keys and values, decoded", lambda a: _run(_scan(a)))
    scan.add_argument("target")
    scan.add_argument("--prefix", help="a tuple literal, e.g. \"('user',)\"")
    scan.add_argument("--limit", type=int, default=100, help="at most N pairs (0: all)")
    scan.add_argument("--raw", action="store_true", help="show bytes, never tuples")
    get = command("get", "print one key's value", lambda a: _run(_get(a)))
    get.add_argument("target")
    get.add_argument("key")
    get.add_argument("--raw", action="store_true")
    put = command("set", "set one key", lambda a: _run(_set(a)))
    put.add_argument("target")
    put.add_argument("key")
    put.add_argument("value")
    clear = command("clear", "clear a key, or the range [KEY, END)", lambda a: _run(_clear(a)))
    clear.add_argument("target")
    clear.add_argument("key")
    clear.add_argument("end", nargs="?")
    from found._demo import DEFAULT_LIMIT

    demo = command(
        "demo",
        "load WordNet into the four stores and query it (default: a temporary sqlite:// file)",
        _demo,
    )
    demo.add_argument("target", nargs="?", help="a found.open target (default: a temporary file)")
    demo.add_argument(
        "--data",
        metavar="PATH",
        help=f"a WordNet data.noun file, or 'sample' (default: {_demo_default_data()})",
    )
    demo.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        help=f"load this many synsets, plus their ancestors (0: all; default: {DEFAULT_LIMIT})",
    )
    found.stores._register_commands(command)
    return parser, handlers


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``found`` command; return the exit status.

    >>> main(["stores", "--json"]) == 0  # doctest: +ELLIPSIS
    [...
    True
    """
    parser, handlers = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return handlers[args.command](args)
    except (BaseFoundException, OSError) as error:
        print(f"found {args.command}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def main_entry() -> None:
    """The console script: run :func:`main` with ``sys.argv`` and exit with its status."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    main_entry()

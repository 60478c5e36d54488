"""``found nstore ...``: add, remove and query tuples from the command line.

The ``found`` command (found-core) calls this store's ``found_register_commands`` hook, which
adds the ``nstore`` subcommand through :func:`register_commands`::

    found nstore query TARGET --prefix TUPLE PATTERN... [--n N] [--limit N] [--json]
    found nstore add TARGET --prefix TUPLE ITEM... [--value LITERAL]
    found nstore remove TARGET --prefix TUPLE ITEM...

A PATTERN is a tuple written as Python, in which a bare name is a variable:
``"('dog', 'sense', s)"`` has the constants ``'dog'`` and ``'sense'`` and the variable ``s``.
An ITEM is a Python literal (``42``, ``'42'``, ``(1, 2)``, ``b'raw'``), or else the text
itself (``dog``). ``--prefix`` is the tuple the store was made with (``nstore.make(name,
prefix, n)``) and ``--n`` its ``n``; by default ``n`` is read from the tuples already stored
(or, in an empty store, taken from the first pattern or the number of items).

Example::

    found nstore add sqlite://kb.found --prefix "('kb',)" alice knows bob
    found nstore query sqlite://kb.found --prefix "('kb',)" "('alice', 'knows', who)"
"""

from __future__ import annotations

import argparse
import ast
import json
from typing import Any

from rich.console import Console
from rich.table import Table

import found
from found.cli import Register, StoreHandler, parse_tuple, parse_value, store_commands
from found_nstore._errors import NStoreException
from found_nstore._query import Variable, query, var
from found_nstore._store import NStore, add, make, remove

__all__ = ["parse_pattern", "register_commands"]


def parse_pattern(text: str) -> tuple[Any, ...]:
    """A pattern written as a Python tuple in which bare names are variables.

    Items are Python literals (str, int, float, bytes, bool, None, nested tuples); a name that
    is not ``True``, ``False`` or ``None`` is the variable of that name.

    Example::

        >>> parse_pattern("('dog', 'sense', s)")
        ('dog', 'sense', var('s'))
        >>> parse_pattern("(x, -1, (2, b'y'))")
        (var('x'), -1, (2, b'y'))
    """
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise NStoreException(
            f"pattern {text!r} is not a tuple like ('dog', 'sense', s) (bare names are variables)"
        ) from None
    if not isinstance(tree, ast.Tuple):
        raise NStoreException(
            f"pattern {text!r} must be a tuple like ('dog', 'sense', s) (bare names are variables)"
        )
    return tuple(_item(node, text) for node in tree.elts)


def _item(node: ast.expr, text: str) -> Any:
    """One item of a pattern: a variable for a bare name, else a literal."""
    if isinstance(node, ast.Name):
        return var(node.id)
    if isinstance(node, ast.Tuple):
        return tuple(_constant(element, text) for element in node.elts)
    return _constant(node, text)


def _constant(node: ast.expr, text: str) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        raise NStoreException(
            f"pattern {text!r}: {ast.unparse(node)!r} is neither a literal nor a variable name"
        ) from None


def _show(item: Any) -> str:
    """An item for a table cell: str as it is, anything else as Python writes it."""
    return item if isinstance(item, str) else repr(item)


def _jsonable(item: Any) -> Any:
    if isinstance(item, (str, int, float, bool)) or item is None:
        return item
    if isinstance(item, tuple):
        return [_jsonable(element) for element in item]
    return repr(item)


async def _store(db: Any, args: argparse.Namespace, given: int) -> NStore:
    """The handle the command works on: ``n`` from ``--n``, else from the data, else ``given``.

    Index 0 keeps each tuple in its own order under ``(*prefix, 0)``, so the first key there
    tells how many items the store's tuples have.
    """
    prefix = parse_tuple(args.prefix, "--prefix")
    if args.n < 0:
        raise NStoreException(f"--n must be positive, got {args.n}")
    if args.n:
        return make("nstore", prefix, args.n)
    begin = found.pack((*prefix, 0))

    async def first(tx: found.Transaction) -> list[tuple[bytes, bytes]]:
        return await found.all(tx, begin, found.next_prefix(begin), limit=1)

    rows = await found.transactional(db, first, snapshot=True)
    n = len(found.unpack(rows[0][0])) - len(prefix) - 1 if rows else given
    return make("nstore", prefix, n)


async def _query(args: argparse.Namespace) -> int:
    patterns = [parse_pattern(text) for text in args.patterns]
    names: list[str] = []
    for pattern in patterns:
        for item in pattern:
            if isinstance(item, Variable) and item.name not in names:
                names.append(item.name)
    if args.limit < 0:
        raise NStoreException(f"--limit must be 0 (no limit) or positive, got {args.limit}")

    async def run(tx: found.Transaction) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        async for binding in query(tx, store, *patterns):
            out.append(binding)
            if len(out) == args.limit:
                break
        return out

    async with await found.open(args.target) as db:
        store = await _store(db, args, len(patterns[0]))
        bindings = await found.transactional(db, run, snapshot=True)
    if args.json:
        rows = [{name: _jsonable(b[name]) for name in names} for b in bindings]
        print(json.dumps(rows, indent=2))
        return 0
    table = Table(*names)
    for binding in bindings:
        table.add_row(*(_show(binding[name]) for name in names))
    console = Console()
    console.print(f"{len(bindings)} results", highlight=False)
    console.print(table)
    if len(bindings) == args.limit:
        console.print(f"(stopped at --limit {args.limit}; --limit 0 shows every result)")
    return 0


async def _add(args: argparse.Namespace) -> int:
    items = [parse_value(text) for text in args.items]
    value = b"" if args.value is None else _value(args.value)
    async with await found.open(args.target) as db:
        store = await _store(db, args, len(items))
        await found.transactional(db, add, store, *items, value=value)
    return 0


def _value(text: str) -> bytes:
    value = parse_value(text)
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytes):
        return value
    raise NStoreException(f"--value must be bytes (b'...') or text, got {text!r}")


async def _remove(args: argparse.Namespace) -> int:
    items = [parse_value(text) for text in args.items]
    async with await found.open(args.target) as db:
        store = await _store(db, args, len(items))
        await found.transactional(db, remove, store, *items)
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--n",
        type=int,
        default=0,
        help="items per tuple (default: what the store holds, else as many as given)",
    )


def register_commands(register: Register) -> None:
    """Add ``found nstore query|add|remove`` through the ``register`` callback of found.

    Example::

        >>> import argparse
        >>> root = argparse.ArgumentParser(prog="found").add_subparsers()
        >>> register_commands(lambda name, help, handler: root.add_parser(name))
    """
    add = store_commands(
        register,
        "nstore",
        "query, add and remove the tuples of an nstore",
        prefix_example="('kb',)",
    )

    def command(name: str, help: str, handler: StoreHandler) -> argparse.ArgumentParser:
        one = add(name, help, handler)
        _common(one)
        return one

    one = command("query", "print the bindings of patterns (bare names are variables)", _query)
    one.add_argument(
        "patterns", nargs="+", metavar="PATTERN", help="a tuple such as \"('dog', 'sense', s)\""
    )
    one.add_argument("--limit", type=int, default=100, help="at most N results (0: all)")
    one.add_argument("--json", action="store_true", help="print JSON instead of a table")
    one = command("add", "add a tuple (its value replaced if present)", _add)
    one.add_argument("items", nargs="+", metavar="ITEM", help="a Python literal, or text")
    one.add_argument("--value", help="the tuple's value: b'bytes' or text (default: empty)")
    one = command("remove", "remove a tuple", _remove)
    one.add_argument("items", nargs="+", metavar="ITEM", help="a Python literal, or text")

"""``found eavstore ...``: read, find, count and write entities from the command line.

The ``found`` command (found-core) calls this store's ``found_register_commands`` hook, which
adds the ``eavstore`` subcommand through :func:`register_commands`::

    found eavstore get TARGET --prefix TUPLE UID [--json]
    found eavstore query TARGET --prefix TUPLE ATTR=VALUE... [--limit N] [--json]
    found eavstore count TARGET --prefix TUPLE ATTR=VALUE
    found eavstore put TARGET --prefix TUPLE UID ATTR=VALUE...
    found eavstore remove TARGET --prefix TUPLE UID

Every command takes ``--unindexed ATTR`` (repeated) for the store's unindexed attributes.

``--prefix`` is the tuple the store was made with (``eavstore.make(name, prefix)``). A UID or
a VALUE is a Python literal (``42``, ``'42'``, ``(1, 2)``, ``True``), or else the text itself
(``noun.food``); an ATTR is text. ``query`` prints the entities whose attributes hold every
``ATTR=VALUE`` given. ``put`` replaces the entity's whole mapping (``eavstore.update``). The
commands that write need the store's ``unindexed`` attributes, given as ``--unindexed``, the
same as the program that made the store gives ``make``: otherwise they would look for index
rows and counts of those attributes that were never written.

Example::

    found eavstore put sqlite://people.found --prefix "('people',)" ada name=Ada born=1815
    found eavstore query sqlite://people.found --prefix "('people',)" born=1815
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

import found
from found.cli import Register, StoreHandler, parse_tuple, parse_value, store_commands
from found_eavstore._errors import EAVStoreUsageError
from found_eavstore._layout import EAVStore, make
from found_eavstore._query import count, match
from found_eavstore._store import get, remove, update

__all__ = ["parse_conditions", "register_commands"]


def parse_conditions(texts: Sequence[str]) -> dict[str, Any]:
    """``ATTR=VALUE`` arguments as a mapping; each VALUE is a literal when it is one.

    Example::

        >>> parse_conditions(["lexname=noun.food", "word_count=3", "name='3'"])
        {'lexname': 'noun.food', 'word_count': 3, 'name': '3'}
    """
    out: dict[str, Any] = {}
    for text in texts:
        attribute, equals, value = text.partition("=")
        if not equals or not attribute:
            raise EAVStoreUsageError(f"{text!r} is not ATTR=VALUE (for example born=1815)")
        out[attribute] = parse_value(value)
    return out


def _store(args: argparse.Namespace) -> EAVStore:
    unindexed = getattr(args, "unindexed", None) or ()
    return make("eavstore", parse_tuple(args.prefix, "--prefix"), unindexed=unindexed)


def _show(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, tuple):
        return [_jsonable(item) for item in value]
    return repr(value)


async def _get(args: argparse.Namespace) -> int:
    store = _store(args)
    uid = parse_value(args.uid)
    async with await found.open(args.target) as db:
        mapping = await found.transactional(db, get, store, uid, snapshot=True)
    if args.json:
        print(json.dumps({_show(k): _jsonable(v) for k, v in mapping.items()}, indent=2))
        return 0 if mapping else 1
    if not mapping:
        print(f"(no entity {_show(uid)})")
        return 1
    table = Table("attribute", "value", title=_show(uid), title_justify="left")
    for attribute, value in mapping.items():
        table.add_row(_show(attribute), _show(value))
    Console().print(table)
    return 0


async def _query(args: argparse.Namespace) -> int:
    store = _store(args)
    conditions = parse_conditions(args.conditions)
    if args.limit < 0:
        raise EAVStoreUsageError(f"--limit must be 0 (no limit) or positive, got {args.limit}")

    async def run(tx: found.Transaction) -> list[tuple[Any, dict[Any, Any]]]:
        uids = [uid async for uid in match(tx, store, conditions, limit=args.limit)]
        return [(uid, await get(tx, store, uid)) for uid in uids]

    async with await found.open(args.target) as db:
        entities = await found.transactional(db, run, snapshot=True)
    if args.json:
        rows = [
            {"uid": _jsonable(uid), "mapping": {_show(k): _jsonable(v) for k, v in m.items()}}
            for uid, m in entities
        ]
        print(json.dumps(rows, indent=2))
        return 0
    table = Table("uid", "mapping")
    for uid, mapping in entities:
        shown = ", ".join(f"{_show(k)}={v!r}" for k, v in mapping.items())
        table.add_row(_show(uid), shown if len(shown) <= 300 else shown[:297] + "...")
    console = Console()
    console.print(f"{len(entities)} entities", highlight=False)
    console.print(table)
    if args.limit and len(entities) == args.limit:
        console.print(f"(stopped at --limit {args.limit}; --limit 0 shows every entity)")
    return 0


async def _count(args: argparse.Namespace) -> int:
    store = _store(args)
    conditions = parse_conditions([args.condition])
    ((attribute, value),) = conditions.items()
    async with await found.open(args.target) as db:
        print(await found.transactional(db, count, store, attribute, value, snapshot=True))
    return 0


async def _put(args: argparse.Namespace) -> int:
    store = _store(args)
    uid = parse_value(args.uid)
    mapping = parse_conditions(args.attributes)
    async with await found.open(args.target) as db:
        await found.transactional(db, update, store, uid, mapping)
    return 0


async def _remove(args: argparse.Namespace) -> int:
    store = _store(args)
    uid = parse_value(args.uid)
    async with await found.open(args.target) as db:
        await found.transactional(db, remove, store, uid)
    return 0


def register_commands(register: Register) -> None:
    """Add ``found eavstore get|query|count|put|remove`` through found's ``register`` callback.

    Example::

        >>> import argparse
        >>> root = argparse.ArgumentParser(prog="found").add_subparsers()
        >>> register_commands(lambda name, help, handler: root.add_parser(name))
    """
    add = store_commands(
        register,
        "eavstore",
        "get, query, count and write the entities of an eavstore",
        prefix_example="('people',)",
    )

    def command(name: str, help: str, handler: StoreHandler) -> argparse.ArgumentParser:
        one = add(name, help, handler)
        one.add_argument(
            "--unindexed",
            action="append",
            metavar="ATTR",
            help="an attribute the store does not index (repeat for several)",
        )
        return one

    one = command("get", "print an entity's attributes", _get)
    one.add_argument("uid", metavar="UID", help="a Python literal, or text")
    one.add_argument("--json", action="store_true", help="print JSON instead of a table")
    one = command("query", "the entities holding every ATTR=VALUE, in uid order", _query)
    one.add_argument("conditions", nargs="+", metavar="ATTR=VALUE")
    one.add_argument("--limit", type=int, default=20, help="at most N entities (0: all)")
    one.add_argument("--json", action="store_true", help="print JSON instead of a table")
    command("count", "how many entities have ATTR=VALUE", _count).add_argument(
        "condition", metavar="ATTR=VALUE"
    )
    one = command("put", "replace an entity's mapping with the ATTR=VALUE given", _put)
    one.add_argument("uid", metavar="UID", help="a Python literal, or text")
    one.add_argument("attributes", nargs="+", metavar="ATTR=VALUE")
    command("remove", "delete an entity", _remove).add_argument(
        "uid", metavar="UID", help="a Python literal, or text"
    )

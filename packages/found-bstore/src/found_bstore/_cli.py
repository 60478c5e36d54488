"""``found bstore ...``: put, get, stat and delete blobs from the command line.

The ``found`` command (found-core) calls this store's ``found_register_commands`` hook, which
adds the ``bstore`` subcommand through :func:`register_commands`::

    found bstore put TARGET --prefix TUPLE FILE     store FILE ('-': standard input), print its uid
    found bstore get TARGET --prefix TUPLE UID [-o FILE]
                                                    the bytes, to FILE or standard output
    found bstore stat TARGET --prefix TUPLE UID     size, SHA-256, references
    found bstore delete TARGET --prefix TUPLE UID   take back one reference

``--prefix`` is the tuple the store was made with (``bstore.make(name, prefix)``). ``put``
and ``get -o`` show a progress bar on standard error when it is a terminal. ``get -o FILE``
writes ``FILE.part`` and renames it to ``FILE`` once the SHA-256 has been checked, so a
damaged blob never leaves a file that looks whole.

Example::

    found bstore put sqlite://files.found --prefix "('files',)" photo.jpg
    found bstore get sqlite://files.found --prefix "('files',)" 3b0c4f1e-... -o copy.jpg
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import uuid
from collections.abc import Callable
from typing import BinaryIO

from rich.console import Console
from rich.table import Table

import found
from found.cli import Register, parse_tuple, progress_bar, store_commands
from found_bstore._blob import delete, stat
from found_bstore._errors import BStoreValueError
from found_bstore._gc import gc
from found_bstore._layout import BStore, make
from found_bstore._stream import put, read

__all__ = ["parse_uid", "register_commands"]


def parse_uid(text: str) -> uuid.UUID:
    """A blob's uid as ``put`` prints it (any form ``uuid.UUID`` reads).

    Example::

        >>> parse_uid("2cf24dba-5fb0-a30e-26e8-3b2ac5b9e29e")
        UUID('2cf24dba-5fb0-a30e-26e8-3b2ac5b9e29e')
    """
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise BStoreValueError(
            f"{text!r} is not a blob uid (a UUID such as 2cf24dba-5fb0-a30e-26e8-3b2ac5b9e29e)"
        ) from None


def _store(args: argparse.Namespace) -> BStore:
    return make("bstore", parse_tuple(args.prefix, "--prefix"))


class _Reporting:
    """A binary file that reports how many bytes each ``read`` returned."""

    def __init__(self, file: BinaryIO, advance: Callable[[int], None]) -> None:
        self._file = file
        self._advance = advance

    def read(self, size: int = -1) -> bytes:
        piece = self._file.read(size)
        self._advance(len(piece))
        return piece


def _put(args: argparse.Namespace) -> int:
    store = _store(args)
    if args.file == "-":
        uid = asyncio.run(_upload(args.target, store, sys.stdin.buffer, "stdin", None))
    else:
        total = os.path.getsize(args.file)
        with open(args.file, "rb") as file:
            uid = asyncio.run(_upload(args.target, store, file, args.file, total))
    print(uid)
    return 0


async def _upload(
    target: str, store: BStore, file: BinaryIO, name: str, total: int | None
) -> uuid.UUID:
    async with await found.open(target) as db:
        with progress_bar(transfer=True) as bar:
            task = bar.add_task(f"put {name}", total=total)
            return await put(db, store, _Reporting(file, lambda n: bar.advance(task, n)))


def _get(args: argparse.Namespace) -> int:
    store = _store(args)
    uid = parse_uid(args.uid)
    if args.output in (None, "-"):
        asyncio.run(_download(args.target, store, uid, sys.stdout.buffer))
        return 0
    partial = args.output + ".part"
    try:
        with open(partial, "wb") as file:
            asyncio.run(_download(args.target, store, uid, file))
        os.replace(partial, args.output)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return 0


async def _download(target: str, store: BStore, uid: uuid.UUID, out: BinaryIO) -> None:
    async with await found.open(target) as db:
        size = (await stat(db, store, uid)).size
        with progress_bar(transfer=True) as bar:
            task = bar.add_task(f"get {uid}", total=size)
            async for chunk in read(db, store, uid):
                out.write(chunk)
                bar.advance(task, len(chunk))
    out.flush()


async def _stat(args: argparse.Namespace) -> int:
    store = _store(args)
    uid = parse_uid(args.uid)
    async with await found.open(args.target) as db:
        info = await stat(db, store, uid)
    table = Table("blob", str(info.uid), title_justify="left")
    table.add_row("size", f"{info.size:,} bytes")
    table.add_row(info.algorithm, info.hexdigest)
    table.add_row("references", str(info.references))
    table.add_row("chunk size", f"{info.chunk_size:,} bytes")
    Console().print(table)
    return 0


async def _delete(args: argparse.Namespace) -> int:
    store = _store(args)
    uid = parse_uid(args.uid)
    async with await found.open(args.target) as db:
        left = await delete(db, store, uid)
    print(f"{uid}: {left} references left" + ("" if left else " (gone; gc reclaims the space)"))
    return 0


async def _gc(args: argparse.Namespace) -> int:
    store = _store(args)
    async with await found.open(args.target) as db:
        report = await gc(db, store, older_than=args.older_than)
    print(
        f"collected {report.blobs} blobs and {report.uploads} abandoned uploads, "
        f"{report.bytes:,} bytes"
    )
    return 0


def register_commands(register: Register) -> None:
    """Add ``found bstore put|get|stat|delete|gc`` through the ``register`` callback of found.

    Example::

        >>> import argparse
        >>> root = argparse.ArgumentParser(prog="found").add_subparsers()
        >>> register_commands(lambda name, help, handler: root.add_parser(name))
    """
    command = store_commands(
        register,
        "bstore",
        "put, get, stat and delete the blobs of a bstore",
        prefix_example="('files',)",
    )

    command("put", "store a file ('-': standard input) and print its uid", _put).add_argument(
        "file", metavar="FILE"
    )
    one = command("get", "write a blob to a file, or to standard output", _get)
    one.add_argument("uid", metavar="UID")
    one.add_argument("-o", "--output", metavar="FILE", help="where to write (default: stdout)")
    command("stat", "show a blob's size, SHA-256 and references", _stat).add_argument(
        "uid", metavar="UID"
    )
    command("delete", "take back one reference to a blob", _delete).add_argument(
        "uid", metavar="UID"
    )
    command("gc", "reclaim deleted blobs and abandoned uploads", _gc).add_argument(
        "--older-than",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="collect uploads idle for longer than this (default: 3600)",
    )

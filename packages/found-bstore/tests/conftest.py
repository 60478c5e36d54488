"""Shared fixtures of bstore's tests: stores under the test's prefix, and helpers that look at
the store's keys directly (they pin the key layout the README documents)."""

from __future__ import annotations

import asyncio
import random
import struct
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

import found
import found_bstore as bstore


@pytest.fixture
def store(found_prefix: bytes) -> bstore.BStore:
    """A store with the default chunk size under the test's prefix."""
    return bstore.make("test", (*found.unpack(found_prefix), "blobs"))


@pytest.fixture
def small(found_prefix: bytes) -> bstore.BStore:
    """A store with 1,000-byte chunks, so that small blobs span many chunks."""
    return bstore.make("small", (*found.unpack(found_prefix), "small"), chunk_size=1000)


class Kit:
    """Helpers for the tests, handed out by the ``kit`` fixture (test modules cannot import
    conftest under ``--import-mode=importlib``)."""

    @staticmethod
    def payload(size: int, seed: int = 0) -> bytes:
        """``size`` pseudo-random bytes (distinct seeds give distinct blobs)."""
        return random.Random(seed).randbytes(size)

    @staticmethod
    async def pieces(data: bytes, size: int, pause: bool = False) -> AsyncIterator[bytes]:
        """``data`` as an async iterable of ``size``-byte pieces; ``pause`` lets others run."""
        for offset in range(0, len(data), size):
            if pause:
                await asyncio.sleep(0)
            yield data[offset : offset + size]

    @staticmethod
    async def keys(db: Any, store: bstore.BStore, kind: str) -> list[tuple[Any, ...]]:
        """The keys of one subspace of the store (``"m"``, ``"d"``, ``"u"``, ``"z"`` or
        ``"g"``), unpacked, without the store's prefix."""
        head = found.pack((*store.prefix, kind))
        rows = await found.transactional(db, found.all, head, head + b"\xff")
        return [found.unpack(key[len(head) :]) for key, _ in rows]

    @staticmethod
    async def rows(db: Any, store: bstore.BStore, kind: str) -> list[tuple[bytes, bytes]]:
        """The rows of one subspace of the store, keys whole."""
        head = found.pack((*store.prefix, kind))
        rows: list[tuple[bytes, bytes]] = await found.transactional(
            db, found.all, head, head + b"\xff"
        )
        return rows

    @staticmethod
    async def collect(iterator: AsyncIterator[bytes]) -> bytes:
        """Join what an async iterator of byte strings yields."""
        return b"".join([piece async for piece in iterator])

    @staticmethod
    async def record(db: Any, store: bstore.BStore, uid: uuid.UUID) -> tuple[Any, ...] | None:
        """The record of ``uid`` as stored: ``(1, size, chunk_size, sha256, data_id,
        references, last_op)``, or None."""
        value = await found.transactional(db, found.get, found.pack((*store.prefix, "m", uid)))
        return None if value is None else Kit.decode(value)

    @staticmethod
    def decode(value: bytes) -> tuple[Any, ...]:
        """A record value as ``(1, size, chunk_size, sha256, data_id, references, last_op)``,
        read with the layout the README documents (85 bytes, big-endian)."""
        fmt, size, chunk_size, digest, data_id, references, last_op = struct.unpack(
            ">BQI32s16sq16s", value
        )
        return (
            fmt,
            size,
            chunk_size,
            digest,
            uuid.UUID(bytes=data_id),
            references,
            uuid.UUID(bytes=last_op),
        )


@pytest.fixture
def kit() -> Kit:
    """The test helpers."""
    return Kit()

"""Writing and reading whole entities: create, get, update, remove.

Costs (a *read* is one request to the database; writes only buffer until the commit):

* :func:`create`: no read; per attribute one set for the row and, when indexed, one set for
  the index row and one atomic add for the count. Because it cannot read, it cannot know
  whether the uid already exists: creating over an existing uid leaves stale index rows and
  counts behind. Use :func:`update` when the uid may exist.
* :func:`get`: one range read over the entity's rows. Attribute names and short values repeat
  across entities, so they are decoded through a bounded memo (``_layout.decode``).
* :func:`update`: one range read (the old rows), then writes only for the attributes whose
  value changed: clear the old index row, decrement the old count, set the row, the new index
  row, increment the new count. An update to the same mapping writes nothing.
* :func:`remove`: one range read, one range clear for the rows, and per indexed attribute one
  clear, one decrement and one ``compare_and_clear`` (a count back at zero is deleted).

``update`` and ``remove`` read the entity before touching its index rows, so the index is exact
after them: the read also makes a concurrent change of the same entity conflict, and one of the
two transactions retries. It also makes them idempotent: run again (as
:func:`found.transactional` does after ``commit_unknown_result``), they find the work done and
write nothing. ``create`` is a blind write: run twice with the same uid it counts the entity
twice, except under :func:`found.transactional`, which recognises the rows of an attempt
whose commit was reported unknown (1021) and does not run it again (see the README on retries).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import found
from found_eavstore._layout import (
    KEY_LIMIT,
    MEMO,
    EAVStore,
    check_store,
    decode,
    encode,
    pack_uid,
)

__all__ = ["create", "get", "remove", "update"]

_ONE = (1).to_bytes(8, "little")
_MINUS_ONE = b"\xff" * 8  # -1 in two's complement: atomic add wraps modulo 2**64
_ZERO = bytes(8)
_MISSING: Any = object()


def create(
    tx: found.Transaction, store: EAVStore, mapping: Mapping[Any, Any], uid: Any = None
) -> Any:
    """Store ``mapping`` as a new entity and return its uid (a fresh ``uuid.UUID`` unless
    ``uid`` is given). A plain call: it only writes.

    ``uid`` may be any value :func:`found.pack` accepts but ``None``. The caller must make sure
    a given uid is new: ``create`` does not read, so over an existing entity it would leave
    that entity's other attributes and stale index rows behind; :func:`update` replaces
    safely.

    Example::

        >>> async def add_ada(tx, store):
        ...     return eavstore.create(tx, store, {"name": "Ada", "born": 1815})
    """
    store = check_store(store)
    if uid is None:
        uid = uuid.uuid4()
    puid, rows = encode(store, uid, mapping)
    entity = store.entities + puid
    index = store.index
    counts = store.counts
    indexed = store.is_indexed
    write = found.set
    add = found.add
    for pattr, pvalue in rows.items():
        write(tx, entity + pattr, pvalue)
        if indexed(pattr):
            write(tx, index + pattr + pvalue + puid, b"")
            add(tx, counts + pattr + pvalue, _ONE)
    if rows:
        # The rows of a new entity prove that this attempt committed: when the commit is
        # reported unknown (1021), found.transactional finds them and does not run the
        # function again, so the counts are not added twice and no second uid is drawn.
        pattr, pvalue = next(iter(rows.items()))
        found.commit_evidence(tx, entity + pattr, pvalue)
    return uid


def _entity_range(store: EAVStore, uid: object) -> tuple[bytes, bytes]:
    begin = store.entities + pack_uid(uid)
    return begin, begin + b"\xff"


async def _rows(tx: found.Transaction, begin: bytes, end: bytes) -> list[tuple[bytes, bytes]]:
    if len(begin) >= KEY_LIMIT:  # no row key can be that long: nothing to read
        return []
    return await found.all(tx, begin, end)


async def get(tx: found.Transaction, store: EAVStore, uid: Any) -> dict[Any, Any]:
    """The mapping stored under ``uid``; ``{}`` when there is none. One range read.

    Values come back as the tuple layer decodes them (a list comes back as a tuple).

    Example::

        >>> async def born(tx, store, uid):
        ...     return (await eavstore.get(tx, store, uid)).get("born")
    """
    if type(store) is not EAVStore:
        store = check_store(store)
    begin = store.entities + pack_uid(uid)
    if len(begin) >= KEY_LIMIT:  # no row key can be that long: nothing to read
        return {}
    start = len(begin)
    remembered = MEMO.get
    out: dict[Any, Any] = {}
    for key, packed in await found.all(tx, begin, begin + b"\xff"):
        attribute = remembered(key[start:], _MISSING)
        if attribute is _MISSING:
            attribute = decode(key[start:])
        value = remembered(packed, _MISSING)
        out[attribute] = decode(packed) if value is _MISSING else value
    return out


def _drop(tx: found.Transaction, store: EAVStore, puid: bytes, pattr: bytes, pvalue: bytes) -> None:
    """Remove the index row and one count of ``attribute = value`` (for an indexed one)."""
    if store.is_indexed(pattr):
        found.clear(tx, store.index + pattr + pvalue + puid)
        counter = store.counts + pattr + pvalue
        found.add(tx, counter, _MINUS_ONE)
        found.compare_and_clear(tx, counter, _ZERO)


async def update(
    tx: found.Transaction, store: EAVStore, uid: Any, mapping: Mapping[Any, Any]
) -> None:
    """Replace the mapping of ``uid`` with ``mapping`` (creating it if there is none).

    Attributes missing from ``mapping`` are removed. Reads the old rows once, then writes only
    what changed, so every index row and count stays exact; an empty ``mapping`` removes the
    entity. Running it twice is the same as running it once.

    Example::

        >>> async def rename(tx, store, uid):
        ...     mapping = await eavstore.get(tx, store, uid)
        ...     await eavstore.update(tx, store, uid, {**mapping, "name": "Ada Lovelace"})
    """
    store = check_store(store)
    puid, rows = encode(store, uid, mapping)  # everything is checked before any read or write
    entity = store.entities + puid
    start = len(entity)
    old = {k[start:]: v for k, v in await _rows(tx, entity, entity + b"\xff")}
    for pattr, pvalue in old.items():
        new = rows.get(pattr)
        if new == pvalue:
            continue
        if new is None:
            found.clear(tx, entity + pattr)
        _drop(tx, store, puid, pattr, pvalue)
    index = store.index
    counts = store.counts
    for pattr, pvalue in rows.items():
        if old.get(pattr) == pvalue:
            continue
        found.set(tx, entity + pattr, pvalue)
        if store.is_indexed(pattr):
            found.set(tx, index + pattr + pvalue + puid, b"")
            found.add(tx, counts + pattr + pvalue, _ONE)


async def remove(tx: found.Transaction, store: EAVStore, uid: Any) -> None:
    """Delete the entity ``uid``, its index rows and its counts. Nothing to delete is fine.

    Example::

        >>> async def forget(tx, store, uid):
        ...     await eavstore.remove(tx, store, uid)
    """
    store = check_store(store)
    begin, end = _entity_range(store, uid)
    rows = await _rows(tx, begin, end)
    if not rows:
        return
    puid = begin[len(store.entities) :]
    start = len(begin)
    found.clear(tx, begin, end)
    for key, pvalue in rows:
        _drop(tx, store, puid, key[start:], pvalue)

"""The store handle and its key layout: three subspaces under the store's prefix.

With ``P = found.pack(prefix)`` and every part packed with the tuple layer::

    P + pack((0, uid, attribute))          -> pack((value,))     the entity's rows
    P + pack((1, attribute, value, uid))   -> b""                the index
    P + pack((2, attribute, value))        -> 8-byte count       entities with attribute = value

* An entity is the range of keys starting with ``P + pack((0, uid))``: reading it whole is one
  range read, and its rows come sorted by attribute.
* The entities with ``attribute = value`` are the range of keys starting with
  ``P + pack((1, attribute, value))``, sorted by uid. The tuple encoding ends every element with
  a terminator that no longer element shares at that place (``"a"`` is ``02 61 00``, ``"ab"`` is
  ``02 61 62 00``, and ``b"a\\x00"`` continues ``01 61 00`` with ``ff``, a byte no following
  element starts with), so the range ``[p, p + b"\\xff")`` holds exactly the rows of that value:
  no prefix false positives.
* The entities with ``lo <= value < hi`` are the range from ``P + pack((1, attribute, lo))`` to
  ``P + pack((1, attribute, hi))``, in value order (the tuple layer's order, see the README).
* The count is a little-endian signed 64-bit integer changed only by atomic adds, so writers of
  the same value never conflict on it, and a count costs one point read. A decrement to zero is
  followed by a ``compare_and_clear`` with zero, so no zero counts pile up.

``pack`` of a tuple is the concatenation of the packed elements, so the layer packs the uid, each
attribute and each value once and joins the bytes: ``P + pack((1,)) + pack((a,)) + pack((v,)) +
pack((uid,))``.

Example::

    >>> store = make("people", ("app", "people"))
    >>> store
    EAVStore(name='people', prefix=('app', 'people'))
    >>> store.entities == found.pack(("app", "people", 0))
    True
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import found
from found_eavstore._errors import (
    EAVStoreTypeError,
    EAVStoreUsageError,
    IndexKeyTooLargeError,
    NotIndexedError,
    TooLargeError,
)

__all__ = [
    "KEY_LIMIT",
    "MEMO",
    "VALUE_LIMIT",
    "EAVStore",
    "check_store",
    "decode",
    "encode",
    "indexed_attribute",
    "make",
    "pack_item",
    "packed_or_none",
    "pack_uid",
]

#: FoundationDB's largest key, in bytes.
KEY_LIMIT = 10_000
#: FoundationDB's largest value, in bytes.
VALUE_LIMIT = 100_000

_ENTITY, _INDEX, _COUNT = 0, 1, 2


class EAVStore:
    """A handle over one entity-attribute-value store: its name, prefix and key subspaces.

    Build it with :func:`make`; it holds no connection and no state in the database, so making
    it is free and the same handle serves every database and transaction.

    Example::

        >>> store = make("docs", ("docs",), unindexed=["body"])
        >>> store.name, store.prefix, sorted(store.unindexed)
        ('docs', ('docs',), ['body'])
    """

    __slots__ = ("_unindexed_packed", "counts", "entities", "index", "name", "prefix", "unindexed")

    name: str
    prefix: tuple[Any, ...]
    unindexed: frozenset[Any]
    entities: bytes
    index: bytes
    counts: bytes
    _unindexed_packed: frozenset[bytes]

    def __init__(self, name: str, prefix: tuple[Any, ...], unindexed: frozenset[Any]) -> None:
        packed = _pack_tuple(prefix, "prefix")
        self.name = name
        self.prefix = prefix
        self.unindexed = unindexed
        self.entities = packed + found.pack((_ENTITY,))
        self.index = packed + found.pack((_INDEX,))
        self.counts = packed + found.pack((_COUNT,))
        self._unindexed_packed = frozenset(
            pack_item(a, "an unindexed attribute") for a in unindexed
        )

    def __repr__(self) -> str:
        extra = f", unindexed={sorted(map(repr, self.unindexed))}" if self.unindexed else ""
        return f"EAVStore(name={self.name!r}, prefix={self.prefix!r}{extra})"

    def is_indexed(self, packed_attribute: bytes) -> bool:
        """Whether the attribute (packed as ``pack((attribute,))``) has index rows and counts.

        Example::

            >>> make("docs", ("docs",), unindexed=["body"]).is_indexed(found.pack(("body",)))
            False
        """
        return packed_attribute not in self._unindexed_packed


def make(name: str, prefix: tuple[Any, ...], *, unindexed: Iterable[Any] = ()) -> EAVStore:
    """A handle over the eavstore called ``name``, stored under the tuple ``prefix``.

    ``name`` only serves messages and ``repr``. ``prefix`` is a tuple of values
    :func:`found.pack` accepts; two stores must not have prefixes where one extends the other.
    ``unindexed`` names attributes kept in the entities' rows only: they cost no index row and
    no count, may hold values up to 100,000 bytes, and cannot be queried or counted. Every
    handle over the same prefix must be made with the same ``unindexed``.

    Example::

        >>> store = make("synsets", ("wordnet", "synsets"), unindexed=["gloss"])
        >>> store.name
        'synsets'
    """
    if not isinstance(name, str):
        raise EAVStoreTypeError(f"name must be a str, got {type(name).__name__}: {name!r:.60}")
    if not isinstance(prefix, tuple):
        raise EAVStoreTypeError(
            f"prefix must be a tuple of packable values, got {type(prefix).__name__}: "
            f"{prefix!r:.60}"
        )
    if isinstance(unindexed, (str, bytes)):
        raise EAVStoreTypeError(
            f"unindexed must be a collection of attribute names, got the {type(unindexed).__name__}"
            f" {unindexed!r:.60}; write unindexed=[{unindexed!r:.60}]"
        )
    try:
        names = frozenset(unindexed)
    except TypeError:
        raise EAVStoreTypeError(
            "unindexed must be an iterable of hashable attribute names, got "
            f"{type(unindexed).__name__}: {unindexed!r:.60}"
        ) from None
    return EAVStore(name, prefix, names)


def check_store(store: object) -> EAVStore:
    """Return ``store`` if it is an :class:`EAVStore`, else raise naming what it is.

    Example::

        >>> check_store("people")
        Traceback (most recent call last):
        ...
        found_eavstore._errors.EAVStoreTypeError: store must be a handle from eavstore.make(), ...
    """
    if type(store) is EAVStore:
        return store
    if isinstance(store, EAVStore):
        return store
    raise EAVStoreTypeError(
        f"store must be a handle from eavstore.make(), got {type(store).__name__}: {store!r:.60}"
    )


def _pack_tuple(items: tuple[Any, ...], what: str) -> bytes:
    try:
        return found.pack(items)
    except (found.UsageError, found.FoundTypeError) as error:
        raise EAVStoreTypeError(f"{what} {items!r:.80} cannot be packed: {error}") from None


def pack_item(item: object, what: str) -> bytes:
    """``found.pack((item,))``, raising :class:`EAVStoreTypeError` naming ``what`` when the
    tuple layer refuses the item.

    Example::

        >>> pack_item("a", "value")
        b'\\x02a\\x00'
        >>> pack_item(object(), "the value of attribute 'x'")
        Traceback (most recent call last):
        ...
        found_eavstore._errors.EAVStoreTypeError: the value of attribute ... cannot be stored: ...
    """
    packed = packed_or_none(item)
    if packed is None:
        try:  # again, for the tuple layer's reason
            packed = found.pack((item,))
        except (found.UsageError, found.FoundTypeError) as error:
            raise EAVStoreTypeError(f"{what} {item!r:.80} cannot be stored: {error}") from None
    return packed


def packed_or_none(item: object) -> bytes | None:
    """``found.pack((item,))``, or None when the tuple layer refuses ``item``.

    Example::

        >>> packed_or_none("a"), packed_or_none(object())
        (b'\\x02a\\x00', None)
    """
    if type(item) is str and "\x00" not in item:
        try:  # the most common item, packed directly: code 0x02, UTF-8, a NUL
            return b"\x02" + item.encode() + b"\x00"
        except UnicodeEncodeError:
            return None  # a lone surrogate, which the tuple layer refuses too
    try:
        return found.pack((item,))
    except (found.UsageError, found.FoundTypeError):
        return None


def pack_uid(uid: object) -> bytes:
    """``found.pack((uid,))`` for a uid: any packable value but ``None``, which ``create``
    reads as "make a new UUID", so no entity can be stored under it.

    Example::

        >>> pack_uid(7)
        b'\\x15\\x07'
        >>> pack_uid(None)
        Traceback (most recent call last):
        ...
        found_eavstore._errors.EAVStoreUsageError: uid None is not a uid: ...
    """
    if type(uid) is uuid.UUID:
        return b"\x30" + uid.bytes  # the tuple layer's code for a UUID, then its 16 bytes
    if uid is None:
        raise EAVStoreUsageError(
            "uid None is not a uid: create(..., uid=None) makes a new UUID, so no entity is"
            " stored under None"
        )
    return pack_item(uid, "uid")


#: Decoded attribute names and values, by packed bytes: most entities share their attribute
#: names and many of their values, and a dict lookup costs a small fraction of an unpack.
MEMO: dict[bytes, Any] = {}
_MEMO_ENTRIES = 16_384
_MEMO_ITEM_BYTES = 64
# Only values nobody can change are shared between callers.
_IMMUTABLE = frozenset({str, bytes, int, float, bool, type(None), uuid.UUID})


def decode(packed: bytes) -> Any:
    """``found.unpack(packed)[0]``, remembered for short immutable values.

    Example::

        >>> decode(found.pack(("pos",))), decode(found.pack((1815,))), decode(found.pack((-1,)))
        ('pos', 1815, -1)
    """
    code = packed[0] if packed else -1
    if code == 0x02 and packed.find(b"\x00", 1) == len(packed) - 1:
        try:  # a string without NUL bytes, the most common value: decoded directly
            value: Any = packed[1:-1].decode()
        except UnicodeDecodeError:
            value = found.unpack(packed)[0]  # which says what is wrong
    elif 0x14 < code < 0x1D and len(packed) == code - 0x13:
        value = int.from_bytes(packed[1:], "big")  # a positive int: its bytes, big-endian
    else:
        value = found.unpack(packed)[0]
    if len(packed) <= _MEMO_ITEM_BYTES and type(value) in _IMMUTABLE:
        if len(MEMO) >= _MEMO_ENTRIES:
            MEMO.clear()
        MEMO[packed] = value
    return value


# Packed attribute names, by name: queries name the same few attributes over and over.
_PACKED_NAMES: dict[str, bytes] = {}


def indexed_attribute(store: EAVStore, attribute: object) -> bytes:
    """The packed attribute, after checking that ``store`` indexes it.

    Example::

        >>> indexed_attribute(make("docs", ("docs",), unindexed=["body"]), "body")
        Traceback (most recent call last):
        ...
        found_eavstore._errors.NotIndexedError: store 'docs': attribute 'body' is declared ...
    """
    if type(attribute) is str:  # the usual name: packed once (keyed by str only, so that
        packed = _PACKED_NAMES.get(attribute)  # 1, 1.0 and True never share an entry)
        if packed is None:
            packed = pack_item(attribute, "attribute")
            if len(_PACKED_NAMES) < _MEMO_ENTRIES:
                _PACKED_NAMES[attribute] = packed
    else:
        packed = pack_item(attribute, "attribute")
    if packed in store._unindexed_packed:
        raise NotIndexedError(
            f"store {store.name!r}: attribute {attribute!r:.80} is declared unindexed at make(),"
            " so it has no index rows to query or count"
        )
    return packed


def encode(
    store: EAVStore, uid: object, mapping: Mapping[Any, Any]
) -> tuple[bytes, dict[bytes, bytes]]:
    """Pack a uid and a mapping: ``(pack((uid,)), {pack((attribute,)): pack((value,))})``.

    Every row is checked against FoundationDB's limits first, so a write that cannot be stored
    raises before anything is written (:class:`TooLargeError`, :class:`IndexKeyTooLargeError`).

    Example::

        >>> puid, rows = encode(make("s", ("s",)), 7, {"name": "Ada"})
        >>> puid, rows
        (b'\\x15\\x07', {b'\\x02name\\x00': b'\\x02Ada\\x00'})
    """
    if not isinstance(mapping, Mapping):
        raise EAVStoreTypeError(
            f"mapping must be a Mapping of attributes to values, got {type(mapping).__name__}: "
            f"{mapping!r:.60}"
        )
    puid = pack_uid(uid)
    entity_room = KEY_LIMIT - len(store.entities) - len(puid)
    index_room = KEY_LIMIT - len(store.index) - len(puid)
    unindexed = store._unindexed_packed
    pack = found.pack
    rows: dict[bytes, bytes] = {}
    for attribute, value in mapping.items():
        try:
            pattr = pack((attribute,))
            pvalue = pack((value,))
        except (found.UsageError, found.FoundTypeError):
            pattr = pack_item(attribute, "attribute")
            pvalue = pack_item(value, f"the value of attribute {attribute!r:.80}")
        if len(pattr) > entity_room:
            raise TooLargeError(
                f"store {store.name!r}: attribute {attribute!r:.60} packs to {len(pattr)} bytes;"
                f" with the uid its row key would exceed FoundationDB's {KEY_LIMIT}-byte key"
                " limit"
            )
        if len(pvalue) > VALUE_LIMIT:
            raise TooLargeError(
                f"store {store.name!r}: the value of attribute {attribute!r:.60} packs to "
                f"{len(pvalue)} bytes, over FoundationDB's {VALUE_LIMIT}-byte value limit"
            )
        if len(pattr) + len(pvalue) > index_room and pattr not in unindexed:
            raise IndexKeyTooLargeError(
                f"store {store.name!r}: the value of attribute {attribute!r:.60} packs to "
                f"{len(pvalue)} bytes; its index key would be "
                f"{KEY_LIMIT - index_room + len(pattr) + len(pvalue)} bytes, over FoundationDB's"
                f" {KEY_LIMIT}-byte key limit. Declare the attribute unindexed"
                f" (eavstore.make(..., unindexed=[{attribute!r:.60}])) to store values up to"
                f" {VALUE_LIMIT} bytes"
            )
        rows[pattr] = pvalue
    return puid, rows

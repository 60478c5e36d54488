"""The bstore handle, its key layout, and the blob record (what a uid points to).

Identity
--------
A blob's content hash is its SHA-256 digest, and its uid is the ``uuid.UUID`` made of the
digest's first 16 bytes. The same bytes therefore get the same uid in every store and every
database, whether stored by ``get_or_create`` or ``put``. The record keeps the full 32-byte
digest: storing different bytes whose digests share those 16 bytes raises instead of merging
them (finding such a pair takes about 2**64 hash evaluations).

Key layout
----------
A store made with ``make(name, prefix)`` owns the keys below ``found.pack(prefix)``::

    (*prefix, "m", uid)               -> record: 85 bytes, big-endian: format (1, one byte),
                                         size (8), chunk_size (4), sha256 (32), data_id (16),
                                         references (8, signed), last_op (16)
    (*prefix, "d", data_id, index)    -> chunk ``index`` of the bytes (chunk_size bytes each,
                                         the last one shorter; an empty blob has none)
    (*prefix, "u", data_id)           -> pack((started, heartbeat, bytes_staged)): an upload by
                                         ``put`` in progress (its chunks are staged, unpublished)
    (*prefix, "z", uid)               -> b"": the record's references fell to zero; ``gc``
                                         removes the record and its chunks
    (*prefix, "g", run_id)            -> pack((batch, read_version)): a ``gc`` run in progress
                                         and its last batch (see ``_gc``); cleared when the
                                         run ends, or by a later run once a minute old

``data_id`` is a random UUID given to each copy of the bytes when they are written. The record
points at the copy that holds the blob, so ``put`` can write its chunks over many transactions
under a fresh ``data_id`` (the *staging area*: chunks no record points to) and publish them in
one last transaction that writes the record. Readers find chunks only through a record, so they
never see part of a blob. ``last_op`` is the random id of the last operation that changed the
record; after an ambiguous commit (1021 ``commit_unknown_result``) ``put`` and ``delete`` read it
to tell whether their change was applied, so references are counted exactly.

A record with zero references stays until ``gc``: it is invisible (``get``, ``read``, ``stat``
and ``delete`` raise :class:`BlobNotFound`), and storing the same bytes again revives it without
writing them again.

Example::

    >>> files = make("files", ("app", "files"))
    >>> files.chunk_size
    98304
    >>> files.meta_key(uid_for(b"")) == found.pack(("app", "files", "m", uid_for(b"")))
    True
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import found
from found_bstore._errors import BlobCorrupted, BStoreTypeError, BStoreValueError

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "MAX_CHUNK_SIZE",
    "BStore",
    "Record",
    "Stat",
    "check_store",
    "check_uid",
    "decode_record",
    "encode_record",
    "make",
    "show",
    "uid_for",
]

#: Bytes per chunk (96 KiB): under FoundationDB's 100,000-byte value limit, and large enough
#: that a chunk costs one key for a lot of bytes.
DEFAULT_CHUNK_SIZE = 98_304
#: FoundationDB refuses values larger than this.
MAX_CHUNK_SIZE = 100_000
#: The first item of a record: the layout above, with SHA-256.
_FORMAT = 1
ALGORITHM = "sha256"


def show(value: object, width: int = 60) -> str:
    """``repr(value)`` cut to ``width`` characters, for error messages.

    >>> show("x" * 100, 10)
    "'xxxxxx..."
    """
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def uid_for(data: bytes | bytearray | memoryview) -> uuid.UUID:
    """The uid bstore gives ``data``: a UUID made of the first 16 bytes of its SHA-256.

    It needs no database: two stores holding the same bytes agree on their uid.

    >>> uid_for(b"hello")
    UUID('2cf24dba-5fb0-a30e-26e8-3b2ac5b9e29e')
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise BStoreTypeError(f"data must be bytes-like, got {type(data).__name__}: {show(data)}")
    return uuid.UUID(bytes=hashlib.sha256(data).digest()[:16])


class Record(NamedTuple):
    """The record a uid points to (see the key layout above)."""

    size: int
    chunk_size: int
    digest: bytes
    data_id: uuid.UUID
    references: int
    last_op: uuid.UUID

    @property
    def chunks(self) -> int:
        """How many chunks hold the blob.

        >>> Record(10, 4, b"", uuid.UUID(int=0), 1, uuid.UUID(int=0)).chunks
        3
        """
        return -(-self.size // self.chunk_size)

    def chunk_length(self, index: int) -> int:
        """The length chunk ``index`` must have (every chunk is full but the last).

        >>> Record(10, 4, b"", uuid.UUID(int=0), 1, uuid.UUID(int=0)).chunk_length(2)
        2
        """
        return min(self.chunk_size, self.size - index * self.chunk_size)


# format (1), size, chunk_size, sha256, data_id, references, last_op: 85 bytes, big-endian.
_RECORD = struct.Struct(">BQI32s16sq16s")


def encode_record(record: Record) -> bytes:
    """The value stored under a record key (a fixed 85-byte layout, fast to read).

    >>> r = Record(3, 4, bytes(32), uuid.UUID(int=1), 2, uuid.UUID(int=3))
    >>> value = encode_record(r)
    >>> len(value), decode_record(value, None, uuid.UUID(int=0)) == r
    (85, True)
    """
    size, chunk_size, digest, data_id, references, last_op = record
    return _RECORD.pack(_FORMAT, size, chunk_size, digest, data_id.bytes, references, last_op.bytes)


def decode_record(value: bytes, store: BStore | None, uid: uuid.UUID) -> Record:
    """Read a record back; a value bstore did not write raises :class:`BlobCorrupted`.

    >>> decode_record(b"\\x07", None, uuid.UUID(int=0))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    found_bstore._errors.BlobCorrupted: blob 00000000-...: unreadable record b'\\x07'
    """
    if len(value) == _RECORD.size and value[0] == _FORMAT:
        _, size, chunk_size, digest, data_id, references, last_op = _RECORD.unpack(value)
        if 0 < chunk_size <= MAX_CHUNK_SIZE:
            return Record(
                size, chunk_size, digest, uuid.UUID(bytes=data_id), references,
                uuid.UUID(bytes=last_op),
            )  # fmt: skip
    what = store.what(uid) if store is not None else f"blob {uid}"
    raise BlobCorrupted(f"{what}: unreadable record {show(value, 40)}")


@dataclass(frozen=True)
class Stat:
    """What :func:`found_bstore.stat` tells about a blob.

    ``digest`` is the SHA-256 of the bytes (``uid`` is its first 16 bytes), ``references`` how
    many ``get_or_create``/``put`` calls stored it minus the ``delete`` calls.

    >>> s = Stat(uuid.UUID(int=0), 5, bytes(32), 1, 98304)
    >>> s.hexdigest[:8], s.algorithm
    ('00000000', 'sha256')
    """

    uid: uuid.UUID
    size: int
    digest: bytes
    references: int
    chunk_size: int
    algorithm: str = ALGORITHM

    @property
    def hexdigest(self) -> str:
        """The digest in hexadecimal, as ``sha256sum`` prints it."""
        return self.digest.hex()


class BStore:
    """A handle over a blob store: its name, key prefix and chunk size.

    Build it with :func:`make`; it holds no connection and can be shared freely.

    >>> make("files", ("app",))
    <bstore 'files' prefix=('app',) chunk_size=98304>
    """

    __slots__ = ("_data", "_dead", "_gc", "_meta", "_upload", "chunk_size", "name", "prefix")

    name: str
    prefix: tuple[Any, ...]
    chunk_size: int

    def __init__(self, name: str, prefix: tuple[Any, ...], chunk_size: int) -> None:
        self.name = name
        self.prefix = prefix
        self.chunk_size = chunk_size
        self._meta = found.pack((*prefix, "m"))
        self._data = found.pack((*prefix, "d"))
        self._upload = found.pack((*prefix, "u"))
        self._dead = found.pack((*prefix, "z"))
        self._gc = found.pack((*prefix, "g"))

    # Keys. The tuple layer packs a tuple as the concatenation of its items, so each key is
    # the subspace's packed head followed by the packed rest.
    def meta_key(self, uid: uuid.UUID) -> bytes:
        """The key of the record of ``uid``."""
        return self._meta + found.pack((uid,))

    def data_prefix(self, data_id: uuid.UUID) -> bytes:
        """The prefix of every chunk key of the copy ``data_id``."""
        return self._data + found.pack((data_id,))

    def data_range(self, data_id: uuid.UUID) -> tuple[bytes, bytes]:
        """``[begin, end)`` holding every chunk of the copy ``data_id``."""
        head = self.data_prefix(data_id)
        return head, head + b"\xff"

    def upload_key(self, data_id: uuid.UUID) -> bytes:
        """The key that marks the copy ``data_id`` as an upload in progress."""
        return self._upload + found.pack((data_id,))

    def upload_range(self) -> tuple[bytes, bytes]:
        """``[begin, end)`` of every upload marker."""
        return self._upload, self._upload + b"\xff"

    def dead_key(self, uid: uuid.UUID) -> bytes:
        """The key that marks the record of ``uid`` as holding no reference."""
        return self._dead + found.pack((uid,))

    def dead_range(self) -> tuple[bytes, bytes]:
        """``[begin, end)`` of every zero-reference marker."""
        return self._dead, self._dead + b"\xff"

    def gc_key(self, run_id: uuid.UUID) -> bytes:
        """The key where the ``gc`` run ``run_id`` notes its last batch."""
        return self._gc + found.pack((run_id,))

    def gc_range(self) -> tuple[bytes, bytes]:
        """``[begin, end)`` of every ``gc`` run's note."""
        return self._gc, self._gc + b"\xff"

    def what(self, uid: uuid.UUID) -> str:
        """How error messages name a blob."""
        return f"bstore {self.name!r}: blob {uid}"

    def __repr__(self) -> str:
        return f"<bstore {self.name!r} prefix={self.prefix!r} chunk_size={self.chunk_size}>"


def make(
    name: str,
    prefix: tuple[Any, ...] | Sequence[Any],
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> BStore:
    """A handle over the blob store called ``name`` under ``prefix``.

    ``name`` only helps debugging; ``prefix`` is a tuple (or list) the tuple layer can pack:
    the store owns every key below ``found.pack(prefix)``. ``chunk_size`` is how many bytes
    each key holds for blobs stored through this handle (at most 100,000, FoundationDB's value
    limit); each blob remembers its own, so handles with other chunk sizes still read it.

    >>> files = make("files", ["app", "files"])
    >>> files.prefix
    ('app', 'files')
    >>> make("files", ("app",), chunk_size=200_000)
    Traceback (most recent call last):
    ...
    found_bstore._errors.BStoreValueError: bstore 'files': chunk_size must be 1..100000, got 200000
    """
    if not isinstance(name, str):
        raise BStoreTypeError(f"bstore name must be a str, got {type(name).__name__}: {show(name)}")
    if isinstance(prefix, list):
        prefix = tuple(prefix)
    if not isinstance(prefix, tuple):
        raise BStoreTypeError(
            f"bstore {name!r}: prefix must be a tuple of packable items, "
            f"got {type(prefix).__name__}: {show(prefix)}"
        )
    try:
        found.pack(prefix)
    except (ValueError, TypeError) as error:
        raise BStoreTypeError(
            f"bstore {name!r}: prefix {show(prefix)} cannot be packed by the tuple layer: {error}"
        ) from None
    if not isinstance(chunk_size, int) or isinstance(chunk_size, bool):
        raise BStoreTypeError(
            f"bstore {name!r}: chunk_size must be an int, got {type(chunk_size).__name__}"
        )
    if not 0 < chunk_size <= MAX_CHUNK_SIZE:
        raise BStoreValueError(
            f"bstore {name!r}: chunk_size must be 1..{MAX_CHUNK_SIZE}, got {chunk_size}"
        )
    return BStore(name, prefix, chunk_size)


def check_store(store: object) -> BStore:
    """``store`` itself when it is a handle from :func:`make`, else :class:`BStoreTypeError`.

    >>> check_store("files")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    found_bstore._errors.BStoreTypeError: store must be a handle from bstore.make(), got str: ...
    """
    if not isinstance(store, BStore):
        raise BStoreTypeError(
            f"store must be a handle from bstore.make(), got {type(store).__name__}: {show(store)}"
        )
    return store


def check_uid(uid: object) -> uuid.UUID:
    """``uid`` itself when it is a ``uuid.UUID`` (what bstore returns), else an error.

    >>> check_uid("2cf24dba")
    Traceback (most recent call last):
    ...
    found_bstore._errors.BStoreTypeError: uid must be a uuid.UUID, got str: '2cf24dba'
    """
    if not isinstance(uid, uuid.UUID):
        raise BStoreTypeError(f"uid must be a uuid.UUID, got {type(uid).__name__}: {show(uid)}")
    return uid

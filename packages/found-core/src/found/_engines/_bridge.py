"""The bridge from FoundationDB's futures to asyncio.

The official bindings complete a future by calling, on FoundationDB's network thread (or on the
calling thread when the future is already ready), the callback given to ``future.on_ready(cb)``.
That thread must never run Python-heavy work: it serves every transaction of the process. So the
callback here does one thing, ``loop.call_soon_threadsafe(deliver)``, and ``deliver`` runs on the
event loop that asked: it calls the future's ``wait()`` (which no longer blocks: the future is
ready) and whatever decoding the caller gave, and settles the asyncio future.

Rules this module keeps, with the reason for each:

* The loop is looked up per call (``asyncio.get_running_loop()``), never cached: the network thread
  starts once per process and serves one event loop after another (``asyncio.run`` twice).
* An asyncio future that is already done when ``deliver`` runs (its waiting task was cancelled) is
  left alone; cancelling the asyncio future also cancels the FoundationDB future
  (``fdb_future_cancel``), so the cluster can drop the work and a watch frees its slot.
* A completion that arrives after its loop was closed is dropped: ``call_soon_threadsafe`` raises
  ``RuntimeError`` then, and nothing may raise on the network thread (the bindings would print the
  exception to stderr).
* ``FDBError`` becomes found's class for its code (:func:`found._errors.error_for`), for results
  and for synchronous calls (:func:`translated`).

Example (``fdb_future`` is any object with ``on_ready``, ``wait`` and ``cancel``, as the bindings'
futures are)::

    >>> async def read(tr, key):
    ...     return await to_asyncio(tr.get(key), value_of)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

from found._errors import FoundException, UsageError, error_for

__all__ = [
    "found_error",
    "is_fdb_error",
    "result_of",
    "to_asyncio",
    "translated",
    "value_of",
]

T = TypeVar("T")


def is_fdb_error(error: BaseException) -> bool:
    """Whether ``error`` is the bindings' ``FDBError`` (an exception class of that name with an
    integer ``code``); found never imports the bindings just to check.

    >>> class FDBError(Exception):
    ...     code = 1020
    >>> is_fdb_error(FDBError()), is_fdb_error(ValueError())
    (True, False)
    """
    if isinstance(error, FoundException):
        return False
    code = getattr(error, "code", None)
    if type(code) is not int:
        return False
    return any(cls.__name__ == "FDBError" for cls in type(error).__mro__)


def found_error(error: BaseException) -> BaseException:
    """``error`` as found raises it: an ``FDBError`` becomes found's class for its code (the
    original is kept as ``__cause__``); anything else is returned unchanged.

    >>> class FDBError(Exception):
    ...     def __init__(self, code):
    ...         self.code = code
    >>> found_error(FDBError(1020))
    NotCommitted(1020)
    """
    if not is_fdb_error(error):
        return error
    converted = error_for(error.code)  # type: ignore[attr-defined]
    converted.__cause__ = error
    return converted


@contextmanager
def translated() -> Iterator[None]:
    """Run a synchronous call of the bindings, raising found's error class for an ``FDBError``.

    >>> class FDBError(Exception):
    ...     def __init__(self, code):
    ...         self.code = code
    >>> try:
    ...     with translated():
    ...         raise FDBError(2007)
    ... except Exception as e:
    ...     print(repr(e))
    InvalidOption(2007)
    """
    try:
        yield
    except Exception as error:
        if is_fdb_error(error):
            raise found_error(error) from error
        raise


def result_of(fdb_future: Any) -> Any:
    """Decode a ready future of the bindings whose ``wait()`` returns the value (``FutureVoid``,
    ``FutureInt64``, ``FutureKeyValueArray``).

    >>> class Ready:
    ...     def wait(self):
    ...         return 7
    >>> result_of(Ready())
    7
    """
    return fdb_future.wait()


def value_of(fdb_future: Any) -> Any:
    """Decode a ready ``Value`` or ``Key`` future of the bindings: ``wait()`` fills ``.value``
    (``bytes``, or ``None`` for an absent key).

    >>> class Ready:
    ...     value = b"v"
    ...     def wait(self):
    ...         return self
    >>> value_of(Ready())
    b'v'
    """
    fdb_future.wait()
    return fdb_future.value


def _running_loop() -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise UsageError(
            "FoundationDB operations must be called from a coroutine running in an asyncio event "
            "loop (for instance under asyncio.run)"
        ) from None


def to_asyncio(
    fdb_future: Any, decode: Callable[[Any], T], *, quiet: bool = False
) -> asyncio.Future[T]:
    """An asyncio future of the running loop that settles with ``decode(fdb_future)`` once the
    bindings' future is ready, or with found's error for its ``FDBError``.

    ``decode`` runs on the event loop's thread. ``quiet=True`` marks a failure as retrieved, for
    futures nobody may await (watches, versionstamps, prefetched range batches), so asyncio does
    not log "exception was never retrieved". Cancelling the returned future cancels
    ``fdb_future``.

    >>> async def commit(tr):
    ...     await to_asyncio(tr.commit(), result_of)
    """
    loop = _running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def deliver() -> None:
        # On the loop's thread. A task that stopped waiting cancelled `future`: leave it alone.
        if future.done():
            return
        try:
            value = decode(fdb_future)
        except Exception as error:
            failure = found_error(error)
            if isinstance(failure, StopIteration):  # asyncio refuses to store StopIteration
                failure = RuntimeError(f"decoding a FoundationDB future raised {failure!r}")
            future.set_exception(failure)
            if quiet:
                future.exception()
        else:
            future.set_result(value)

    def ready(_: Any) -> None:
        # On FoundationDB's network thread: hand over to the loop and return at once.
        # RuntimeError: the loop is closed, so nobody can be waiting any more.
        with suppress(RuntimeError):
            loop.call_soon_threadsafe(deliver)

    def done(settled: asyncio.Future[T]) -> None:
        if settled.cancelled():
            with suppress(Exception):  # best effort: the outcome no longer matters
                fdb_future.cancel()

    future.add_done_callback(done)
    with translated():
        fdb_future.on_ready(ready)
    return future

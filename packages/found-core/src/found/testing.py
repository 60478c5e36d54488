"""Testing helpers: a clock you can move, and fault and latency injection.

>>> import asyncio, found, found.testing
>>> async def main():
...     clock = found.testing.SteppingClock()
...     async with await found.open("memory://", clock=clock) as db:
...         tx = db.create_transaction()
...         await found.get(tx, b"k")
...         clock.advance(6)                      # past FoundationDB's five seconds
...         try:
...             await found.get(tx, b"other")
...         except found.TransactionTooOld as error:
...             return error.code
>>> asyncio.run(main())
1007

Fault injection lives on embedded databases (``found.testing.faults(db)``): see
:class:`found._engines._testing.Testing` for the knobs (conflicts, ``commit_unknown_result``,
``transaction_too_old``, latency, and the sequential round-trip counter).
"""

from __future__ import annotations

import time
from typing import Any

from found._engines._testing import Testing
from found._errors import UsageError

__all__ = ["SteppingClock", "Testing", "faults"]


class SteppingClock:
    """A wall clock that tests can move forward with :meth:`advance` (never backwards).

    >>> clock = SteppingClock()
    >>> before = clock(); clock.advance(10); clock() - before >= 10
    True
    """

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the clock ``seconds`` forward."""
        if seconds < 0:
            raise UsageError(f"a clock only moves forward; got {seconds!r} seconds")
        self.offset += seconds


def faults(db: Any) -> Testing:
    """The fault and latency knobs of an embedded database.

    >>> import asyncio, found, found.testing
    >>> async def main():
    ...     async with await found.open("memory://") as db:
    ...         knobs = found.testing.faults(db)
    ...         knobs.conflict_rate = 1.0
    ...         try:
    ...             await found.transactional(db, found.set, b"k", b"v", retry_limit=2)
    ...         except found.NotCommitted:
    ...             return "three attempts, three conflicts"
    >>> asyncio.run(main())
    'three attempts, three conflicts'
    """
    testing = getattr(db, "testing", None)
    if not isinstance(testing, Testing):
        raise UsageError(
            f"fault injection needs an embedded database (memory:// or sqlite://), got {db!r}"
        )
    return testing

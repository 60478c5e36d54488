"""Streaming modes of range reads, with FoundationDB's codes.

A mode only changes how a range read is cut into batches, never which pairs it returns:
``WANT_ALL`` fetches big batches at once, ``ITERATOR`` (the default) starts small and grows,
``EXACT`` fetches exactly ``limit`` pairs (and needs one), ``SMALL``/``MEDIUM``/``LARGE``/``SERIAL``
use fixed sizes.
"""

from __future__ import annotations

from found._errors import error_for

__all__ = [
    "STREAMING_MODE_EXACT",
    "STREAMING_MODE_ITERATOR",
    "STREAMING_MODE_LARGE",
    "STREAMING_MODE_MEDIUM",
    "STREAMING_MODE_SERIAL",
    "STREAMING_MODE_SMALL",
    "STREAMING_MODE_WANT_ALL",
    "STREAMING_MODES",
    "batch_rows",
]

STREAMING_MODE_WANT_ALL = -2
STREAMING_MODE_ITERATOR = -1
STREAMING_MODE_EXACT = 0
STREAMING_MODE_SMALL = 1
STREAMING_MODE_MEDIUM = 2
STREAMING_MODE_LARGE = 3
STREAMING_MODE_SERIAL = 4

STREAMING_MODES = frozenset(range(-2, 5))

# FoundationDB sizes batches in bytes (fdb_c.cpp); the embedded engines count rows, assuming
# pairs of about 40 bytes, and cap a batch so that one never blocks the event loop for long.
_ITERATOR_ROWS = (100, 150, 230, 350, 520, 780, 1170, 1750, 2000, 3000)
_FIXED_ROWS = {
    STREAMING_MODE_WANT_ALL: 4000,
    STREAMING_MODE_SMALL: 8,
    STREAMING_MODE_MEDIUM: 25,
    STREAMING_MODE_LARGE: 100,
    STREAMING_MODE_SERIAL: 2000,
}


def batch_rows(mode: int, iteration: int, remaining: int) -> int:
    """How many rows the next batch of a range read asks for (``remaining`` < 0: no limit).

    >>> batch_rows(STREAMING_MODE_ITERATOR, 1, -1), batch_rows(STREAMING_MODE_EXACT, 1, 7)
    (100, 7)
    """
    if mode == STREAMING_MODE_EXACT:
        rows = remaining if remaining > 0 else 4000
    elif mode == STREAMING_MODE_ITERATOR:
        rows = _ITERATOR_ROWS[min(iteration, len(_ITERATOR_ROWS)) - 1]
    elif mode in _FIXED_ROWS:
        rows = _FIXED_ROWS[mode]
    else:
        raise error_for(2000)
    if remaining > 0:
        rows = min(rows, remaining)
    return max(rows, 1)

"""Fault and latency injection for the embedded engines, and a round-trip counter.

A single process never sees a conflict storm, a lost commit acknowledgement or a slow network,
yet code that runs on FoundationDB must survive all three. Every embedded database carries a
:class:`Testing` object (``db.testing``) that makes them happen on purpose:

>>> from found._engines._testing import Testing
>>> t = Testing(seed=1)
>>> t.conflict_rate = 0.5        # half the commits fail with 1020, writing nothing
>>> t.unknown_result_rate = 0.1  # a tenth are applied, then reported as 1021
>>> t.too_old_rate = 0.05        # one attempt in twenty grows too old: its reads fail with 1007
>>> t.read_latency = 0.001       # every read waits a millisecond
>>> t.round_trips
0

``round_trips`` counts *sequential* round trips: a read that starts while another is in flight
joins its round trip, so code that issues reads concurrently counts once per wave. It is only
meaningful with some latency injected (without latency no two reads overlap).
"""

from __future__ import annotations

import asyncio
import random

__all__ = ["Testing"]


class Testing:
    """Knobs for injected faults and latency; all off by default."""

    def __init__(self, seed: int | None = None) -> None:
        self.conflict_rate = 0.0
        self.unknown_result_rate = 0.0
        self.too_old_rate = 0.0
        self.read_latency = 0.0
        self.commit_latency = 0.0
        self.round_trips = 0
        self.reads = 0
        self.commits = 0
        self._inflight = 0
        self._random = random.Random(seed)

    def reset_counters(self) -> None:
        """Set ``round_trips``, ``reads`` and ``commits`` back to zero."""
        self.round_trips = 0
        self.reads = 0
        self.commits = 0

    def chance(self, rate: float) -> bool:
        """Draw whether an event of probability ``rate`` happens."""
        return rate > 0 and self._random.random() < rate

    async def round_trip(self, kind: str) -> None:
        """Account for one request to the (imaginary) cluster and wait the injected latency."""
        latency = self.count(kind)
        if latency > 0:
            await self.wait(latency)

    def count(self, kind: str) -> float:
        """Account for one request (``"grv"``, ``"read"`` or ``"commit"``); its latency."""
        if kind == "commit":
            self.commits += 1
            latency = self.commit_latency
        else:
            if kind == "read":
                self.reads += 1
            latency = self.read_latency
        if self._inflight == 0:
            self.round_trips += 1
        return latency

    async def wait(self, latency: float) -> None:
        """Wait ``latency`` seconds as a request in flight (others join its round trip)."""
        self._inflight += 1
        try:
            await asyncio.sleep(latency)
        finally:
            self._inflight -= 1

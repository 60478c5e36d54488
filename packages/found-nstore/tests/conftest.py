"""Fixtures of nstore's tests: a store prefix inside the isolated key prefix of each test."""

from __future__ import annotations

from typing import Any

import pytest

import found


@pytest.fixture
def prefix(found_prefix: bytes) -> tuple[Any, ...]:
    """``found_prefix`` as a tuple: stores made under it are cleared after the test."""
    return found.unpack(found_prefix)


@pytest.fixture
def quiet_faults(found_faults: Any) -> Any:
    """The fault knobs with faults off, so that counted reads and round trips are exact."""
    found_faults.conflict_rate = 0.0
    found_faults.unknown_result_rate = 0.0
    found_faults.too_old_rate = 0.0
    found_faults.read_latency = 0.0
    found_faults.commit_latency = 0.0
    found_faults.reset_counters()
    return found_faults

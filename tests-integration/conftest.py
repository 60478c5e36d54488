"""Shared set-up of the integration tests: hypothesis profiles and fault-injection access.

Hypothesis profiles (chosen with ``FOUND_HYPOTHESIS_PROFILE``; nox sets ``ci`` on CI):

* ``default``: few examples, so a local run of the whole suite stays fast;
* ``ci``: more examples, derandomized so that a red build can be reproduced;
* ``thorough``: many examples, for a hunt on a developer's machine.

The database fixtures themselves (``found_db``, ``found_prefix``, ``found_clock``) come from
found's pytest plugin (``found.pytest_plugin``), registered by installing found-core.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

import found
import found.testing

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]

settings.register_profile("default", max_examples=50, deadline=None, suppress_health_check=_SLOW_OK)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=_SLOW_OK,
)
settings.register_profile(
    "thorough", max_examples=2000, deadline=None, suppress_health_check=_SLOW_OK
)
settings.load_profile(os.environ.get("FOUND_HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def found_faults(
    found_db: found.Database, found_prefix: bytes, found_engine: str
) -> Iterator[found.testing.Testing]:
    """The fault-injection knobs of the embedded ``found_db``; skips on FoundationDB.

    Every knob is turned off again after the test, before ``found_prefix`` is cleaned up.
    """
    if found_engine == "fdb":
        pytest.skip("fault injection exists only on the embedded engines")
    knobs = found.testing.faults(found_db)
    yield knobs
    knobs.conflict_rate = knobs.unknown_result_rate = knobs.too_old_rate = 0.0
    knobs.read_latency = knobs.commit_latency = 0.0


@pytest.fixture
def found_default_options(found_db: found.Database, found_prefix: bytes) -> Iterator[None]:
    """Put the database options a test changed back to FoundationDB's defaults afterwards.

    Needed on FoundationDB, where every test shares one database handle; it runs before
    ``found_prefix`` is cleaned up, so a tiny timeout or retry limit cannot break the clean-up.
    (The snapshot-RYW counter cannot be reset this way: a test that moves it moves it back.)
    """
    yield
    found_db.options.set_transaction_retry_limit(-1)
    found_db.options.set_transaction_timeout(0)
    found_db.options.set_transaction_max_retry_delay(1000)
    found_db.options.set_transaction_size_limit(10_000_000)
    found_db.options.set_max_watches(10_000)

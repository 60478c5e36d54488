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
def found_faults(found_db: found.Database, found_engine: str) -> found.testing.Testing:
    """The fault-injection knobs of the embedded ``found_db``; skips on FoundationDB."""
    if found_engine == "fdb":
        pytest.skip("fault injection exists only on the embedded engines")
    return found.testing.faults(found_db)

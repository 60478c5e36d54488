"""found's pytest plugin: a database per engine and an isolated key prefix per test.

It is registered through the ``pytest11`` entry point, so installing found-core is enough.

Fixtures:

* ``found_db``: an open database, once per selected engine (the test is parametrized). Engines
  are chosen with ``--found-engines=memory,sqlite,fdb`` or the ``FOUND_TEST_ENGINES``
  environment variable (default ``memory,sqlite``). ``fdb`` uses ``FDB_CLUSTER_FILE``; without
  it (or without the client library) those tests are *skipped* with the reason, never faked.
* ``found_prefix``: a fresh tuple-packed key prefix; the test should write only below it, and
  it is cleared after the test (nothing outside it is ever touched).
* ``found_clock``: the :class:`found.testing.SteppingClock` of an embedded ``found_db``
  (tests using it are skipped on FoundationDB, whose clock cannot be moved).
* ``found_engine``: the engine name of the current parameter.
* ``found_faults``: the fault-injection knobs (:class:`found.testing.Testing`) of an embedded
  ``found_db`` (skipped on FoundationDB).

``--found-faults=conflict=0.1,unknown_result=0.05,too_old=0.02,read_latency=0.001`` (or the
``FOUND_TEST_FAULTS`` environment variable) makes every embedded ``found_db`` inject those faults,
so a whole test suite can be run against conflicts, lost commit acknowledgements and
``transaction_too_old``: code that retries correctly keeps passing.

Write tests as plain ``async def`` with pytest-asyncio (or any async runner): the fixtures
themselves are synchronous.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from found._open import open_now
from found._tuple import pack
from found.testing import SteppingClock, Testing, faults

__all__ = ["ENGINES_ENV", "FAULTS_ENV", "parse_faults", "selected_engines"]

ENGINES_ENV = "FOUND_TEST_ENGINES"
FAULTS_ENV = "FOUND_TEST_FAULTS"
_FAULT_KNOBS = {
    "conflict": "conflict_rate",
    "unknown_result": "unknown_result_rate",
    "too_old": "too_old_rate",
    "read_latency": "read_latency",
    "commit_latency": "commit_latency",
}
_KNOWN = ("memory", "sqlite", "fdb")


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--found-engines``."""
    group = parser.getgroup("found")
    group.addoption(
        "--found-engines",
        default=None,
        help="comma-separated engines for the found_db fixture: memory,sqlite,fdb "
        f"(default: ${ENGINES_ENV} or memory,sqlite)",
    )
    group.addoption(
        "--found-faults",
        default=None,
        help="faults every embedded found_db injects, e.g. conflict=0.1,unknown_result=0.05,"
        f"too_old=0.02,read_latency=0.001,commit_latency=0.001 (default: ${FAULTS_ENV})",
    )


def parse_faults(spec: str) -> dict[str, float]:
    """``"conflict=0.1,read_latency=0.001"`` as knob names and values.

    >>> parse_faults("conflict=0.1, unknown_result=0.05")
    {'conflict_rate': 0.1, 'unknown_result_rate': 0.05}
    """
    knobs: dict[str, float] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in _FAULT_KNOBS:
            raise pytest.UsageError(
                f"bad fault {part.strip()!r}; use NAME=NUMBER with NAME among "
                + ", ".join(_FAULT_KNOBS)
            )
        try:
            number = float(value)
        except ValueError:
            raise pytest.UsageError(f"fault {name} needs a number, got {value!r}") from None
        if number < 0 or (name not in ("read_latency", "commit_latency") and number > 1):
            raise pytest.UsageError(f"fault {name}={number} is out of range")
        knobs[_FAULT_KNOBS[name]] = number
    return knobs


def pytest_configure(config: pytest.Config) -> None:
    """Check ``--found-engines`` and ``--found-faults`` once, before any test runs."""
    selected_engines(config)
    spec = config.getoption("--found-faults", None) or os.environ.get(FAULTS_ENV)
    if spec:
        parse_faults(spec)


def selected_engines(config: pytest.Config) -> list[str]:
    """The engines chosen by the option or the environment."""
    raw = config.getoption("--found-engines") or os.environ.get(ENGINES_ENV) or "memory,sqlite"
    engines = [e.strip() for e in raw.split(",") if e.strip()]
    unknown = [e for e in engines if e not in _KNOWN]
    if unknown:
        raise pytest.UsageError(
            f"unknown found engine(s) {unknown}; choose among {', '.join(_KNOWN)}"
        )
    return engines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize every test that uses ``found_engine`` (and so ``found_db``)."""
    if "found_engine" in metafunc.fixturenames:
        metafunc.parametrize("found_engine", selected_engines(metafunc.config), scope="function")


@pytest.fixture
def found_clock(found_engine: str) -> SteppingClock:
    """A clock the embedded database follows; skips on FoundationDB."""
    if found_engine == "fdb":
        pytest.skip("FoundationDB's clock cannot be moved by a test")
    return SteppingClock()


def _fdb_target() -> str:
    cluster_file = os.environ.get("FDB_CLUSTER_FILE")
    if not cluster_file:
        pytest.skip("FoundationDB engine: no FDB_CLUSTER_FILE set, so no cluster to test")
    return "fdb://" + cluster_file


@pytest.fixture
def found_db(found_engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """An open database on the current engine, closed after the test."""
    if found_engine == "fdb":
        from found._engines._fdb import FoundationDBUnavailable

        try:
            db = open_now(_fdb_target())
        except FoundationDBUnavailable as error:
            pytest.skip(f"FoundationDB engine unavailable: {error}")
    else:
        clock = (
            request.getfixturevalue("found_clock")
            if "found_clock" in request.fixturenames
            else None
        )
        target = "memory://" if found_engine == "memory" else f"sqlite://{tmp_path / 'db.found'}"
        db = open_now(target, clock=clock)
        spec = request.config.getoption("--found-faults") or os.environ.get(FAULTS_ENV)
        if spec:
            testing = faults(db)
            for knob, value in parse_faults(spec).items():
                setattr(testing, knob, value)
    yield db
    _close(db)


def _close(db: Any) -> None:
    close = db.close()
    try:
        close.send(None)
    except StopIteration:
        return
    # The close needed the event loop after all: finish it properly.
    close.close()
    asyncio.run(db.close())


@pytest.fixture
def found_faults(found_db: Any, found_engine: str) -> Testing:
    """The fault-injection knobs of the embedded ``found_db``; skips on FoundationDB."""
    if found_engine == "fdb":
        pytest.skip("fault injection needs an embedded engine")
    return faults(found_db)


@pytest.fixture
def found_prefix(request: pytest.FixtureRequest) -> Iterator[bytes]:
    """A key prefix no other test uses; cleared after the test when ``found_db`` is used."""
    prefix = pack(("found-test", uuid.uuid4().hex))
    yield prefix
    if "found_db" in request.fixturenames:
        db = request.getfixturevalue("found_db")
        if getattr(db, "_closed", False):
            return

        knobs = getattr(db, "testing", None)
        if isinstance(knobs, Testing):  # the clean-up itself must not meet injected faults
            knobs.conflict_rate = knobs.unknown_result_rate = knobs.too_old_rate = 0.0
            knobs.read_latency = knobs.commit_latency = 0.0

        async def _cleanup() -> None:
            tx = db.create_transaction()
            tx.clear_range(prefix, prefix + b"\xff")
            await tx.commit()

        asyncio.run(_cleanup())

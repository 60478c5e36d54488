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
from found.testing import SteppingClock

__all__ = ["ENGINES_ENV", "selected_engines"]

ENGINES_ENV = "FOUND_TEST_ENGINES"
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
def found_db(
    found_engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Any]:
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
def found_prefix(request: pytest.FixtureRequest) -> Iterator[bytes]:
    """A key prefix no other test uses; cleared after the test when ``found_db`` is used."""
    prefix = pack(("found-test", uuid.uuid4().hex))
    yield prefix
    if "found_db" in request.fixturenames:
        db = request.getfixturevalue("found_db")
        if getattr(db, "_closed", False):
            return

        async def _cleanup() -> None:
            tx = db.create_transaction()
            tx.clear_range(prefix, prefix + b"\xff")
            await tx.commit()

        asyncio.run(_cleanup())

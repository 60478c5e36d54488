"""found's pytest plugin: engines, skips, prefixes and injected faults, seen from a user's suite."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

_INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""


def _suite(pytester: pytest.Pytester, body: str) -> None:
    pytester.makefile(".ini", pytest=_INI)
    pytester.makepyfile(test_user=body)


def test_found_db_runs_once_per_selected_engine(pytester: pytest.Pytester) -> None:
    """Each test using found_db runs on memory and sqlite by default."""
    _suite(
        pytester,
        """
import found

async def test_roundtrip(found_db, found_prefix, found_engine):
    key = found_prefix + b"k"
    await found.transactional(found_db, found.set, key, found_engine.encode())
    assert await found.transactional(found_db, found.get, key) == found_engine.encode()
    assert found_db.engine == found_engine
""",
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["*test_roundtrip?memory? PASSED*", "*test_roundtrip?sqlite? PASSED*"]
    )


def test_engine_choice_by_option_and_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--found-engines wins over FOUND_TEST_ENGINES, which wins over the default."""
    _suite(pytester, "async def test_x(found_db):\n    pass\n")
    monkeypatch.setenv("FOUND_TEST_ENGINES", "sqlite")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    result = pytester.runpytest("-p", "no:cacheprovider", "--found-engines=memory,sqlite")
    result.assert_outcomes(passed=2)


def test_fdb_without_cluster_is_skipped_visibly(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without FDB_CLUSTER_FILE the FoundationDB engine is skipped with a reason, never passed."""
    monkeypatch.delenv("FDB_CLUSTER_FILE", raising=False)
    _suite(pytester, "async def test_x(found_db):\n    raise AssertionError('must not run')\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--found-engines=fdb", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*no FDB_CLUSTER_FILE*"])


def test_unknown_engine_is_a_usage_error(pytester: pytest.Pytester) -> None:
    """A misspelt engine stops the run with a message naming it."""
    _suite(pytester, "def test_x():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--found-engines=memroy")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown found engine*memroy*"])


def test_prefixes_are_distinct_and_cleared(pytester: pytest.Pytester) -> None:
    """Each test gets its own prefix; after the test only keys outside it remain."""
    _suite(
        pytester,
        """
import found
import pytest

seen = []

@pytest.fixture
def check_cleared(found_db):
    yield
    async def keys(tx):
        return [k async for k, _ in found.query(tx, b"", b"\\xff")]
    import asyncio
    seen.append(asyncio.run(found.transactional(found_db, keys)))

async def test_a(check_cleared, found_db, found_prefix):
    seen.append(found_prefix)
    await found.transactional(found_db, found.set, found_prefix + b"x", b"1")
    await found.transactional(found_db, found.set, b"outside", b"1")

def test_after():
    prefix, remaining = seen[0], seen[1]
    assert remaining == [b"outside"], remaining
""",
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--found-engines=sqlite")
    result.assert_outcomes(passed=2)


def test_injected_faults_reach_every_embedded_db(pytester: pytest.Pytester) -> None:
    """--found-faults makes commits fail with the injected error."""
    _suite(
        pytester,
        """
import found
import pytest

async def test_conflicts(found_db, found_prefix, found_faults):
    assert found_faults.conflict_rate == 1.0
    with pytest.raises(found.NotCommitted):
        await found.transactional(found_db, found.set, found_prefix, b"v", retry_limit=1)
""",
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--found-faults=conflict=1")
    result.assert_outcomes(passed=2)


def test_bad_fault_spec_is_a_usage_error(pytester: pytest.Pytester) -> None:
    """An unknown fault name stops the run with a message listing the known ones."""
    _suite(pytester, "def test_x():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--found-faults=lag=1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*bad fault 'lag=1'*conflict*"])


def test_clock_fixture_ages_transactions(pytester: pytest.Pytester) -> None:
    """found_clock moves the embedded database's clock past the five-second limit."""
    _suite(
        pytester,
        """
import found
import pytest

async def test_old(found_db, found_clock, found_prefix):
    tx = found_db.create_transaction()
    await found.get(tx, found_prefix)
    found_clock.advance(6)
    with pytest.raises(found.TransactionTooOld):
        await found.get(tx, found_prefix + b"other")
""",
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)

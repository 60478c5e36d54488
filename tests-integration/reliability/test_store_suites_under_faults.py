"""Every store's own test suite, run again with the engine injecting conflicts,
``commit_unknown_result`` (applied, reported failed) and ``transaction_too_old``.

The regular run takes one module per store on memory://; ``FOUND_STRESS=1`` runs each whole
suite on memory:// and sqlite://. Tests that set faults of their own or measure exact costs
are left out (see ``reliability_faults_plugin``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reliability_checks import STRESS, report

ROOT = Path(__file__).resolve().parents[2]
FAULTS = "conflict=0.1,unknown_result=0.05,too_old=0.05"
FAST = {
    "found-nstore": "test_store.py",
    "found-bstore": "test_small_blobs.py",
    "found-eavstore": "test_model.py",
    "found-pstore": "test_properties.py",
}


@pytest.mark.timeout(3600)  # a whole suite on two engines, under faults
@pytest.mark.parametrize("package", sorted(FAST))
def test_store_suite_passes_under_injected_faults(package: str) -> None:
    """The store's tests pass although commits conflict, time out or report unknown."""
    tests = ROOT / "packages" / package / "tests"
    if not tests.is_dir():
        pytest.skip(f"{tests} is not here (an installed-only checkout)")
    target = tests if STRESS else tests / FAST[package]
    env = {
        **os.environ,
        "FOUND_TEST_FAULTS": FAULTS,
        "FOUND_TEST_ENGINES": "memory,sqlite" if STRESS else "memory",
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parent), *sys.path]),
    }
    env.pop("FOUND_STRESS_REPORT", None)  # the suite's own tests report nothing
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(ROOT / "pyproject.toml"),
            "-p",
            "no:cacheprovider",
            "-p",
            "reliability_faults_plugin",
            "-q",
            str(target),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    passed = re.search(r"(\d+) passed", output)
    summary = re.search(r"faults-plugin: ran (\d+), left out (\d+)", output)
    assert passed, output[-3000:]
    assert summary, output[-3000:]
    report(
        f"faults: {package} suite under injected faults",
        tests_passed=int(passed.group(1)),
        tests_left_out=int(summary.group(2)),
    )

"""A store published by a third party is found, loaded and imported like found's own stores.

The fixture package ``fixtures/found-example-store`` is built into a wheel and installed, with
found-core and nothing else, into a virtual environment this module creates. A script run by
that environment's Python reports what the registry sees, as JSON, and the tests check it. So
the proof covers the real packaging path (a built wheel, ``entry_points.txt`` in its metadata, a
non-editable install) and needs no found store package at all.

found-core comes from ``FOUND_WHEELHOUSE`` (a folder of built wheels, as ``nox -s integration``
provides) when that variable is set, else it is built from ``packages/found-core``. Creating the
environment and installing into it takes up to a minute; the tests are marked ``slow``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "found-example-store"
PIP_TIMEOUT = 600  # seconds; pip may have to fetch pluggy, sortedcontainers and hatchling

pytestmark = pytest.mark.slow

REPORT_SCRIPT = """
import json, sys

import found
import found.stores

report = {"found_file": found.__file__, "names": found.stores.names()}
report["imported_by_names"] = "found_example_store" in sys.modules
module = found.stores.load("example")
from found import example

report["load_module"] = module.__name__
report["same_object"] = example is module and found.stores.load("example") is module
report["greeting"] = example.GREETING
report["described"] = found.stores.describe("example")
report["info"] = found.stores.info()
try:
    from found import nstore
except found.stores.StoreNotInstalled as exc:
    report["nstore_error"] = str(exc)
else:
    report["nstore_error"] = None
print(json.dumps(report))
"""


def _clean_env() -> dict[str, str]:
    """The caller's environment without what would leak this interpreter's packages or filter."""
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONHOME", "FOUND_LOAD_STORES", "VIRTUAL_ENV"):
        env.pop(name, None)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run(command: list[str], env: Mapping[str, str]) -> str:
    """Run ``command``; on failure, fail the test with its output."""
    done = subprocess.run(
        command,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=PIP_TIMEOUT,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        pytest.fail(
            f"command failed ({done.returncode}): {' '.join(command)}\n"
            f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        )
    return done.stdout


def _found_core_source() -> str:
    """The found-core wheel of FOUND_WHEELHOUSE, else the found-core source folder."""
    wheelhouse = os.environ.get("FOUND_WHEELHOUSE")
    if not wheelhouse:
        return str(REPO / "packages" / "found-core")
    version = importlib.metadata.version("found-core")
    wheels = sorted(Path(wheelhouse).glob(f"found_core-{version}-*.whl"))
    if not wheels:
        pytest.fail(f"FOUND_WHEELHOUSE={wheelhouse} holds no found_core-{version} wheel")
    return str(wheels[-1])


def _build_fixture_wheel(outdir: Path, env: Mapping[str, str]) -> Path:
    """Build the example store's wheel, as its author would before publishing it."""
    isolation = ["--no-build-isolation"] if importlib.util.find_spec("hatchling") else []
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation]
    _run([*command, "--wheel-dir", str(outdir), str(FIXTURE)], env)
    wheels = sorted(outdir.glob("found_example_store-*.whl"))
    if len(wheels) != 1:
        pytest.fail(f"expected one found_example_store wheel in {outdir}, got {wheels}")
    return wheels[0]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What the registry sees in a fresh venv holding only found-core and the example store."""
    root = tmp_path_factory.mktemp("third-party-store")
    env = _clean_env()
    wheel = _build_fixture_wheel(root / "wheels", env)
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], env)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    _run([str(python), "-m", "pip", "install", "--quiet", _found_core_source(), str(wheel)], env)
    output = _run([str(python), "-c", REPORT_SCRIPT], env)
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["venv"] = str(venv)
    return result


def test_found_comes_from_the_fresh_venv_not_this_interpreter(report: dict[str, Any]) -> None:
    """The report was made by an installed found, not by this repository's sources."""
    assert Path(report["found_file"]).resolve().is_relative_to(Path(report["venv"]).resolve())


def test_names_lists_the_third_party_store_without_importing_it(report: dict[str, Any]) -> None:
    """names() in that venv is exactly ['example'], and listing did not import the store."""
    assert report["names"] == ["example"]
    assert report["imported_by_names"] is False


def test_load_and_from_found_import_give_the_same_third_party_module(
    report: dict[str, Any],
) -> None:
    """load('example') and `from found import example` return one module, found_example_store."""
    assert report["load_module"] == "found_example_store"
    assert report["same_object"] is True
    assert report["greeting"] == "hello from a third-party store"


def test_third_party_store_hook_and_metadata_are_reported(report: dict[str, Any]) -> None:
    """The store's found_store_info hook answers, and info() names its distribution."""
    assert report["described"] == {
        "name": "example",
        "description": "A minimal third-party store for tests.",
    }
    assert report["info"] == [
        {
            "name": "example",
            "distribution": "found-example-store",
            "version": "0.1.0",
            "module": "found_example_store",
        }
    ]


def test_found_core_alone_reports_a_missing_first_party_store(report: dict[str, Any]) -> None:
    """With found-nstore absent, `from found import nstore` says what to pip install."""
    assert report["nstore_error"] is not None
    assert "pip install found-nstore" in report["nstore_error"]

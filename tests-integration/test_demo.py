"""``found demo`` and the store subcommands, run as a user runs them: the installed console script.

``nox -s integration`` installs the built wheels of the five packages, so these tests run the
``found`` script those wheels installed, in a subprocess (no terminal: no progress bars). The
last test builds a fresh virtual environment holding the found-core wheel alone: the demo must
find its WordNet sample inside that wheel and say, for each store, how to install it.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
STORES = ("nstore", "pstore", "eavstore", "bstore")
DOG_CHAIN = (
    "dog -> canine -> carnivore -> placental -> mammal -> vertebrate -> chordate -> animal -> "
    "organism -> living thing -> whole -> object -> physical entity -> entity"
)


def _env() -> dict[str, str]:
    """This environment with every store visible and tables wide enough not to wrap."""
    env = dict(os.environ)
    env.pop("FOUND_LOAD_STORES", None)
    env["COLUMNS"] = "250"
    return env


def _found_script(python: str = sys.executable) -> str:
    """The ``found`` console script installed next to ``python``."""
    folder = Path(python).parent
    script = folder / ("found.exe" if os.name == "nt" else "found")
    if not script.exists():
        pytest.fail(f"no found console script next to {python}")
    return str(script)


def _found(
    *argv: str,
    script: str | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [script or _found_script(), *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
        env=dict(env or _env()),
        stdin=subprocess.DEVNULL,
    )


def _require_stores() -> None:
    for store in STORES:
        try:
            importlib.metadata.distribution(f"found-{store}")
        except importlib.metadata.PackageNotFoundError:
            pytest.fail(f"found-{store} is not installed: run through nox -s integration")


def test_the_demo_answers_from_every_store() -> None:
    """On memory:// with the shipped sample: each store's results, no progress bar, status 0."""
    _require_stores()
    done = _found("demo", "memory://", "--data", "sample")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = done.stdout
    assert DOG_CHAIN in out
    assert "33 words: barker, basenji" in out
    assert re.search(r"│ 1\s*│ hunting dog \(02087122-n\)", out)
    assert "lexname='noun.animal', pos='n', word_count=3" in out
    assert "sha256 equal to the file's" in out
    assert "skipped" not in out
    assert "\r" not in out  # no progress display without a terminal


def test_the_default_demo_on_a_temporary_sqlite_file() -> None:
    """No TARGET: the default data (WordNet when installed) in a temporary sqlite:// file."""
    _require_stores()
    done = _found("demo", "--limit", "1500")
    assert done.returncode == 0, done.stderr
    match = re.search(r"demo on sqlite://(\S+)", done.stdout)
    assert match is not None, done.stdout
    assert not Path(match.group(1)).exists()
    for store in STORES:
        assert re.search(rf"│ {store}\s*│", done.stdout), f"no timing of {store}"


def test_the_commands_the_demo_suggests_work(tmp_path: Path) -> None:
    """Every command printed after a demo on a kept file runs, and bstore gives the file back."""
    _require_stores()
    target = f"sqlite://{tmp_path / 'demo.found'}"
    done = _found("demo", target, "--data", "sample")
    assert done.returncode == 0, done.stderr
    hints = [line.strip() for line in done.stdout.splitlines() if line.startswith("  found ")]
    assert {shlex.split(line)[1] for line in hints} == {*STORES, "scan"}
    outputs: dict[str, str] = {}
    for line in hints:
        argv = shlex.split(line)[1:]
        ran = _found(*argv, cwd=tmp_path)
        assert ran.returncode == 0, f"{line}\n{ran.stderr}"
        outputs[" ".join(argv[:2])] = ran.stdout
    assert "canine" in outputs["nstore query"]
    assert "02087122-n" in outputs["pstore search"]
    assert "noun.animal" in outputs["eavstore get"]
    sample = _sample_bytes()  # the bstore hint wrote the blob to copy.noun
    assert (tmp_path / "copy.noun").read_bytes() == sample


def _sample_bytes() -> bytes:
    """The WordNet sample as found-core installed it."""
    import found._demo_wordnet

    return found._demo_wordnet.load_source("sample").data


def _run(command: Sequence[str], env: Mapping[str, str]) -> str:
    done = subprocess.run(
        list(command),
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@pytest.mark.slow
def test_found_core_alone_runs_the_demo_from_its_wheel(tmp_path: Path) -> None:
    """A venv with the found-core wheel only: the sample is in the wheel, each store says how
    to install it in one line, and the demo still succeeds."""
    env = _env()
    for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
        env.pop(name, None)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    wheelhouse = os.environ.get("FOUND_WHEELHOUSE")
    if wheelhouse:
        version = importlib.metadata.version("found-core")
        wheels = sorted(Path(wheelhouse).glob(f"found_core-{version}-*.whl"))
        assert wheels, f"FOUND_WHEELHOUSE={wheelhouse} holds no found-core wheel"
        wheel = wheels[-1]
    else:
        isolation = ["--no-build-isolation"] if importlib.util.find_spec("hatchling") else []
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation]
        _run([*command, "-w", str(tmp_path), str(REPO / "packages" / "found-core")], env)
        wheel = next(tmp_path.glob("found_core-*.whl"))
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], env)
    python = str(venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))
    _run([python, "-m", "pip", "install", "--quiet", str(wheel)], env)
    done = _found("demo", "memory://", "--data", "sample", script=_found_script(python), env=env)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "587 noun synsets" in out
    for store in STORES:
        lines = [line for line in out.splitlines() if line.startswith(f"{store}: skipped")]
        assert len(lines) == 1, out
        assert lines[0].endswith(f"pip install found-{store}")
    assert "no store ran: pip install found-nstore" in out

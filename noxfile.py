"""found's task runner. `nox` runs what CI runs; `nox -s NAME` runs one session; `nox -l` lists.

Default: lint, typecheck, tests (each Python 3.10-3.13 found), build, install_check, integration,
docs. Also: bench, demo, stress.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nox

nox.needs_version = ">=2025"

ROOT = Path(__file__).resolve().parent
DIST = ROOT / "dist"
SUPPORTED = ("3.10", "3.11", "3.12", "3.13")
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")

# Tool versions are pinned to a minor release so that a new rule or a new inference does not
# turn CI red on a day when nothing in the repository changed.
RUFF = "ruff>=0.17,<0.18"
MYPY = "mypy>=2.4,<2.5"
NOX = "nox>=2025"
BUILD = ("build>=1.2", "hatchling>=1.21")
EDITABLE = ("hatchling>=1.21", "editables>=0.5")  # what hatchling needs for `pip install -e`
FDB_BINDINGS = "foundationdb>=7.3,<7.4"
TEST_DEPS = (
    "pytest>=8.1",
    "pytest-asyncio>=0.24",
    "pytest-timeout>=2.3",
    "hypothesis>=6.100",
    FDB_BINDINGS,
)
_RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"
# A test that hangs fails after TEST_TIMEOUT seconds with its stack printed, instead of eating
# CI's time budget silently.
TEST_TIMEOUT = "300"
# What the benchmarks compare against, besides fdb.tuple and the standard library's sqlite3.
BENCH_ANCHORS = ("rdflib>=7", "pyoxigraph>=0.4")
PYTEST_BASE = (
    "pytest",
    "-c",
    str(ROOT / "pyproject.toml"),
    "-p",
    "no:cacheprovider",
    f"--timeout={TEST_TIMEOUT}",
)


# --- interpreters -----------------------------------------------------------------------------
# Interpreters are found before nox looks for them: for each supported version this file probes
# `python3.X` on PATH, the Python running nox, and pyenv's `versions/3.X*` folders, and puts a
# small `python3.X` launcher for each one that really runs into a temporary folder at the front
# of PATH. A pyenv shim that would only say "command not found" is thereby never used. Versions
# that are not found are announced and their sessions skipped; on CI (`CI` set) a machine
# without any supported Python is an error.

_PROBE = "import sys; print(sys.executable); print('%d.%d' % sys.version_info[:2])"


def _probe(candidate: str, version: str) -> str | None:
    """Return the real executable behind ``candidate`` if it runs Python ``version``."""
    try:
        done = subprocess.run(
            [candidate, "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = done.stdout.splitlines()
    if done.returncode != 0 or len(lines) != 2 or lines[1] != version:
        return None
    return lines[0]


def _version_key(folder: Path) -> tuple[int, ...]:
    """Sort key for pyenv folders such as ``3.12.1``; names that are not versions sort first."""
    parts = re.findall(r"\d+", folder.name)
    return tuple(int(part) for part in parts)


@functools.cache
def _pyenv_roots() -> list[Path]:
    """Folders where pyenv may keep its ``versions/``, most specific first."""
    roots: list[Path] = []
    if os.environ.get("PYENV_ROOT"):
        roots.append(Path(os.environ["PYENV_ROOT"]))
    roots += [Path.home() / ".pyenv", Path("/root/.pyenv")]
    pyenv = shutil.which("pyenv")
    if pyenv:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run(
                [pyenv, "root"], capture_output=True, text=True, timeout=30, check=False
            )
            if done.returncode == 0 and done.stdout.strip():
                roots.append(Path(done.stdout.strip()))
    unique: list[Path] = []
    for root in roots:
        if root not in unique:
            unique.append(root)
    return unique


def _candidates(version: str) -> Iterator[str]:
    """Places to look for Python ``version``, in order of preference."""
    on_path = shutil.which(f"python{version}")
    if on_path:
        yield on_path
    if version == _RUNNING:
        yield sys.executable
    for root in _pyenv_roots():
        folders = sorted((root / "versions").glob(f"{version}*"), key=_version_key, reverse=True)
        for folder in folders:
            if re.fullmatch(re.escape(version) + r"(\.\d+)?", folder.name):
                yield str(folder / "bin" / f"python{version}")


def _find_pythons() -> dict[str, str]:
    """Map each supported version that really runs here to its real executable."""
    found: dict[str, str] = {}
    for version in SUPPORTED:
        for candidate in _candidates(version):
            executable = _probe(candidate, version)
            if executable:
                found[version] = executable
                break
    return found


def _install_launchers(pythons: dict[str, str]) -> None:
    """Put a ``python3.X`` launcher per found Python into a temporary folder at PATH's front.

    The launchers are tiny shell scripts that ``exec`` the real executable, so virtual
    environments record the real interpreter, not the temporary folder.
    """
    if not pythons:
        return
    folder = Path(tempfile.mkdtemp(prefix="found-nox-pythons-"))
    atexit.register(shutil.rmtree, folder, True)
    for version, executable in pythons.items():
        launcher = folder / f"python{version}"
        launcher.write_text(f'#!/bin/sh\nexec {shlex.quote(executable)} "$@"\n')
        launcher.chmod(0o755)
    os.environ["PATH"] = str(folder) + os.pathsep + os.environ.get("PATH", "")


PYTHONS = _find_pythons()
_install_launchers(PYTHONS)
for _missing in (v for v in SUPPORTED if v not in PYTHONS):
    print(
        f"noxfile: Python {_missing} not found (PATH, pyenv); its sessions are skipped",
        file=sys.stderr,
    )
if not PYTHONS:
    message = f"noxfile: none of Python {', '.join(SUPPORTED)} runs on this machine"
    if IN_CI:
        raise SystemExit(message)
    print(message, file=sys.stderr)

# The single-interpreter sessions use the Python that runs nox when it is supported, else the
# newest one found.
if _RUNNING in PYTHONS:
    PRIMARY = _RUNNING
else:
    PRIMARY = max(PYTHONS, key=lambda v: tuple(map(int, v.split("."))), default=SUPPORTED[-1])

nox.options.sessions = ["lint", "typecheck", "tests", "build", "install_check", "integration"]
nox.options.error_on_missing_interpreters = False
if hasattr(nox.options, "download_python"):
    nox.options.download_python = "never"  # only Pythons found above; never fetch one


# --- packages ---------------------------------------------------------------------------------


def _packages() -> list[Path]:
    """Every package folder under packages/, found-core first (others depend on it)."""
    folders = [p.parent for p in (ROOT / "packages").glob("*/pyproject.toml")]
    return sorted(folders, key=lambda p: (p.name != "found-core", p.name))


def _project_field(package: Path, field: str) -> str:
    """Read a plain string field (``name``, ``version``) of a package's ``[project]`` table."""
    text = (package / "pyproject.toml").read_text(encoding="utf-8")
    table = re.search(r"^\[project\]\s*$(.*?)(?=^\[)", text + "\n[", re.MULTILINE | re.DOTALL)
    match = table and re.search(rf'^{field}\s*=\s*"([^"]+)"', table.group(1), re.MULTILINE)
    if not match:
        raise RuntimeError(f"{package / 'pyproject.toml'}: no static [project] {field}")
    return match.group(1)


def _wheel_stem(package: Path) -> str:
    """The ``name-version`` start of the wheel file a package builds to."""
    name = re.sub(r"[-_.]+", "_", _project_field(package, "name")).lower()
    return f"{name}-{_project_field(package, 'version')}"


def _install_editable(session: nox.Session, *extra: str) -> None:
    """Install ``extra`` requirements, then every package editable.

    The editable installs skip build isolation (hatchling goes into the venv once instead of
    into a throwaway env per package); the extras keep it, because some of them (the
    foundationdb bindings) come only as an sdist that needs setuptools to build.
    """
    session.install(*EDITABLE, *extra)
    editables: list[str] = []
    for package in _packages():
        editables += ["-e", str(package)]
    session.install("--no-build-isolation", *editables)


def _build_into_dist(session: nox.Session) -> list[Path]:
    """Build an sdist and a wheel of every package into a fresh dist/; return the wheels."""
    session.install(*BUILD)
    shutil.rmtree(DIST, ignore_errors=True)
    DIST.mkdir()
    (DIST / ".gitignore").write_text("# build output of `nox -s build`\n*\n")
    for package in _packages():
        # Default ``build`` makes the sdist, then the wheel from the unpacked sdist: a file
        # missing from the sdist shows up here, not on a user's machine.
        session.run("python", "-m", "build", "--no-isolation", "--outdir", str(DIST), str(package))
    wheels = [sorted(DIST.glob(f"{_wheel_stem(p)}-*.whl")) for p in _packages()]
    missing = [p.name for p, found in zip(_packages(), wheels, strict=True) if not found]
    if missing:
        session.error(f"no wheel was built for {', '.join(missing)}")
    return [found[-1] for found in wheels]


def _newest_source(package: Path) -> float:
    """Modification time of the newest file that goes into a package's wheel."""
    files = [package / "pyproject.toml", *(package / "src").rglob("*")]
    return max(f.stat().st_mtime for f in files if f.is_file() and "__pycache__" not in f.parts)


def _wheels(session: nox.Session) -> list[Path]:
    """Wheels of every package from dist/ when all are there and up to date, else built anew."""
    wheels: list[Path] = []
    for package in _packages():
        matches = sorted(DIST.glob(f"{_wheel_stem(package)}-*.whl"))
        if not matches:
            session.log(f"no wheel of {package.name} in dist/: building all packages")
            return _build_into_dist(session)
        if matches[-1].stat().st_mtime < _newest_source(package):
            session.log(f"{package.name} changed since its wheel was built: building all")
            return _build_into_dist(session)
        wheels.append(matches[-1])
    session.log("using the wheels in dist/, newer than their sources")
    return wheels


# --- FoundationDB for integration tests -------------------------------------------------------


@contextlib.contextmanager
def _fdb_cluster(session: nox.Session) -> Iterator[str | None]:
    """Yield a cluster file for the fdb engine, or None when no FoundationDB can be had.

    Uses ``FDB_CLUSTER_FILE`` when set; else starts a throwaway one-process cluster with
    ``scripts/fdb_cluster.py`` if ``fdbserver`` and ``fdbcli`` are on PATH, and stops it after.
    """
    given = os.environ.get("FDB_CLUSTER_FILE")
    if given:
        session.log(f"FoundationDB engine: using FDB_CLUSTER_FILE={given}")
        yield given
        return
    if not (shutil.which("fdbserver") and shutil.which("fdbcli")):
        print(
            "\n*** FoundationDB engine: SKIPPED (no FDB_CLUSTER_FILE, no fdbserver on PATH)\n",
            flush=True,
        )
        yield None
        return
    folder = tempfile.mkdtemp(prefix="found-fdb-")
    script = str(ROOT / "scripts" / "fdb_cluster.py")
    session.run("python", script, "start", folder)
    try:
        session.log("FoundationDB engine: throwaway cluster in " + folder)
        yield str(Path(folder) / "fdb.cluster")
    finally:
        session.run("python", script, "stop", folder)
        shutil.rmtree(folder, ignore_errors=True)


# --- wordnet for benchmarks -------------------------------------------------------------------


def _ensure_wordnet(session: nox.Session) -> None:
    """Install Debian's wordnet-base when /usr/share/wordnet is missing and apt-get can."""
    if Path("/usr/share/wordnet").is_dir():
        return
    apt_get = shutil.which("apt-get")
    if not apt_get or os.geteuid() != 0:
        session.warn("no /usr/share/wordnet and no root apt-get: wordnet benchmarks will skip")
        return
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    for command in ([apt_get, "-qq", "update"], [apt_get, "install", "-y", "-qq", "wordnet-base"]):
        try:
            session.run(*command, env=env, external=True, silent=True)
        except nox.command.CommandFailed:
            session.warn("installing wordnet-base failed: wordnet benchmarks will skip")
            return


# --- sessions ---------------------------------------------------------------------------------


@nox.session(python=PRIMARY)
def lint(session: nox.Session) -> None:
    """Lint and format check: ruff check + ruff format --check over the repo."""
    session.install(RUFF)
    session.run("ruff", "check", *session.posargs, ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PRIMARY)
def typecheck(session: nox.Session) -> None:
    """Type check: mypy --strict on src and tests of every package, and on all other code."""
    _install_editable(session, MYPY, NOX, *TEST_DEPS, *BENCH_ANCHORS)
    mypy = ("mypy", "--strict", *session.posargs)
    # Test folders of different packages hold same-named modules (conftest, test_*): one mypy
    # run per folder keeps them apart; the incremental cache keeps the repeats cheap.
    groups = [[str(p / "src") for p in _packages()]]
    groups += [[str(p / "tests")] for p in _packages() if (p / "tests").is_dir()]
    for folder in ("tests-integration", "benchmarks", "scripts", "examples"):
        if any((ROOT / folder).rglob("*.py")):
            groups.append([str(ROOT / folder)])
    groups.append([str(ROOT / "noxfile.py")])
    failed: list[str] = []
    for group in groups:
        try:
            session.run(*mypy, *group)
        except nox.command.CommandFailed:
            failed += [str(Path(folder).relative_to(ROOT)) for folder in group]
    if failed:
        session.error(f"mypy found errors in: {', '.join(failed)}")


@nox.session(python=list(SUPPORTED))
def tests(session: nox.Session) -> None:
    """Unit tests + doctests of every package (one venv per Python, all packages in it)."""
    _install_editable(session, *TEST_DEPS)
    env = {}
    if IN_CI and "FOUND_HYPOTHESIS_PROFILE" not in os.environ:
        env["FOUND_HYPOTHESIS_PROFILE"] = "ci"
    failed: list[str] = []
    for package in _packages():
        targets = [str(package / "src")]
        codes = [0, 5]  # no test at all is fine only for a package without tests/
        if (package / "tests").is_dir():
            targets.insert(0, str(package / "tests"))
            codes = [0]
        else:
            session.warn(f"{package.name} has no tests/ folder: doctests only")
        session.log(f"--- {package.name} on Python {session.python}")
        try:
            session.run(
                *PYTEST_BASE,
                "--doctest-modules",
                *targets,
                *session.posargs,
                env=env,
                success_codes=codes,
            )
        except nox.command.CommandFailed:
            failed.append(package.name)
    if failed:
        session.error(f"tests failed on Python {session.python}: {', '.join(failed)}")


@nox.session(python=PRIMARY)
def build(session: nox.Session) -> None:
    """Build an sdist and a wheel of every package into dist/ (hatchling)."""
    _build_into_dist(session)
    for artifact in sorted(DIST.iterdir()):
        session.log(f"built {artifact.relative_to(ROOT)}")


@nox.session(python=list(SUPPORTED))
def install_check(session: nox.Session) -> None:
    """Install only the built wheels in a fresh venv; import found, load every store."""
    wheels = _wheels(session)
    # Our packages come from these files only; their dependencies come from the index.
    session.install(*(str(w) for w in wheels))
    session.run("python", str(ROOT / "scripts" / "check_install.py"), *(str(w) for w in wheels))


@nox.session(python=PRIMARY)
def integration(session: nox.Session) -> None:
    """Integration tests of the installed wheels on every engine (fdb when one is reachable)."""
    wheels = _wheels(session)
    session.install(*(str(w) for w in wheels), *TEST_DEPS)
    engines_given = "FOUND_TEST_ENGINES" in os.environ
    engines = os.environ.get("FOUND_TEST_ENGINES", "memory,sqlite")
    has_tests = any((ROOT / "tests-integration").rglob("test_*.py"))
    if not has_tests:
        session.warn("tests-integration/ holds no test_*.py yet")
    with _fdb_cluster(session) as cluster_file:
        env = {"FOUND_WHEELHOUSE": str(wheels[0].parent)}
        if cluster_file:
            env["FDB_CLUSTER_FILE"] = cluster_file
            if not engines_given and "fdb" not in engines.split(","):
                engines += ",fdb"
        env["FOUND_TEST_ENGINES"] = engines
        if IN_CI and "FOUND_HYPOTHESIS_PROFILE" not in os.environ:
            env["FOUND_HYPOTHESIS_PROFILE"] = "ci"
        session.log(f"engines: {engines}")
        session.run(
            *PYTEST_BASE,
            str(ROOT / "tests-integration"),
            *session.posargs,
            env=env,
            success_codes=[0] if has_tests else [0, 5],
        )


@nox.session(python=PRIMARY)
def docs(session: nox.Session) -> None:
    """Build the documentation site into build/docs (Sphinx + MyST; any warning fails it).

    The API reference comes from the docstrings of the installed packages; the pages' Python
    examples run in the integration suite (tests-integration/test_docs.py).
    """
    _install_editable(session, "-r", str(ROOT / "docs" / "requirements.txt"))
    out = ROOT / "build" / "docs"
    session.run(
        "sphinx-build",
        "-W",
        "--keep-going",
        "-E",
        "-b",
        "html",
        str(ROOT / "docs"),
        str(out),
        *session.posargs,
    )
    session.log(f"documentation: {out / 'index.html'}")


nox.options.sessions.append("docs")  # the site builds in the default run too


@nox.session(python=PRIMARY)
def stress(session: nox.Session) -> None:
    """Full-size reliability runs (crashes, processes, tasks, faults, bad input); prints a table.

    Not part of the default run: it takes several minutes. The regular suite runs small
    versions of the same tests (tests-integration/reliability).
    """
    _install_editable(session, *(d for d in TEST_DEPS if d != FDB_BINDINGS))
    folder = Path(tempfile.mkdtemp(prefix="found-stress-"))
    report = folder / "report.jsonl"
    env = {
        "FOUND_STRESS": "1",
        "FOUND_STRESS_REPORT": str(report),
        "FOUND_TEST_ENGINES": "memory,sqlite",
    }
    failed = False
    try:
        session.run(
            *PYTEST_BASE,
            str(ROOT / "tests-integration" / "reliability"),
            *session.posargs,
            env=env,
        )
    except nox.command.CommandFailed:
        failed = True
    rows = []
    if report.exists():
        import json

        for line in report.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            tried = ", ".join(f"{k.replace('_', ' ')}: {v:,}" for k, v in entry["tried"].items())
            rows.append((entry["check"], tried, str(entry["failures"])))
    rows.append(("pytest run of tests-integration/reliability", "", "1" if failed else "0"))
    widths = [max(len(r[i]) for r in [("check", "tried", "failures"), *rows]) for i in range(3)]
    line = "+".join("-" * (w + 2) for w in widths)
    print("\nReliability under stress: what was tried and what held\n" + line)
    for row in [("check", "tried", "failures"), *rows]:
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    print(line, flush=True)
    shutil.rmtree(folder, ignore_errors=True)
    if failed:
        session.error("the stress run failed: see the pytest output above")


@nox.session(python=PRIMARY)
def bench(session: nox.Session) -> None:
    """Benchmarks against their anchors (fdb.tuple, ...); `nox -s bench -- --quick`."""
    _ensure_wordnet(session)
    _install_editable(session, FDB_BINDINGS, *BENCH_ANCHORS)
    session.run("python", str(ROOT / "benchmarks" / "run.py"), *session.posargs)


@nox.session(python=PRIMARY)
def demo(session: nox.Session) -> None:
    """Run `found demo`: WordNet in the four stores, on the embedded engine (args go to it)."""
    _install_editable(session)
    session.run("found", "demo", *session.posargs)

"""Start or stop a throwaway one-process FoundationDB cluster on 127.0.0.1, for tests.

Usage::

    python scripts/fdb_cluster.py start DIR   # prints DIR/fdb.cluster once the database is up
    python scripts/fdb_cluster.py stop DIR    # stops the fdbserver started in DIR

``start`` needs ``fdbserver`` and ``fdbcli`` on PATH. It writes a fresh cluster file, starts
one ``fdbserver`` on a free loopback port with its data and logs inside DIR, runs
``configure new single memory`` and waits until ``status minimal`` reports the database
available. The server runs detached (own session), its pid in ``DIR/fdbserver.pid``; ``stop``
sends it SIGTERM, then SIGKILL after a grace period, and only if that pid still is an
``fdbserver``. ``nox -s integration`` uses both when FDB_CLUSTER_FILE is not set.

Example::

    $ python scripts/fdb_cluster.py start /tmp/fdb-test
    /tmp/fdb-test/fdb.cluster
    $ FDB_CLUSTER_FILE=/tmp/fdb-test/fdb.cluster pytest ...
    $ python scripts/fdb_cluster.py stop /tmp/fdb-test
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

START_TIMEOUT = 90.0  # seconds for the server to come up and the database to be created
STOP_GRACE = 15.0  # seconds between SIGTERM and SIGKILL


class ClusterError(Exception):
    """The throwaway cluster could not be started or stopped; the message says why."""


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tool(name: str) -> str:
    """Full path of a FoundationDB executable on PATH."""
    path = shutil.which(name)
    if path is None:
        raise ClusterError(f"{name} is not on PATH")
    return path


def _fdbcli(cluster_file: Path, command: str) -> tuple[int, str]:
    """Run one fdbcli command; return its exit code and its output."""
    try:
        done = subprocess.run(
            [_tool("fdbcli"), "-C", str(cluster_file), "--exec", command, "--timeout", "10"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return -1, f"fdbcli {command!r} did not answer within 30 s"
    return done.returncode, done.stdout + done.stderr


def _is_fdbserver(pid: int) -> bool:
    """True while ``pid`` is a live (not zombie) fdbserver process."""
    proc = Path("/proc") / str(pid)
    try:
        cmdline = (proc / "cmdline").read_bytes().split(b"\0")[0]
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return Path(cmdline.decode(errors="replace")).name == "fdbserver" and state != "Z"


def start(folder: Path) -> Path:
    """Start the server with its files in ``folder``; return the cluster file path."""
    folder.mkdir(parents=True, exist_ok=True)
    pid_file = folder / "fdbserver.pid"
    if pid_file.exists():
        raise ClusterError(f"{pid_file} exists: stop that cluster first")
    (folder / "data").mkdir(exist_ok=True)
    (folder / "logs").mkdir(exist_ok=True)
    port = _free_port()
    cluster_file = folder / "fdb.cluster"
    cluster_file.write_text(f"found:{secrets.token_hex(8)}@127.0.0.1:{port}\n")
    command = [
        _tool("fdbserver"),
        "--cluster-file",
        str(cluster_file),
        "--public-address",
        f"127.0.0.1:{port}",
        "--listen-address",
        "public",
        "--datadir",
        str(folder / "data"),
        "--logdir",
        str(folder / "logs"),
    ]
    with (folder / "fdbserver.out").open("wb") as out:
        server = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
        )
    pid_file.write_text(f"{server.pid}\n")
    try:
        _wait_until_available(server, cluster_file, folder)
    except BaseException:
        stop(folder)
        raise
    return cluster_file


def _wait_until_available(
    server: subprocess.Popen[bytes], cluster_file: Path, folder: Path
) -> None:
    """Create the database and wait for it to serve, or raise ClusterError."""
    deadline = time.monotonic() + START_TIMEOUT
    configured = False
    last = ""
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = (folder / "fdbserver.out").read_text(errors="replace")[-2000:]
            raise ClusterError(f"fdbserver exited with {server.returncode}:\n{output}")
        if not configured:
            code, last = _fdbcli(cluster_file, "configure new single memory")
            configured = code == 0 or "already exists" in last
        else:
            code, last = _fdbcli(cluster_file, "status minimal")
            if code == 0 and "The database is available" in last:
                return
        time.sleep(0.5)
    raise ClusterError(f"database not available after {START_TIMEOUT:.0f} s; fdbcli said:\n{last}")


def stop(folder: Path) -> None:
    """Stop the server started in ``folder`` (a no-op when none runs)."""
    pid_file = folder / "fdbserver.pid"
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return
    for sig, wait in ((signal.SIGTERM, STOP_GRACE), (signal.SIGKILL, 5.0)):
        if not _is_fdbserver(pid):
            break
        os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while _is_fdbserver(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
    if _is_fdbserver(pid):
        raise ClusterError(f"fdbserver {pid} did not stop")
    pid_file.unlink()


def main(argv: list[str]) -> int:
    """Command line entry: ``start DIR`` or ``stop DIR``."""
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(argv[1]).resolve()
    try:
        if argv[0] == "start":
            print(start(folder))
        else:
            stop(folder)
    except ClusterError as error:
        print(f"fdb_cluster: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

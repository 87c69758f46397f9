"""A real gunicorn server for tests, started with the options of the Makefile's ``run``."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def run_log_options() -> list[str]:
    """The logging options of the gunicorn command in the Makefile's ``run`` target, with an
    access log through its logger class (``make run`` itself writes one JSON line a request
    from the app and asks gunicorn for no access log; a deployment that asks for one gets
    it redacted)."""
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    logfile = re.search(r"--access-logfile (\S+)", recipe)
    logger = re.search(r"--logger-class (\S+)", recipe)
    assert logger, "make run logs through a redacting logger class"
    return ["--access-logfile", logfile[1] if logfile else "-", "--logger-class", logger[1]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port: int, method: str, target: str, headers=None, body: bytes | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@contextlib.contextmanager
def gunicorn(workdir: Path, env: dict[str, str], *options: str) -> Iterator[tuple[int, Path]]:
    """gunicorn serving ``app:create_app()`` with ``options``; yields its port and log file."""
    port = free_port()
    log_path = workdir / "gunicorn.log"
    env = {**os.environ, "CUNYUE_INSTANCE": str(workdir / "instance"), **env}
    env.pop("TEST_DATABASE_URL", None)
    if "FAKETIME" in env:
        # Under .ci/run's shifted clock gunicorn's worker heartbeat compares a file's real
        # modification time with the shifted clock and kills every worker: no timeout then.
        options = (*options, "--timeout", "0")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(GUNICORN), "--bind", f"127.0.0.1:{port}", *options, "app:create_app()"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:  # until gunicorn answers (it is starting: nothing is timed here)
            try:
                request(port, "GET", "/login")
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
        yield port, log_path
    finally:
        proc.terminate()
        proc.wait(timeout=30)

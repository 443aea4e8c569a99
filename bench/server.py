"""The API server under test, run as its own process (``hmsdesk-graph serve``)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from bench.process import is_running

_PR_SET_PDEATHSIG = 1


class ServerError(RuntimeError):
    """The server did not start or stopped answering."""


def free_port() -> int:
    """A TCP port nothing listens on right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:
    # Runs in the child before exec: if the benchmark is killed outright (SIGKILL, OOM), the
    # kernel sends the server SIGTERM, so no server outlives its benchmark.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def server_environment(database_url: str) -> dict[str, str]:
    """The server's environment: the caller's, plus the database and statement counting."""
    env = dict(os.environ)
    env.update(
        {
            "HMSDESK_DATABASE_URL": database_url,
            "HMSDESK_COUNT_STATEMENTS": "true",
            "HMSDESK_LOG_LEVEL": "WARNING",
        }
    )
    return env


class ServerProcess:
    """``hmsdesk-graph serve`` on a free port; a context manager that always stops it.

    The server runs in a session of its own so that Ctrl-C in the terminal reaches only the
    benchmark, which then stops the whole server process group (uvicorn workers included).
    """

    def __init__(self, database_url: str, log_path: Path, workers: int = 1) -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.workers = workers
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The server's (uvicorn supervisor's, with several workers) process id."""
        if self._process is None:
            raise ServerError("the server is not started")
        return self._process.pid

    @property
    def url(self) -> str:
        """The GraphQL endpoint."""
        return f"http://127.0.0.1:{self.port}/graphql"

    def start(self, ready_timeout_s: float = 120.0) -> None:
        """Start the server and return once /readyz answers 200."""
        self.port = free_port()
        command = [sys.executable, "-m", "hmsdesk_graph", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", str(self.workers)]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command,
                env=server_environment(self.database_url),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        try:
            self._wait_ready(ready_timeout_s)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        ready_url = f"http://127.0.0.1:{self.port}/readyz"
        while True:
            if not self.alive():
                raise ServerError(f"the server exited while starting:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(ready_url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass  # not listening yet, or not ready (503)
            if time.monotonic() > deadline:
                raise ServerError(f"the server was not ready after {timeout_s:.0f} s")
            time.sleep(0.1)

    def alive(self) -> bool:
        """True while the server process runs."""
        return self._process is not None and self._process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's output, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, grace_s: float = 15.0) -> None:
        """Stop the server's whole process group: SIGTERM, then SIGKILL after a grace period."""
        process = self._process
        if process is None:
            return
        group = process.pid  # start_new_session made the server its group's leader
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGTERM)
            try:
                process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signal.SIGKILL)
                process.wait()
        # Workers that outlived their supervisor still belong to the group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
        if is_running(process.pid):  # pragma: no cover - wait() above reaps the leader
            raise ServerError(f"server process {process.pid} is still running")

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

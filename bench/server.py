"""The API server under test, run as its own process (``hmsdesk-graph serve``)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from bench.counting import COUNTER_DIR_ENV
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


BUDGET_ENV = "HMSDESK_CLIENT_REQUESTS_PER_MINUTE"


def server_environment(
    database_url: str, counter_dir: Path | None = None, client_budget: int | None = None
) -> dict[str, str]:
    """The server's environment: the caller's, plus the database and statement counting.

    The benchmark is one client sending thousands of requests a second: the per-client
    request budget is off (0) unless --client-budget (or HMSDESK_CLIENT_REQUESTS_PER_MINUTE
    in the caller's environment) sets one.
    """
    env = dict(os.environ)
    if client_budget is not None:
        env[BUDGET_ENV] = str(client_budget)
    else:
        env.setdefault(BUDGET_ENV, "0")
    env.pop(COUNTER_DIR_ENV, None)
    # Answers say HIT or MISS so the report counts them (HMSDESK_RESPONSE_CACHE_TTL_S=0 in the
    # caller's environment measures without the response cache).
    env.setdefault("HMSDESK_CACHE_STATUS_HEADER", "true")
    env.update(
        {
            "HMSDESK_DATABASE_URL": database_url,
            "HMSDESK_COUNT_STATEMENTS": "true",
            "HMSDESK_LOG_LEVEL": "WARNING",
        }
    )
    if counter_dir is not None:
        env[COUNTER_DIR_ENV] = str(counter_dir)
    return env


def api_command(port: int, workers: int) -> list[str]:
    """``hmsdesk-graph serve`` through ``bench.serve``, which adds the process-wide counter."""
    command = [sys.executable, "-m", "bench.serve", "serve", "--host", "127.0.0.1"]
    return [*command, "--port", str(port), "--workers", str(workers)]


def pinned(command: list[str], cpus: frozenset[int] | None) -> tuple[list[str], Callable[[], None]]:
    """The command run on the given cores only: ``taskset -c`` when installed, else the
    same affinity set in the child before exec. Also returns the child's pre-exec hook."""
    if not cpus:
        return command, _die_with_parent
    cores = ",".join(str(c) for c in sorted(cpus))
    taskset = shutil.which("taskset")
    if taskset:
        return [taskset, "-c", cores, *command], _die_with_parent

    def pin_then_die_with_parent() -> None:
        os.sched_setaffinity(0, cpus)
        _die_with_parent()

    return command, pin_then_die_with_parent


class ServerProcess:
    """``hmsdesk-graph serve`` on a free port; a context manager that always stops it.

    The server runs in a session of its own so that Ctrl-C in the terminal reaches only the
    benchmark, which then stops the whole server process group (uvicorn workers included).
    """

    def __init__(
        self,
        database_url: str,
        log_path: Path,
        workers: int = 1,
        *,
        cpus: frozenset[int] | None = None,
        counter_dir: Path | None = None,
        command: Callable[[int], list[str]] | None = None,
        client_budget: int | None = None,
    ) -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.workers = workers
        self.cpus = cpus  # the cores the server may run on (None: wherever the kernel likes)
        self.counter_dir = counter_dir  # where bench.counting keeps each process's count
        self.client_budget = client_budget  # requests/minute per client; None: off (or env)
        self._command = command or (lambda port: api_command(port, workers))
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
        command, before_exec = pinned(self._command(self.port), self.cpus)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command,
                env=server_environment(self.database_url, self.counter_dir, self.client_budget),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=before_exec,
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

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

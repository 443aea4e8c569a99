"""Build, start and run the partner sandbox: a real aiohttp server for demos and tests."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections import Counter
from dataclasses import dataclass

from aiohttp import web

from hmsdesk_graph.sandbox.control import add_control_routes
from hmsdesk_graph.sandbox.faults import ROUTES, Faults
from hmsdesk_graph.sandbox.outbox import OutboxMessage
from hmsdesk_graph.sandbox.partners import add_partner_routes
from hmsdesk_graph.sandbox.state import STATE, SandboxState

MAX_REQUEST_BYTES = 1024 * 1024
# Hung handlers are released when the sandbox closes, so shutdown never needs long.
SHUTDOWN_TIMEOUT_S = 2.0


def build_sandbox_app(faults: Faults | None = None, seed: int = 42) -> web.Application:
    """The sandbox as an aiohttp Application (partner routes + /_control routes)."""
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app[STATE] = SandboxState(seed=seed, faults=faults or Faults())
    add_partner_routes(app)
    add_control_routes(app)
    app.on_shutdown.append(_release_waiters)
    return app


async def _release_waiters(app: web.Application) -> None:
    app[STATE].closing.set()


@dataclass
class RunningSandbox:
    """A sandbox listening on a real socket; its state is live (change faults directly)."""

    url: str
    app: web.Application
    runner: web.AppRunner

    @property
    def state(self) -> SandboxState:
        return self.app[STATE]

    @property
    def faults(self) -> Faults:
        return self.state.faults

    @property
    def calls(self) -> Counter[str]:
        return self.state.calls

    @property
    def messages(self) -> list[OutboxMessage]:
        return self.state.outbox.messages

    def reset(self) -> None:
        self.state.reset()

    async def close(self) -> None:
        """Stop listening (connections are refused from now on) and release hung calls."""
        self.state.closing.set()
        await self.runner.cleanup()

    async def __aenter__(self) -> RunningSandbox:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


async def start_sandbox(
    host: str = "127.0.0.1",
    port: int = 0,
    faults: Faults | None = None,
    *,
    seed: int = 42,
    access_log: bool = False,
) -> RunningSandbox:
    """Start the sandbox on ``host:port`` (0 picks a free port; see ``.url``)."""
    app = build_sandbox_app(faults, seed)
    if access_log:
        runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_TIMEOUT_S)
    else:
        runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_TIMEOUT_S, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    bound_port = runner.addresses[0][1]
    shown_host = f"[{host}]" if ":" in host else host
    return RunningSandbox(url=f"http://{shown_host}:{bound_port}", app=app, runner=runner)


def run_sandbox(
    host: str = "127.0.0.1",
    port: int = 8100,
    faults: Faults | None = None,
    *,
    seed: int = 42,
) -> None:
    """Run the sandbox until SIGINT / SIGTERM (``hmsdesk-graph partner-sandbox``)."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(host, port, faults or Faults(), seed))


async def _serve(host: str, port: int, faults: Faults, seed: int) -> None:
    sandbox = await start_sandbox(host, port, faults, seed=seed, access_log=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(signum, stop.set)
    _say(f"partner sandbox listening on {sandbox.url}")
    _say(f"  routes: POST {sandbox.url}/practice/slots:batch, /telephony/numbers, /messaging/send")
    _say(f"          GET {sandbox.url}/feeds/<partner-slug>.json|.csv")
    _say(f"  control: {sandbox.url}/_control/faults (GET/PUT/PATCH), /_control/calls, /reset")
    for route in ROUTES:
        if faults.route(route).active:
            _say(f"  faults on {route}: {_describe(faults, route)}")
    try:
        await stop.wait()
    finally:
        _say("partner sandbox stopping")
        await sandbox.close()


def _describe(faults: Faults, route: str) -> str:
    defaults = Faults().route(route).to_dict()
    knobs = faults.route(route).to_dict()
    return ", ".join(f"{k}={v}" for k, v in knobs.items() if defaults[k] != v)


def _say(line: str) -> None:
    print(line, file=sys.stdout, flush=True)

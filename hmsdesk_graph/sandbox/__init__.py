"""The partner sandbox: a real aiohttp server speaking the partner-service contracts.

Used by the demo (``hmsdesk-graph partner-sandbox``) and by the tests, with fault knobs per
route (see ``hmsdesk_graph.sandbox.faults``) and call counters.
"""

from __future__ import annotations

from hmsdesk_graph.sandbox.faults import ROUTES, Faults, RouteFaults
from hmsdesk_graph.sandbox.server import (
    RunningSandbox,
    build_sandbox_app,
    run_sandbox,
    start_sandbox,
)

__all__ = [
    "ROUTES",
    "Faults",
    "RouteFaults",
    "RunningSandbox",
    "build_sandbox_app",
    "run_sandbox",
    "start_sandbox",
]

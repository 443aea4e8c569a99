"""``python -m bench.serve ARGS``: ``hmsdesk-graph ARGS``, with the process-wide statement counter.

The counter is installed when this module is imported, not only when it runs: uvicorn starts
``--workers N`` by spawning fresh interpreters, which import the main module again (as
``__mp_main__``), so every worker counts its own statements too.
"""

from __future__ import annotations

import sys

from bench.counting import install_from_environment

install_from_environment()

if __name__ == "__main__":
    from hmsdesk_graph.cli import run

    sys.exit(run(sys.argv[1:]))

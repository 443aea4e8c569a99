"""State every worker shares: Redis when HMSDESK_REDIS_URL is set, this process otherwise."""

from hmsdesk_graph.shared.clients import client_address, client_key
from hmsdesk_graph.shared.state import SharedState

__all__ = ["SharedState", "client_address", "client_key"]

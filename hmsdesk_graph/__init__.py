"""HMSDESK Graph: the GraphQL API behind the HMSDESK healthcare marketplace."""

__version__ = "0.1.0"

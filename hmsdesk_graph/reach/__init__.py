"""Reach: sponsored placement, listing-event roll-ups, campaigns and the partner dashboard.

The rules live here; `search/sponsored.py`, `resolvers/reach.py` and `schema/reach.py` call
them. Nothing in this package reads or writes personal data.
"""

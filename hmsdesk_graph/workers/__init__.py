"""Work beside requests: listing events and their rollups, the message outbox, review
publishing on a schedule."""

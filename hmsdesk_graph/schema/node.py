"""The Relay `Node` interface (its IDs: identity/global_ids.py)."""

from __future__ import annotations

import strawberry


@strawberry.interface(description="An object with a global ID, refetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global ID.")

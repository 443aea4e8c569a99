"""`extensions.warnings` of a response: what resolvers noted on the request's Context.

A warning is not an error: the value is in `data`, but the client should know something about
it (STALE_DATA: a kept partner answer, with its path and age, served while the partner fails).
"""

from __future__ import annotations

from typing import Any

from strawberry.extensions import SchemaExtension


class ResponseWarnings(SchemaExtension):
    """Merges the Context's `warnings` into the result's extensions (none: nothing added)."""

    def get_results(self) -> dict[str, Any]:
        warnings = getattr(self.execution_context.context, "warnings", None)
        return {"warnings": list(warnings)} if warnings else {}

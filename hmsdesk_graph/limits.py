"""Validation rules that bound what one document may ask for (DESIGN §7)."""

from __future__ import annotations

from typing import Any

from graphql import DirectiveNode, GraphQLError, ValidationContext, ValidationRule

from hmsdesk_graph.errors import ErrorCode


def max_directives_rule(limit: int) -> type[ValidationRule]:
    """A rule rejecting documents with more than `limit` directives."""

    class MaxDirectives(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.count = 0

        def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
            self.count += 1
            if self.count == limit + 1:
                self.report_error(
                    GraphQLError(
                        f"The document uses more than {limit} directives.",
                        node,
                        extensions={"code": ErrorCode.QUERY_TOO_COMPLEX.value},
                    )
                )

    return MaxDirectives

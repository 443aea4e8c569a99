"""Validation rules that bound what one document may ask for (DESIGN §7)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import DirectiveNode, GraphQLError, ValidationContext, ValidationRule
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

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


class IntrospectionForStaff(SchemaExtension):
    """Outside development, only INTERNAL and ADMIN viewers may introspect the schema."""

    def on_operation(self) -> Iterator[None]:
        viewer = getattr(self.execution_context.context, "viewer", None)
        if viewer is None or not viewer.is_staff:
            self.execution_context.validation_rules = (
                *self.execution_context.validation_rules,
                NoSchemaIntrospectionCustomRule,
            )
        yield

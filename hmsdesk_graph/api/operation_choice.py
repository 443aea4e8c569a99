"""GetOperation() as the GraphQL spec has it: a document with several operations needs a name.

Given no operationName, strawberry runs the document's first operation (even a mutation); the
spec makes that a request error, refused here before execution, with no extra parse: the
document is the one strawberry parsed (and cached).
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from hmsdesk_graph.errors import ErrorCode

MESSAGE = "Must provide operation name if query contains multiple operations."
# strawberry keeps the name the request gave here (its public `operation_name` falls back to
# the first operation's). Absent in another strawberry version: the check stands aside rather
# than refuse named requests (tests/http/test_over_http.py then fails and says so).
_PROVIDED = "_provided_operation_name"
_ABSENT = object()


class OperationNameRequired(SchemaExtension):
    """Refuses a document with several operations and no operationName before execution."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        provided = vars(context).get(_PROVIDED, _ABSENT)
        if document is not None and context.result is None and provided is None:
            operations = sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)
            if operations > 1:
                context.result = GraphQLExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(MESSAGE, extensions={"code": ErrorCode.BAD_USER_INPUT.value})
                    ],
                )
        yield

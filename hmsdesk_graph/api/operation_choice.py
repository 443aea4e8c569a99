"""GetOperation() as the GraphQL spec has it: a document with several operations needs a name.

Given no operationName, strawberry runs the document's first operation (even a mutation); the
spec makes that a request error, refused here before execution, with no extra parse: the
document is the one strawberry parsed (and cached).
"""

from __future__ import annotations

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode

from hmsdesk_graph.guards.limits import Refusing, bad_user_input

MESSAGE = "Must provide operation name if query contains multiple operations."
# strawberry keeps the name the request gave here (its public `operation_name` falls back to
# the first operation's). Absent in another strawberry version: the check stands aside rather
# than refuse named requests (tests/http/test_over_http.py then fails and says so).
_PROVIDED = "_provided_operation_name"
_ABSENT = object()


class OperationNameRequired(Refusing):
    """Refuses a document with several operations and no operationName before execution."""

    def refusal(self, document: DocumentNode) -> GraphQLError | None:
        if vars(self.execution_context).get(_PROVIDED, _ABSENT) is not None:
            return None
        operations = sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)
        return bad_user_input(MESSAGE) if operations > 1 else None

"""Validation rules that bound what one document may ask for (DESIGN §7)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from graphql import (
    SKIP,
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    ValidationContext,
    ValidationRule,
    ValueNode,
    VariableNode,
    Visitor,
    visit,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from hmsdesk_graph.config import Settings
from hmsdesk_graph.errors import BadUserInput, ErrorCode
from hmsdesk_graph.guards.text_limits import TextLimits, check_text


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


class Refusing(SchemaExtension):
    """A check that may refuse a parsed operation before it executes: the response is then
    the one error `refusal` returns, with no data (and nothing resolved, no SQL)."""

    def refusal(self, document: DocumentNode) -> GraphQLError | None:
        raise NotImplementedError

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            error = self.refusal(document)
            if error is not None:
                context.result = GraphQLExecutionResult(data=None, errors=[error])
        yield


def bad_user_input(message: str) -> GraphQLError:
    """A refusal's error with the BAD_USER_INPUT code."""
    return GraphQLError(message, extensions={"code": ErrorCode.BAD_USER_INPUT.value})


# Arguments whose value is a page size: checked on every field that has them.
_PAGE_SIZE_ARGUMENTS = ("first", "last")


class ArgumentBounds(Refusing):
    """Refuses out-of-range page sizes and oversized `nodes(ids:)` before execution starts.

    Runs after validation and before graphql-core coerces variables, so a list of 100,000 IDs
    is refused on its length alone (nothing decoded, no SQL), and a bad `first` on a nested
    connection is refused before its parent list is loaded. Not a validation rule: values
    come from variables, and validation results are cached per document.
    """

    def __init__(self, *, max_first: int, max_ids: int) -> None:
        self.max_first = max_first
        self.max_ids = max_ids

    def refusal(self, document: DocumentNode) -> GraphQLError | None:
        context = self.execution_context
        problem = self._problem(document, context.operation_name, context.variables or {})
        return None if problem is None else bad_user_input(problem)

    def _problem(
        self, document: DocumentNode, operation_name: str | None, variables: dict[str, Any]
    ) -> str | None:
        operation = chosen_operation(document, operation_name)
        if operation is None:
            return None  # graphql-core reports the ambiguity itself.
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        values = with_defaults(operation, variables)
        seen: set[str] = set()
        pending: list[SelectionSetNode] = [operation.selection_set]
        while pending:
            selection_set = pending.pop()
            for selection in selection_set.selections:
                if isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    if name not in seen and name in fragments:
                        seen.add(name)
                        pending.append(fragments[name].selection_set)
                    continue
                if isinstance(selection, FieldNode):
                    problem = self._field_problem(selection, values)
                    if problem is not None:
                        return problem
                if (
                    isinstance(selection, FieldNode | InlineFragmentNode)
                    and selection.selection_set
                ):
                    pending.append(selection.selection_set)
        return None

    def _field_problem(self, field: FieldNode, values: dict[str, Any]) -> str | None:
        for argument in field.arguments or ():
            name = argument.name.value
            if name in _PAGE_SIZE_ARGUMENTS:
                size = int_or_variable(argument.value, values)
                in_range = not isinstance(size, int) or 1 <= size <= self.max_first
                if not in_range and not isinstance(size, bool):
                    return f"`{name}` must be between 1 and {self.max_first}; got {size}."
            elif name == "ids" and field.name.value == "nodes":
                count = list_length(argument.value, values)
                if count is not None and count > self.max_ids:
                    return f"Ask for at most {self.max_ids} IDs at once; got {count}."
        return None


def chosen_operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    """The operation that would run: the named one, or the only one; None if ambiguous."""
    chosen = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (operation_name is None or (d.name is not None and d.name.value == operation_name))
    ]
    return chosen[0] if len(chosen) == 1 else None


def with_defaults(
    operation: OperationDefinitionNode, variables: Mapping[str, Any]
) -> dict[str, Any]:
    """The raw variables plus the Int defaults the operation declares for missing ones."""
    values = dict(variables)
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in values and definition.default_value is not None:
            values[name] = int_or_variable(definition.default_value, {})
    return values


def int_or_variable(value: ValueNode, variables: Mapping[str, Any]) -> Any:
    """An Int literal or a variable's raw value; anything else is left to graphql-core."""
    if isinstance(value, VariableNode):
        return variables.get(value.name.value)
    if isinstance(value, IntValueNode):
        return int(value.value)
    return None


def list_length(value: ValueNode, variables: Mapping[str, Any]) -> int | None:
    """The length of a list literal or list variable, without looking at its items."""
    if isinstance(value, ListValueNode):
        return len(value.values)
    if isinstance(value, VariableNode):
        raw = variables.get(value.name.value)
        return len(raw) if isinstance(raw, list) else None
    return None


class TextBounds(Refusing):
    """Refuses any string argument over its length or word limit before execution starts.

    Walks the operation that would run (and its fragments) with the schema's types, checking
    literals and the raw variable values they use, before graphql-core coerces anything: a
    100,000-character reply is refused on its length alone, with no SQL and no scrubbing.
    """

    def __init__(self, limits: TextLimits) -> None:
        self.limits = limits

    def refusal(self, document: DocumentNode) -> GraphQLError | None:
        context = self.execution_context
        operation = chosen_operation(document, context.operation_name)
        if operation is None:
            return None
        try:
            self.check(context.schema._schema, document, operation, context.variables)
        except BadUserInput as refused:
            return GraphQLError(refused.message, original_error=refused)
        return None

    def check(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any] | None,
    ) -> None:
        """BadUserInput for the first string argument over its limit (the compiled path too)."""
        type_info = TypeInfo(schema)
        checker = _ArgumentTexts(type_info, self.limits, variables or {}, operation)
        visit(document, TypeInfoVisitor(type_info, checker))


class _ArgumentTexts(Visitor):
    """Checks every argument's strings against the limit of the coordinate they go to."""

    def __init__(
        self,
        type_info: TypeInfo,
        limits: TextLimits,
        variables: Mapping[str, Any],
        operation: OperationDefinitionNode,
    ) -> None:
        super().__init__()
        self.type_info = type_info
        self.limits = limits
        self.variables = variables
        self.operation = operation
        self.fields: list[str] = []

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        self.fields.append(node.name.value)

    def leave_field(self, *_args: Any) -> None:
        self.fields.pop()

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> Any:
        # Only the operation that runs: another one's variables are not these.
        return None if node is self.operation else SKIP

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> Any:
        argument = self.type_info.get_argument()
        if argument is None:
            return SKIP
        directive = self.type_info.get_directive()
        parent = self.type_info.get_parent_type()
        name = node.name.value
        if directive is not None:
            coordinate = f"@{directive.name}.{name}"
        elif parent is not None and self.fields:
            coordinate = f"{parent.name}.{self.fields[-1]}.{name}"
        else:
            return SKIP
        self._literal(node.value, argument.type, coordinate, name)
        return SKIP  # the value was walked here, with the argument's type

    def _literal(self, value: ValueNode, type_: GraphQLInputType, coordinate: str, at: str) -> None:
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(value, VariableNode):
            self._raw(self.variables.get(value.name.value), inner, coordinate, at)
        elif isinstance(value, StringValueNode):
            check_text(value.value, at, self.limits.for_coordinate(coordinate))
        elif isinstance(value, ListValueNode):
            item_type = inner.of_type if isinstance(inner, GraphQLList) else inner
            for item in value.values:
                self._literal(item, item_type, coordinate, at)
        elif isinstance(value, ObjectValueNode) and isinstance(inner, GraphQLInputObjectType):
            for field in value.fields:
                definition = inner.fields.get(field.name.value)
                if definition is not None:
                    self._literal(
                        field.value,
                        definition.type,
                        f"{inner.name}.{field.name.value}",
                        f"{at}.{field.name.value}",
                    )

    def _raw(self, value: Any, type_: GraphQLInputType, coordinate: str, at: str) -> None:
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(value, str):
            check_text(value, at, self.limits.for_coordinate(coordinate))
        elif isinstance(value, list):
            item_type = inner.of_type if isinstance(inner, GraphQLList) else inner
            for item in value:
                self._raw(item, item_type, coordinate, at)
        elif isinstance(value, dict) and isinstance(inner, GraphQLInputObjectType):
            for key, item in value.items():
                if key in inner.fields:
                    self._raw(item, inner.fields[key].type, f"{inner.name}.{key}", f"{at}.{key}")


def text_bounds(settings: Settings) -> Callable[[], TextBounds]:
    """A factory making one TextBounds per request with this deployment's limits."""
    limits = TextLimits.from_settings(settings)
    return lambda: TextBounds(limits)

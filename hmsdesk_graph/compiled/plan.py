"""Plans: a committed operation's selection set walked once against the schema.

Every field becomes a `FieldPlan`. A field without a resolver is read as an attribute of its
parent object and serialised with the schema type's own `serialize` (the same function
graphql-core's executor calls). A field with a resolver must have a set-based fetch in
`compiled.fetches`. A field of a union or interface type is planned once per possible type,
from the fields selected on it and the inline fragments that apply to that type; `__typename`
is the type's name. Anything else (an unknown resolver, a directive, a named fragment) means
the operation has no plan and always runs on the general executor.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
)
from graphql.type.introspection import TypeNameMetaFieldDef
from tortoise.models import Model

from hmsdesk_graph.resolvers.views import unread_columns

# One value per parent, in parent order: how a level with a resolver is filled in one batch.
# Called as fetch(run, plan, parents); `Run` lives in compiled.execute, which imports this
# module, so it is not named here (imports flow one way: fetches -> execute -> plan).
Fetch = Callable[..., Awaitable[list[Any]]]


class Unsupported(Exception):
    """The document uses something the compiled path does not implement."""


@dataclass(slots=True, eq=False)
class FieldPlan:
    """One selected field: where its value comes from and how it is completed."""

    key: str  # the response key (alias or name)
    name: str
    node: FieldNode
    definition: GraphQLField
    strawberry_field: Any  # strawberry's StrawberryField, for argument conversion
    attr: str | None  # the parent's attribute, for fields without a resolver
    fetch: Fetch | None  # the level's batch, for fields with a resolver
    nullable: bool
    is_list: bool
    item_nullable: bool
    serialize: Callable[[Any], Any] | None  # leaves
    children: list[FieldPlan] | None  # objects
    type_name: str  # the named output type
    # A union or interface: the children's plan per possible (object) type name.
    by_type: dict[str, list[FieldPlan]] | None = None
    constant: str | None = None  # `__typename`: the parent type's name
    # The plans of the same selection set (this one included): fetches that read together.
    siblings: list[FieldPlan] | None = None


@dataclass(slots=True, eq=False)
class OperationPlan:
    """A planned operation: its definition (for variables) and its root fields."""

    name: str | None
    operation: OperationDefinitionNode
    fields: list[FieldPlan]
    # By model, the optional columns no field of the plan reads (`resolvers.views`).
    unread: Mapping[type[Model], frozenset[str]] = field(default_factory=dict)


_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


def fast_serializer(named: GraphQLScalarType | GraphQLEnumType) -> Callable[[Any], Any]:
    """The type's own `serialize`, skipped only where it would return the value unchanged."""
    serialize = named.serialize
    if named.name in ("String", "ID"):
        return lambda v: v if type(v) is str else serialize(v)
    if named.name == "Boolean":
        return lambda v: v if type(v) is bool else serialize(v)
    if named.name == "Int":
        return lambda v: v if type(v) is int and _INT_MIN <= v <= _INT_MAX else serialize(v)
    return serialize


def _unwrap(type_: GraphQLOutputType) -> tuple[bool, bool, bool, Any]:
    """(nullable, is list, item nullable, named type); lists of lists are not planned."""
    nullable = not isinstance(type_, GraphQLNonNull)
    inner: Any = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if not isinstance(inner, GraphQLList):
        return nullable, False, nullable, inner
    item: Any = inner.of_type
    item_nullable = not isinstance(item, GraphQLNonNull)
    if isinstance(item, GraphQLNonNull):
        item = item.of_type
    if isinstance(item, GraphQLList):
        raise Unsupported("nested lists")
    return nullable, True, item_nullable, item


def _applies(schema: GraphQLSchema, condition: str | None, parent: GraphQLObjectType) -> bool:
    """Whether an inline fragment on `condition` (None: no condition) selects on `parent`."""
    if condition is None or condition == parent.name:
        return True
    named = schema.get_type(condition)
    return isinstance(named, GraphQLInterfaceType | GraphQLUnionType) and schema.is_sub_type(
        named, parent
    )


def _field_nodes(
    schema: GraphQLSchema, parent: GraphQLObjectType, selections: tuple[SelectionNode, ...]
) -> list[FieldNode]:
    """The fields selected on `parent`, with the inline fragments that apply to it in place."""
    fields: list[FieldNode] = []
    for selection in selections:
        if selection.directives:
            raise Unsupported("directives")
        if isinstance(selection, FieldNode):
            fields.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else None
            if _applies(schema, condition, parent):
                fields += _field_nodes(schema, parent, tuple(selection.selection_set.selections))
        else:
            raise Unsupported("named fragments")
    return fields


def _type_name_plan(key: str, node: FieldNode, parent: GraphQLObjectType) -> FieldPlan:
    return FieldPlan(
        key=key,
        name="__typename",
        node=node,
        definition=TypeNameMetaFieldDef,
        strawberry_field=None,
        attr=None,
        fetch=None,
        nullable=False,
        is_list=False,
        item_nullable=False,
        serialize=fast_serializer(GraphQLString),
        children=None,
        type_name="String",
        constant=parent.name,
    )


def plan_selection(
    schema: GraphQLSchema,
    parent: GraphQLObjectType,
    selection_set: SelectionSetNode,
    fetches: dict[tuple[str, str], Fetch],
) -> list[FieldPlan]:
    """Plans for the fields of one selection set on `parent` (inline fragments applied)."""
    plans: list[FieldPlan] = []
    seen: set[str] = set()
    for selection in _field_nodes(schema, parent, tuple(selection_set.selections)):
        name = selection.name.value
        key = selection.alias.value if selection.alias else name
        if key in seen:
            raise Unsupported("a response key selected twice")
        seen.add(key)
        if name == "__typename":
            plans.append(_type_name_plan(key, selection, parent))
            continue
        if name.startswith("__"):
            raise Unsupported("introspection fields")
        definition = parent.fields.get(name)
        if definition is None:
            raise Unsupported(f"unknown field {parent.name}.{name}")
        nullable, is_list, item_nullable, named = _unwrap(definition.type)
        strawberry_field = (definition.extensions or {}).get("strawberry-definition")
        if strawberry_field is None:
            raise Unsupported(f"{parent.name}.{name} is not a strawberry field")
        fetch = fetches.get((parent.name, name))
        attr: str | None = None
        if fetch is None:
            if strawberry_field.base_resolver is not None or selection.arguments:
                raise Unsupported(f"{parent.name}.{name} has a resolver without a compiled fetch")
            attr = strawberry_field.python_name
        serialize: Callable[[Any], Any] | None = None
        children: list[FieldPlan] | None = None
        by_type: dict[str, list[FieldPlan]] | None = None
        if isinstance(named, GraphQLScalarType | GraphQLEnumType):
            if selection.selection_set is not None:
                raise Unsupported("a selection on a leaf")
            serialize = fast_serializer(named)
        elif selection.selection_set is None:
            raise Unsupported("an object without a selection")
        elif isinstance(named, GraphQLObjectType):
            children = plan_selection(schema, named, selection.selection_set, fetches)
        elif isinstance(named, GraphQLUnionType | GraphQLInterfaceType):
            by_type = {
                possible.name: plan_selection(schema, possible, selection.selection_set, fetches)
                for possible in schema.get_possible_types(named)
            }
        else:
            raise Unsupported(f"output type {named}")
        plans.append(
            FieldPlan(
                key=key,
                name=name,
                node=selection,
                definition=definition,
                strawberry_field=strawberry_field,
                attr=attr,
                fetch=fetch,
                nullable=nullable,
                is_list=is_list,
                item_nullable=item_nullable,
                serialize=serialize,
                children=children,
                type_name=named.name,
                by_type=by_type,
            )
        )
    for plan in plans:
        plan.siblings = plans
    return plans


def plan_operation(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fetches: dict[tuple[str, str], Fetch],
) -> OperationPlan:
    """The plan of one query operation; raises Unsupported when any part is not compiled."""
    if operation.operation.value != "query" or schema.query_type is None:
        raise Unsupported("only queries are compiled")
    if operation.directives:
        raise Unsupported("directives")
    for definition in operation.variable_definitions or ():
        if definition.directives:
            raise Unsupported("directives")
    fields = plan_selection(schema, schema.query_type, operation.selection_set, fetches)
    for root in fields:
        if root.fetch is None:
            raise Unsupported("a root field without a compiled fetch")
    read: dict[str, set[str]] = {}
    _attributes_read(schema.query_type.name, fields, read)
    return OperationPlan(
        name=operation.name.value if operation.name else None,
        operation=operation,
        fields=fields,
        unread=unread_columns(read),
    )


def _attributes_read(parent: str, plans: list[FieldPlan], read: dict[str, set[str]]) -> None:
    """Collect the attributes a plan reads of each object type (fetched fields read keys)."""
    for plan in plans:
        if plan.attr is not None:
            read.setdefault(parent, set()).add(plan.attr)
        if plan.children is not None:
            _attributes_read(plan.type_name, plan.children, read)
        for type_name, children in (plan.by_type or {}).items():
            _attributes_read(type_name, children, read)

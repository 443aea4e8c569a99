"""Running a plan: one batch per field per level, the response built by plain code.

No resolver is called per object and no future is made per key: a level's fetch receives every
parent at once, and the fields without a resolver are attribute reads serialised by the schema
type's own `serialize`. Whatever the general executor would answer differently (a null where
the schema says non-null, an error) raises `Fallback`, and the whole request runs there instead.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

from graphql.execution.values import get_argument_values
from strawberry.types.arguments import convert_arguments
from strawberry.types.nodes import convert_selections

from hmsdesk_graph.compiled.plan import FieldPlan
from hmsdesk_graph.compiled.reference import ReferenceSlugs
from hmsdesk_graph.context import Context, Info
from hmsdesk_graph.workers.events import HeldEvents

if TYPE_CHECKING:
    from hmsdesk_graph.api.root import HmsdeskSchema


class Fallback(Exception):
    """This request must be answered by the general executor (nothing has been sent yet)."""


@dataclass(slots=True)
class Run:
    """One request on the compiled path: its context, variables and held-back events."""

    schema: HmsdeskSchema
    context: Context
    variables: Any  # graphql-core's coerced VariableValues
    held: HeldEvents = field(default_factory=HeldEvents)
    # Lean rows a joined fetch already read, by model and id: a later level's by-id fetch of
    # the same model takes them from here instead of sending a statement.
    rows: dict[type, dict[int, Any]] = field(default_factory=dict)
    # What the fields derive from the variables alone (converted arguments, selections), kept
    # with the plan's checks for this variable set: its later runs convert nothing again.
    derived: dict[Any, Any] = field(default_factory=dict)
    # Practices (with their hospitals' and localities' columns) by practitioner id, read at
    # the edges' level for their distances: the nodes' practices below take them from here.
    practices: dict[int, list[Any]] = field(default_factory=dict)
    # Their cheapest packages, when the cards show them, read in the same statement.
    packages: dict[int, list[Any]] = field(default_factory=dict)
    # The worker's catalogue rows (cities, localities), read once per worker, not per request.
    reference: ReferenceSlugs = field(default_factory=ReferenceSlugs)
    # Reads that sibling fields of one level share (`compiled.cards`), by what they read.
    joint: dict[Any, asyncio.Future[Any]] = field(default_factory=dict)

    @property
    def info(self) -> Info:
        # The shared resolvers read nothing from Info but its context.
        return cast(Info, SimpleNamespace(context=self.context))

    def info_for(self, plan: FieldPlan) -> Info:
        """Info for a root resolver: its context and what the field selects (a resolver may
        plan its statements by what is asked, e.g. totalCount with facets)."""
        key = (plan, "selected")
        selected = self.derived.get(key)
        if selected is None:
            graphql_info = SimpleNamespace(fragments={}, variable_values=self.variables)
            selected = self.derived[key] = convert_selections(cast(Any, graphql_info), [plan.node])
        return cast(Info, SimpleNamespace(context=self.context, selected_fields=selected))

    def arguments(self, plan: FieldPlan) -> dict[str, Any]:
        """The field's arguments as the resolver's Python keyword arguments (resolvers read
        them, never change them: the values are shared by the runs of one variable set)."""
        converted: dict[str, Any] | None = self.derived.get(plan)
        if converted is None:
            raw = get_argument_values(plan.definition, plan.node, self.variables)
            converted = self.derived[plan] = convert_arguments(
                raw,
                plan.strawberry_field.arguments,
                scalar_registry=self.schema.schema_converter.scalar_registry,
                config=self.schema.config,
            )
        return dict(converted)


def _leaf(plan: FieldPlan, value: Any) -> Any:
    serialize = plan.serialize
    assert serialize is not None
    if value is None:
        if not plan.nullable:
            raise Fallback
        return None
    if not plan.is_list:
        return serialize(value)
    out: list[Any] = []
    for item in value:
        if item is None:
            if not plan.item_nullable:
                raise Fallback
            out.append(None)
        else:
            out.append(serialize(item))
    return out


def _type_name(value: Any) -> str:
    """The object type a value of a union or interface field is (a strawberry object's, or a
    view's, `resolvers.views`)."""
    definition = getattr(type(value), "__strawberry_definition__", None)
    if definition is not None:
        return str(definition.name)
    name = getattr(value, "type_name", None)
    if not isinstance(name, str):
        raise Fallback
    return name


async def _by_type(run: Run, by_type: dict[str, list[FieldPlan]], items: list[Any]) -> list[Any]:
    """Complete the items of an abstract field, each with its own type's plan (one batch per
    type, the types' batches together), in item order."""
    positions: dict[str, list[int]] = {}
    for n, item in enumerate(items):
        positions.setdefault(_type_name(item), []).append(n)
    if any(name not in by_type for name in positions):
        raise Fallback
    done = await asyncio.gather(
        *(complete(run, by_type[name], [items[n] for n in at]) for name, at in positions.items())
    )
    out: list[Any] = [None] * len(items)
    for at, objects in zip(positions.values(), done, strict=True):
        for n, obj in zip(at, objects, strict=True):
            out[n] = obj
    return out


async def _objects(run: Run, plan: FieldPlan, values: list[Any]) -> list[Any]:
    """Complete an object field for every parent: its children planned over all items at once."""
    flat: list[Any] = []
    for value in values:
        if value is None:
            if not plan.nullable:
                raise Fallback
        elif plan.is_list:
            for item in value:
                if item is None:
                    if not plan.item_nullable:
                        raise Fallback
                else:
                    flat.append(item)
        else:
            flat.append(value)
    if plan.by_type is not None:
        done = iter(await _by_type(run, plan.by_type, flat))
    else:
        assert plan.children is not None
        done = iter(await complete(run, plan.children, flat))
    out: list[Any] = []
    for value in values:
        if value is None:
            out.append(None)
        elif plan.is_list:
            out.append([None if item is None else next(done) for item in value])
        else:
            out.append(next(done))
    return out


async def complete(run: Run, plans: list[FieldPlan], parents: list[Any]) -> list[dict[str, Any]]:
    """The response objects for `parents`, one level: fetches of the level run together."""
    if not parents:
        return []
    batches = [p for p in plans if p.fetch is not None]
    fetched: dict[str, list[Any]] = {}
    if len(batches) == 1:
        only = batches[0]
        assert only.fetch is not None
        fetched[only.key] = await only.fetch(run, only, parents)
    elif batches:
        results = await asyncio.gather(
            *(p.fetch(run, p, parents) for p in batches if p.fetch is not None)
        )
        fetched = {p.key: r for p, r in zip(batches, results, strict=True)}
    columns: list[list[Any]] = []
    for plan in plans:
        if plan.fetch is not None:
            values = fetched[plan.key]
        elif plan.constant is not None:
            values = [plan.constant] * len(parents)
        else:
            attr = plan.attr
            assert attr is not None
            values = [getattr(parent, attr) for parent in parents]
        if plan.serialize is not None:
            columns.append([_leaf(plan, v) for v in values])
        else:
            columns.append(await _objects(run, plan, values))
    keys = [plan.key for plan in plans]
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]

"""Query cost: how many objects an operation may ask for, computed before it runs (issue 12).

The model follows GitHub's GraphQL node limit:

- a list field costs its size times the sizes of every list it sits in;
- a list's size is its `first`/`last` argument, the default page size when the field takes one
  but none is given, the number of IDs for `nodes(ids:)`, the `days` asked of `availability`,
  and otherwise a fixed bound (LIST_BOUNDS, else DEFAULT_LIST_BOUND);
- a connection's `edges` is the connection's page, already counted; lists of scalars come with
  their object and cost nothing; single objects cost nothing, except that every root field
  costs at least 1 (it is one lookup);
- fields sharing a response key are merged, as execution merges them; each alias counts on its
  own; fragments and inline fragments count where they apply, and on an interface or union the
  most expensive possible type counts; `@skip`/`@include` are not evaluated (an upper bound).

Over the viewer's budget the operation is refused with QUERY_TOO_COMPLEX before execution (no
SQL, nothing resolved); every response carries `extensions.cost { requested, budget }`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
    is_composite_type,
)

from hmsdesk_graph.config import Settings
from hmsdesk_graph.errors import QueryTooComplex
from hmsdesk_graph.guards.limits import (
    Refusing,
    chosen_operation,
    int_or_variable,
    list_length,
    with_defaults,
)
from hmsdesk_graph.identity.auth import Role

# Lists without a page-size argument: the most items one can hold (estimates where the data
# decides, e.g. a practitioner's practices). Keys are schema coordinates; a test checks that
# each still names a list field of the schema.
LIST_BOUNDS: dict[str, int] = {
    "Query.cities": 50,
    "Query.specialties": 100,
    "Query.suggest": 10,
    "Query.localityBenchmarks": 100,
    "Hospital.specialties": 30,
    "DiagnosticCenter.labTests": 200,
    "PractitionerRole.weeklyHours": 14,
    "ReviewSummary.distribution": 5,
    "ReachDashboard.daily": 366,
    "ReachEntity.daily": 366,
    "ReachDashboard.campaigns": 50,
    "ReachEntity.campaigns": 50,
    "ReachReputation.weekly": 54,
    "Patient.reviews": 50,
    "UpsertPricePackagesPayload.packages": 100,
}
DEFAULT_LIST_BOUND = 10
PAGE_SIZE_ARGUMENTS = ("first", "last")


@dataclass(frozen=True)
class CostBudgets:
    """The most an operation may cost, per kind of viewer."""

    anonymous: int
    patient: int
    partner: int
    staff: int
    default_page_size: int

    @classmethod
    def from_settings(cls, settings: Settings) -> CostBudgets:
        return cls(
            anonymous=settings.cost_budget_anonymous,
            patient=settings.cost_budget_patient,
            partner=settings.cost_budget_partner,
            staff=settings.cost_budget_staff,
            default_page_size=settings.default_first,
        )

    def for_role(self, role: Role) -> int:
        """The budget of a viewer with this role."""
        if role in {Role.INTERNAL, Role.ADMIN}:
            return self.staff
        if role is Role.PARTNER:
            return self.partner
        if role is Role.PATIENT:
            return self.patient
        return self.anonymous


class CostCalculator:
    """The cost of one operation of a document, with its variables' raw values."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any],
        default_page_size: int,
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.default_page_size = default_page_size
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def operation_cost(self, operation: OperationDefinitionNode) -> int:
        """The cost of `operation` (every root field at least 1)."""
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0
        total = 0
        for nodes in self._collect([operation.selection_set], root).values():
            total += max(1, self._field_cost(root, nodes, 1))
        return total

    def _selection_cost(
        self,
        selection_sets: list[SelectionSetNode],
        parent: GraphQLNamedType,
        multiplier: int,
        page: int | None = None,
    ) -> int:
        """The cost of the selections on `parent`; `page` is set inside a connection."""
        if isinstance(parent, GraphQLObjectType):
            runtime_types: list[GraphQLObjectType] = [parent]
        elif is_abstract_type(parent):
            assert isinstance(parent, GraphQLAbstractType)
            runtime_types = list(self.schema.get_possible_types(parent))
        else:
            return 0
        best = 0
        for runtime_type in runtime_types:
            cost = sum(
                self._field_cost(runtime_type, nodes, multiplier, page)
                for nodes in self._collect(selection_sets, runtime_type).values()
            )
            best = max(best, cost)
        return best

    def _field_cost(
        self,
        parent: GraphQLObjectType,
        nodes: list[FieldNode],
        multiplier: int,
        page: int | None = None,
    ) -> int:
        name = nodes[0].name.value
        definition = parent.fields.get(name)
        if definition is None or name.startswith("__"):
            return 0  # introspection, or a field validation already refused
        named = get_named_type(definition.type)
        if not is_composite_type(named):
            return 0
        children = [n.selection_set for n in nodes if n.selection_set is not None]
        if name == "edges" and page is not None:
            # The connection's page, counted on the connection field: only its items multiply.
            return self._selection_cost(children, named, multiplier * page)
        size = self._size(parent, name, definition, nodes[0])
        if size is None:
            return self._selection_cost(children, named, multiplier)
        if isinstance(named, GraphQLObjectType) and "edges" in named.fields:
            # A connection: its page is its cost; totalCount, pageInfo and facets are once.
            return multiplier * size + self._selection_cost(children, named, multiplier, size)
        return multiplier * size + self._selection_cost(children, named, multiplier * size)

    def _size(
        self, parent: GraphQLObjectType, name: str, definition: GraphQLField, node: FieldNode
    ) -> int | None:
        """How many items the field may hold; None for a single object."""
        arguments = {a.name.value: a.value for a in node.arguments or ()}
        if any(a in definition.args for a in PAGE_SIZE_ARGUMENTS):
            sizes = [
                int_or_variable(arguments[a], self.variables)
                for a in PAGE_SIZE_ARGUMENTS
                if a in arguments
            ]
            given = [s for s in sizes if isinstance(s, int) and not isinstance(s, bool)]
            return max(given) if given else self.default_page_size
        if not _is_list(definition.type):
            return None
        if name == "nodes" and "ids" in arguments:
            return list_length(arguments["ids"], self.variables) or DEFAULT_LIST_BOUND
        if name == "availability" and "days" in definition.args:
            days = int_or_variable(arguments["days"], self.variables) if "days" in arguments else 7
            return days if isinstance(days, int) and days > 0 else 7
        return LIST_BOUNDS.get(f"{parent.name}.{name}", DEFAULT_LIST_BOUND)

    def _collect(
        self, selection_sets: list[SelectionSetNode], runtime_type: GraphQLObjectType
    ) -> dict[str, list[FieldNode]]:
        """The fields that apply to `runtime_type`, grouped by response key (as executed)."""
        grouped: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()

        def visit(selection_set: SelectionSetNode) -> None:
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    grouped.setdefault(key, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    if condition is None or self._applies(condition.name.value, runtime_type):
                        visit(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if name in visited or fragment is None:
                        continue
                    visited.add(name)
                    if self._applies(fragment.type_condition.name.value, runtime_type):
                        visit(fragment.selection_set)

        for selection_set in selection_sets:
            visit(selection_set)
        return grouped

    def _applies(self, condition: str, runtime_type: GraphQLObjectType) -> bool:
        condition_type = self.schema.get_type(condition)
        if condition_type is None:
            return False
        if condition_type is runtime_type:
            return True
        return is_abstract_type(condition_type) and self.schema.is_sub_type(
            condition_type,  # type: ignore[arg-type]
            runtime_type,
        )


def _is_list(type_: GraphQLOutputType) -> bool:
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    return isinstance(inner, GraphQLList)


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any],
    default_page_size: int,
) -> int | None:
    """The cost of the operation that would run; None when no single operation is chosen."""
    operation = chosen_operation(document, operation_name)
    if operation is None:
        return None
    values = with_defaults(operation, variables)
    return CostCalculator(schema, document, values, default_page_size).operation_cost(operation)


class CostLimit(Refusing):
    """Refuses an operation over the viewer's budget before execution; reports every cost.

    One instance per request (built by a factory): the cost is kept on it between the
    check and `get_results`.
    """

    def __init__(self, budgets: CostBudgets) -> None:
        self.budgets = budgets
        self.requested = 0

    def _budget(self) -> int:
        viewer = getattr(self.execution_context.context, "viewer", None)
        role = getattr(viewer, "role", Role.ANONYMOUS)
        return self.budgets.for_role(role)

    def refusal(self, document: DocumentNode) -> GraphQLError | None:
        context = self.execution_context
        cost = operation_cost(
            context.schema._schema,
            document,
            context.operation_name,
            context.variables or {},
            self.budgets.default_page_size,
        )
        self.requested = cost or 0
        budget = self._budget()
        if cost is None or cost <= budget:
            return None
        problem = QueryTooComplex(
            f"This operation may cost {cost}, over the budget of {budget} per request:"
            " ask for smaller pages or fewer nested lists.",
            cost=cost,
            budget=budget,
        )
        return GraphQLError(problem.message, original_error=problem)

    def get_results(self) -> dict[str, Any]:
        return {"cost": {"requested": self.requested, "budget": self._budget()}}


def cost_limit(settings: Settings) -> Callable[[], CostLimit]:
    """A factory making one CostLimit per request with this deployment's budgets."""
    budgets = CostBudgets.from_settings(settings)
    return lambda: CostLimit(budgets)

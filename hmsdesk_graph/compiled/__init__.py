"""Trusted operations compiled once (issue 10).

The committed `schema/operations/*.graphql` documents are parsed, validated and planned when
the app is built. A request whose document text is byte-for-byte a committed one (matched by
sha256) runs on its plan: variables coerced by graphql-core, one set-based fetch per field per
level, the response built without a resolver call per field. Everything else, and any request
the plan cannot answer exactly as the general executor would (bad input, a missing row, an
error), runs on the general executor.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from cachetools import LRUCache
from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, parse, validate
from graphql.execution.values import VariableValues, get_variable_values
from graphql.language import Lexer, Source, TokenKind

from hmsdesk_graph.compiled.execute import Fallback, Run, complete
from hmsdesk_graph.compiled.fetches import FETCHES
from hmsdesk_graph.compiled.plan import OperationPlan, Unsupported, plan_operation
from hmsdesk_graph.compiled.reference import ReferenceSlugs
from hmsdesk_graph.config import Settings
from hmsdesk_graph.context import Context
from hmsdesk_graph.errors import BadUserInput
from hmsdesk_graph.guards.cost import CostBudgets, operation_cost
from hmsdesk_graph.guards.limits import text_bounds
from hmsdesk_graph.loaders import Loaders
from hmsdesk_graph.ops.metrics import default_operations_dir, operation_label, record_var

if TYPE_CHECKING:
    from graphql import SelectionSetNode

    from hmsdesk_graph.api.root import HmsdeskSchema

logger = logging.getLogger("hmsdesk_graph.compiled")

# Kept checks per plan: the few variable sets a screen rotates through, none of a huge body.
_PRELUDES_PER_PLAN = 512
_PRELUDE_KEY_MAX_BYTES = 2048

__all__ = ["CompiledOperations", "Fallback"]


def document_key(text: str) -> str:
    """The key a document is matched by: sha256 of its text exactly as sent."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _tokens(text: str) -> int:
    lexer = Lexer(Source(text))
    count = 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
    return count


def _depth_and_aliases(selection_set: SelectionSetNode | None) -> tuple[int, int]:
    if selection_set is None:
        return 0, 0
    depth, aliases = 0, 0
    for selection in selection_set.selections:
        child_depth, child_aliases = _depth_and_aliases(getattr(selection, "selection_set", None))
        depth = max(depth, 1 + child_depth)
        aliases += child_aliases + (1 if getattr(selection, "alias", None) else 0)
    return depth, aliases


def _within_limits(text: str, operation: OperationDefinitionNode, settings: Settings) -> bool:
    """Well inside every document limit the general path enforces, so none can fire there."""
    depth, aliases = _depth_and_aliases(operation.selection_set)
    return (
        depth <= settings.max_depth
        and aliases < settings.max_aliases
        and _tokens(text) < settings.max_tokens
    )


class CompiledOperations:
    """The plans of the committed operations of one schema and settings."""

    def __init__(self, schema: HmsdeskSchema, settings: Settings) -> None:
        self.schema = schema
        self.settings = settings
        self.budgets = CostBudgets.from_settings(settings)
        self.text_bounds = text_bounds(settings)()
        self.plans: dict[str, OperationPlan] = {}
        self.skipped: dict[str, str] = {}  # operation file -> why it runs on the general path
        self.answered = 0  # requests answered by a plan (tests tell the two paths apart)
        self.reference = ReferenceSlugs()
        self._preludes: dict[OperationPlan, LRUCache[bytes, Any]] = {}
        directory = Path(settings.operations_dir or default_operations_dir())
        self._known = frozenset[str]()
        if settings.compiled_operations and directory.is_dir():
            for file in sorted(directory.glob("*.graphql")):
                self._add(file.name, file.read_text(encoding="utf-8"))
        self._known = frozenset(p.name for p in self.plans.values() if p.name)

    def _add(self, label: str, text: str) -> None:
        graphql_schema = self.schema._schema
        try:
            document = parse(text)
        except GraphQLError as exc:
            self.skipped[label] = f"does not parse: {exc.message}"
            return
        if validate(graphql_schema, document):
            self.skipped[label] = "does not validate"
            return
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) != 1 or len(document.definitions) != 1:
            self.skipped[label] = "not exactly one operation"
            return
        if not _within_limits(text, operations[0], self.settings):
            self.skipped[label] = "near the document limits"
            return
        try:
            plan = plan_operation(graphql_schema, operations[0], FETCHES)
        except Unsupported as exc:
            self.skipped[label] = str(exc)
            return
        self.plans[document_key(text)] = plan

    def match(self, query: str, operation_name: str | None) -> OperationPlan | None:
        """The plan for this exact document text, if it is a compiled committed operation."""
        if not self.plans:
            return None
        plan = self.plans.get(document_key(query))
        if plan is None or (operation_name is not None and operation_name != plan.name):
            return None
        return plan

    def _prelude(
        self, plan: OperationPlan, variables: dict[str, Any] | None
    ) -> tuple[int, VariableValues, dict[Any, Any]] | None:
        """The cost, coerced variables and derived values (Run.derived) of a plan run, None
        when the general path must answer; kept per plan and variables, since they depend on
        nothing else."""
        try:
            key = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS) if variables else b""
        except (TypeError, orjson.JSONEncodeError):
            key = None  # a value orjson cannot write (an int past 64 bits): not kept
        memo = self._preludes.setdefault(plan, LRUCache(maxsize=_PRELUDES_PER_PLAN))
        if key is not None and key in memo:
            kept: tuple[int, VariableValues, dict[Any, Any]] | None = memo[key]
        else:
            kept = self._checked(plan, variables)
            if key is not None and len(key) <= _PRELUDE_KEY_MAX_BYTES:
                memo[key] = kept
        if kept is None:
            return None
        # The run may keep what it is given: a copy, so no request sees another's values.
        cost, coerced, derived = kept
        return cost, coerced._replace(coerced=dict(coerced.coerced)), derived

    def _checked(
        self, plan: OperationPlan, variables: dict[str, Any] | None
    ) -> tuple[int, VariableValues, dict[Any, Any]] | None:
        # The general path's pre-execution checks, with the same outcome: anything they would
        # refuse is handed to the general executor, which refuses it with the same error.
        graphql_schema = self.schema._schema
        document = DocumentNode(definitions=(plan.operation,))
        try:
            self.text_bounds.check(graphql_schema, document, plan.operation, variables)
        except BadUserInput:
            return None
        cost = operation_cost(
            graphql_schema, document, plan.name, variables or {}, self.budgets.default_page_size
        )
        if cost is None:
            return None
        coerced = get_variable_values(
            graphql_schema, plan.operation.variable_definitions or (), variables or {}
        )
        if isinstance(coerced, list):
            return None  # graphql-core's own coercion errors, from the general path
        return cost, coerced, {}

    async def run(
        self, plan: OperationPlan, context: Context, variables: dict[str, Any] | None
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The `data` and `extensions` of a compiled run; None when the general executor must
        answer instead.

        Listing events are held back and recorded only for a complete answer, so a request
        handed to the general path records them once.
        """
        prelude = self._prelude(plan, variables)
        if prelude is None:
            return None
        cost, coerced, derived = prelude
        budget = self.budgets.for_role(context.viewer.role)
        if cost > budget:
            return None
        record = record_var.get()
        if record is not None:
            record.operation = operation_label(plan.name, self._known)
        run = Run(self.schema, context, coerced, derived=derived, reference=self.reference)
        recorder = context.events
        context.events, context.lean_reads, context.unread = run.held, True, plan.unread
        context.loaders.serve_slugs_from(self.reference.cities, self.reference.specialties)
        try:
            data = (await complete(run, plan.fields, [None]))[0]
        except Exception as exc:  # the general path answers (and reports) it the same way
            if not isinstance(exc, Fallback):
                logger.debug("compiled %s handed over: %s", plan.name, type(exc).__name__)
            # The general executor starts clean: no lean row primed in a loader.
            context.loaders = Loaders(context.upstreams, context.deadline)
            return None
        finally:
            context.events, context.lean_reads, context.unread = recorder, False, {}
        if recorder is not None and run.held.held:
            recorder.record(run.held.held)
        self.answered += 1
        # What the schema extensions add on the general path: the cost, and any warnings.
        extensions: dict[str, Any] = {"cost": {"requested": cost, "budget": budget}}
        if context.warnings:
            extensions["warnings"] = list(context.warnings)
        return data, extensions

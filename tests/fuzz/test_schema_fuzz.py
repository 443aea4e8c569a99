"""Schema fuzzing: generated, valid operations never crash the endpoint.

hypothesis-graphql builds queries and mutations from the live schema, with arguments drawn
partly from the seeded world (real ids and slugs) and partly at random (NUL bytes, huge
numbers, odd dates). Each is posted to /graphql as each kind of viewer. Whatever the client
sends, the answer is data or coded errors: never INTERNAL, never a 5xx, never an error
without `extensions.code`.

Hypothesis runs in a worker thread and hands each request to the test's event loop, so one
app and one seeded database serve every example of a test. Findings are collected, not raised
one by one, so a single run lists every distinct failure with the shortest operation seen and
the innermost project frame of its traceback.

``HMSDESK_FUZZ_EXAMPLES`` sets the examples per test (default 50). Generation is derandomized:
the same code and schema give the same operations, in CI and on a laptop; ``HMSDESK_FUZZ_SEED``
explores other operations, as reproducibly. ``HMSDESK_FUZZ_TRANSCRIPT`` names a JSON-lines file
that gets every request and answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import traceback
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import graphql
import httpx
import hypothesis_graphql as hg
import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from hmsdesk_graph.api.root import build_schema
from tests.fuzz.conftest import FuzzWorld

EXAMPLES = int(os.environ.get("HMSDESK_FUZZ_EXAMPLES", "50"))
# A seed explores other operations (a run with it is as reproducible); none: derandomized.
SEED = os.environ.get("HMSDESK_FUZZ_SEED", "")
# A JSON-lines file to which every operation and answer is appended (for reading a run).
TRANSCRIPT = os.environ.get("HMSDESK_FUZZ_TRANSCRIPT", "")
ROLES = ["anonymous", "patient", "partner", "staff"]
SCHEMA: graphql.GraphQLSchema = build_schema()._schema
REQUEST_TIMEOUT_S = 30.0
PROJECT = f"{os.sep}hmsdesk_graph{os.sep}"
_WRAPPERS = (f"db{os.sep}statements.py", f"ops{os.sep}tracing.py", f"ops{os.sep}metrics.py")
_LONG_LITERAL = re.compile(r'"(?:[^"\\]|\\.){40,}"')


@dataclass
class Finding:
    """One distinct failure: what was sent, what came back, and where it broke."""

    signature: tuple[str, ...]
    role: str
    query: str
    status: int
    error: str
    location: str
    detail: str
    as_variables: bool

    def describe(self) -> str:
        # Long generated strings would bury the report: shorten each literal for display.
        query = _LONG_LITERAL.sub(_shorten, " ".join(self.query.split()))
        return (
            f"[{self.role}] HTTP {self.status}: {self.error}\n  at {self.location}\n"
            f"  exception: {self.detail!r}\n"
            f"  query{' (arguments sent as variables)' if self.as_variables else ''}: {query}"
        )


def _shorten(literal: re.Match[str]) -> str:
    text = literal.group(0)
    return text[:40] + ("…[has NUL]" if "\\u0000" in text else "…") + '"'


class _ErrorLog(logging.Handler):
    """Keeps the tracebacks the app logs, so a masked INTERNAL can be traced to a line."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _short(filename: str) -> str:
    if "site-packages" in filename:
        return filename.split("site-packages" + os.sep)[-1]
    return "hmsdesk_graph/" + filename.split(PROJECT)[-1] if PROJECT in filename else filename


def _where(record: logging.LogRecord) -> tuple[str, str]:
    """(innermost project frame and exception type, the exception's message) of a log record.

    The first part names the bug (it is the finding's identity); the message often holds the
    generated value, so it is shown but not compared.
    """
    if not record.exc_info or record.exc_info[1] is None:
        return f"(logged without traceback: {record.name}: {record.msg})", record.getMessage()
    exc = record.exc_info[1]
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if PROJECT in f.filename and "site-packages" not in f.filename]
    # Wrappers around every statement say nothing about which code sent it.
    callers = [f for f in ours if not f.filename.endswith(_WRAPPERS)]
    where = (callers or ours or frames)[-1]
    last = frames[-1]
    location = f"{_short(where.filename)}:{where.lineno} in {where.name}: {type(exc).__name__}"
    if last is not where:
        location += f" (raised at {_short(last.filename)}:{last.lineno})"
    return location, str(exc)[:160]


def _value_nodes(world: FuzzWorld) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Argument strategies per scalar: seeded values first, then hostile ones."""
    text = st.text(max_size=24)  # includes NUL and astral characters
    # one_of picks a branch evenly: repeating a branch weights it.
    seeded = st.sampled_from(world.strings)
    strings = st.one_of(
        st.sampled_from(["pune", "mumbai"]),
        seeded,
        seeded,
        text,
        st.text(min_size=300, max_size=3000),
    )
    ids = st.one_of(
        st.sampled_from(world.ids),
        st.sampled_from(world.ids),
        st.sampled_from([str(i) for i in world.ints]),
        text,
    )
    ints = st.one_of(
        st.sampled_from(world.ints),
        st.integers(-3, 150),
        st.integers(-(2**31), 2**31 - 1),
    )
    floats = st.one_of(
        st.sampled_from([18.5204, 73.8567, 19.076, 72.8777, 0.0, 10.0, 5.5]),
        st.floats(allow_nan=False, allow_infinity=False),
    )
    seeded_days = st.sampled_from(world.dates).map(date.isoformat)
    days = st.one_of(
        seeded_days,
        seeded_days,
        st.dates(date(1, 1, 1), date(9999, 12, 31)).map(date.isoformat),
        text,
    )
    moments = st.one_of(
        st.sampled_from(world.datetimes),
        st.datetimes(timezones=st.just(UTC)),
        st.integers(-48, 24 * 30).map(lambda h: datetime.now(UTC) + timedelta(hours=h)),
    )
    decimals = st.one_of(
        st.decimals(min_value=-10, max_value=100_000, places=2).map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.sampled_from(["NaN", "-Infinity", "1e400", "500", "0"]),
        text,
    )
    return {
        "String": strings.map(nodes.String),
        "ID": ids.map(nodes.String),
        "Int": ints.map(nodes.Int),
        "Float": floats.map(nodes.Float),
        "Date": days.map(nodes.String),
        "DateTime": st.one_of(moments.map(datetime.isoformat), text).map(nodes.String),
        "Decimal": st.one_of(decimals.map(nodes.String), ints.map(nodes.Int)),
        "JSON": st.just(graphql.NullValueNode()),
    }


def operations(world: FuzzWorld, kind: str) -> st.SearchStrategy[str]:
    """One root field per operation mostly (so it fits the cost limits), sometimes several."""
    root = SCHEMA.query_type if kind == "query" else SCHEMA.mutation_type
    assert root is not None
    make = hg.queries if kind == "query" else hg.mutations
    scalars = _value_nodes(world)
    single = [make(SCHEMA, fields=[name], custom_scalars=scalars) for name in sorted(root.fields)]
    many: st.SearchStrategy[str] = make(SCHEMA, custom_scalars=scalars)
    return st.one_of(st.one_of(single), many)


def hoist_arguments(query: str) -> tuple[str, dict[str, Any]]:
    """The same operation with every literal argument sent as a variable, as apps send them.

    Variables take another path through graphql-core (coercion of JSON values, not literals),
    with errors of their own.
    """
    document = graphql.parse(query)
    type_info = graphql.TypeInfo(SCHEMA)
    definitions: list[graphql.VariableDefinitionNode] = []
    variables: dict[str, Any] = {}

    class Hoist(graphql.Visitor):
        def enter_argument(self, node: graphql.ArgumentNode, *_: Any) -> Any:
            argument = type_info.get_argument()
            if argument is None or isinstance(node.value, graphql.VariableNode):
                return None
            name = f"v{len(variables)}"
            variables[name] = graphql.value_from_ast_untyped(node.value)
            variable = graphql.VariableNode(name=graphql.NameNode(value=name))
            type_node = graphql.parse_type(str(argument.type))
            definitions.append(graphql.VariableDefinitionNode(variable=variable, type=type_node))
            return graphql.ArgumentNode(name=node.name, value=variable)

        def leave_operation_definition(
            self, node: graphql.OperationDefinitionNode, *_: Any
        ) -> graphql.OperationDefinitionNode:
            return graphql.OperationDefinitionNode(
                operation=node.operation,
                name=node.name,
                variable_definitions=tuple(definitions),
                directives=node.directives,
                selection_set=node.selection_set,
            )

    hoisted = graphql.visit(document, graphql.TypeInfoVisitor(type_info, Hoist()))
    return graphql.print_ast(hoisted), variables


def _signature(errors: list[dict[str, Any]], status: int, location: str) -> tuple[str, ...]:
    codes = sorted({str((e.get("extensions") or {}).get("code")) for e in errors})
    paths = sorted({str((e.get("path") or ["-"])[0]) for e in errors})
    return (str(status), location, *codes, *paths)


class Fuzzer:
    """Posts operations on the test's event loop and keeps each distinct finding once."""

    def __init__(self, http: httpx.AsyncClient, headers: dict[str, str], role: str) -> None:
        self.http = http
        self.headers = headers
        self.role = role
        self.loop = asyncio.get_running_loop()
        self.log = _ErrorLog()
        self.findings: dict[tuple[str, ...], Finding] = {}
        self.sent = 0
        self.with_data = 0
        self.codes: Counter[str] = Counter()
        self.as_variables = False

    async def _post(self, payload: dict[str, Any]) -> httpx.Response:
        return await self.http.post("/graphql", json=payload, headers=self.headers)

    def run(self, query: str, as_variables: bool) -> None:
        """Send one operation (called from Hypothesis' thread) and judge the answer."""
        logged = len(self.log.records)
        payload: dict[str, Any] = {"query": query}
        if as_variables:
            payload["query"], payload["variables"] = hoist_arguments(query)
        self.as_variables = as_variables
        future = asyncio.run_coroutine_threadsafe(self._post(payload), self.loop)
        response = future.result(timeout=REQUEST_TIMEOUT_S)
        self.sent += 1
        try:
            body = response.json()
        except ValueError:
            body = None
        records = self.log.records[logged:]
        if TRANSCRIPT:
            with open(TRANSCRIPT, "a", encoding="utf-8") as out:
                line = {"role": self.role, "status": response.status_code, **payload}
                out.write(json.dumps({**line, "body": body}) + "\n")
        location, detail = _where(records[0]) if records else ("(nothing logged)", "")
        if not isinstance(body, dict):
            text = f"not a JSON object: {body!r}"[:200]
            self._keep(query, response.status_code, [], text, location, detail)
            return
        if body.get("data"):
            self.with_data += 1
        errors: list[dict[str, Any]] = body.get("errors") or []
        self.codes.update(str((e.get("extensions") or {}).get("code")) for e in errors)
        bad = [
            e
            for e in errors
            if not (e.get("extensions") or {}).get("code")
            or (e.get("extensions") or {}).get("code") == "INTERNAL"
        ]
        if response.status_code >= 500 or bad:
            shown = bad or errors
            message = "; ".join(
                f"{(e.get('extensions') or {}).get('code')}: {str(e.get('message'))[:100]}"
                f" at {e.get('path')}"
                for e in shown[:3]
            )
            self._keep(query, response.status_code, shown, message, location, detail)

    def _keep(
        self,
        query: str,
        status: int,
        errors: list[dict[str, Any]],
        message: str,
        location: str,
        detail: str,
    ) -> None:
        signature = _signature(errors, status, location)
        seen = self.findings.get(signature)
        if seen is None or len(query) < len(seen.query):
            finding = Finding(
                signature, self.role, query, status, message, location, detail, self.as_variables
            )
            self.findings[signature] = finding


async def _fuzz(http: httpx.AsyncClient, world: FuzzWorld, role: str, kind: str) -> None:
    fuzzer = Fuzzer(http, world.headers[role], role)
    root = logging.getLogger()
    root.addHandler(fuzzer.log)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not SEED,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # findings are collected, not shrunk
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(query=operations(world, kind), as_variables=st.booleans())
    def examples(query: str, as_variables: bool) -> None:
        fuzzer.run(query, as_variables)

    if SEED:
        examples = seed(int(SEED))(examples)

    try:
        await asyncio.to_thread(examples)
    finally:
        root.removeHandler(fuzzer.log)
    print(f"{role} {kind}: {fuzzer.sent} sent, {fuzzer.with_data} with data, {dict(fuzzer.codes)}")
    report = "\n".join(f.describe() for f in fuzzer.findings.values())
    if fuzzer.findings:
        pytest.fail(f"{len(fuzzer.findings)} distinct findings:\n{report}", pytrace=False)


@pytest.mark.parametrize("role", ROLES)
async def test_generated_queries_never_crash(
    http: httpx.AsyncClient, world: FuzzWorld, role: str
) -> None:
    await _fuzz(http, world, role, "query")


@pytest.mark.parametrize("role", ROLES)
async def test_generated_mutations_never_crash(
    http: httpx.AsyncClient, world: FuzzWorld, role: str
) -> None:
    await _fuzz(http, world, role, "mutation")


def test_hoisted_arguments_make_the_same_valid_operation() -> None:
    """The variables form of an operation validates and carries every literal's value."""
    query = (
        '{ searchPractitioners(city: "pune", near: {lat: 18.5, lng: 73, radiusKm: 3},'
        " sort: FEE_ASC, first: 3) { edges { node { reviews(first: 2) { totalCount } } } } }"
    )
    hoisted, variables = hoist_arguments(query)
    assert graphql.validate(SCHEMA, graphql.parse(hoisted)) == []
    assert variables == {
        "v0": "pune",
        "v1": {"lat": 18.5, "lng": 73, "radiusKm": 3},
        "v2": "FEE_ASC",
        "v3": 3,
        "v4": 2,
    }

"""The named operations the clients send: every ``schema/operations/*.graphql`` file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from graphql import (
    FieldNode,
    GraphQLError,
    NonNullTypeNode,
    OperationDefinitionNode,
    parse,
)

OPERATIONS_DIR = Path(__file__).resolve().parent.parent / "schema" / "operations"


@dataclass(frozen=True)
class Variable:
    """A variable the operation declares."""

    name: str
    required: bool  # non-null and without a default: the request fails without it


@dataclass(frozen=True)
class Operation:
    """One named operation, as a client sends it."""

    name: str
    kind: str  # query, mutation or subscription
    document: str
    path: Path
    root_fields: tuple[str, ...]
    variables: tuple[Variable, ...]

    @property
    def required_variables(self) -> frozenset[str]:
        """Names of the variables without which the request fails."""
        return frozenset(v.name for v in self.variables if v.required)

    @property
    def variable_names(self) -> frozenset[str]:
        """Names of every declared variable."""
        return frozenset(v.name for v in self.variables)


class OperationFileError(ValueError):
    """An operation file that does not hold exactly one named operation."""


def load_operation(path: Path) -> Operation:
    """Parse one operation file (one named operation per file, as the clients keep them)."""
    document = path.read_text(encoding="utf-8")
    try:
        ast = parse(document)
    except GraphQLError as exc:
        raise OperationFileError(f"{path.name}: {exc.message}") from None
    definitions = [d for d in ast.definitions if isinstance(d, OperationDefinitionNode)]
    if len(definitions) != 1 or definitions[0].name is None:
        raise OperationFileError(f"{path.name}: expected exactly one named operation")
    (definition,) = definitions
    assert definition.name is not None
    variables = tuple(
        Variable(
            name=v.variable.name.value,
            required=isinstance(v.type, NonNullTypeNode) and v.default_value is None,
        )
        for v in definition.variable_definitions or ()
    )
    roots = tuple(
        s.name.value for s in definition.selection_set.selections if isinstance(s, FieldNode)
    )
    return Operation(
        name=definition.name.value,
        kind=definition.operation.value,
        document=document,
        path=path,
        root_fields=roots,
        variables=variables,
    )


def discover(directory: Path = OPERATIONS_DIR) -> list[Operation]:
    """Every operation in the folder, by name."""
    operations = [load_operation(p) for p in sorted(directory.glob("*.graphql"))]
    return sorted(operations, key=lambda op: op.name)

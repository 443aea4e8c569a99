"""Helpers called by committed migrations. Keep their behaviour stable: old migrations use them."""

from __future__ import annotations

from typing import Any


def apply_check_constraints(*model_names: str) -> Any:
    """A RunPython step that creates the CHECK constraints declared in the models' Meta.

    Tortoise's CreateModel records Meta.constraints in the migration state but does not emit
    CHECK clauses, so the initial migration adds them explicitly.
    """

    async def forward(apps: Any, schema_editor: Any) -> None:
        from tortoise.indexes import Index
        from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint

        for name in model_names:
            model = apps.get_model(f"hmsdesk.{name}")
            checks = [
                c for c in getattr(model._meta, "constraints", ()) if isinstance(c, CheckConstraint)
            ]
            for constraint in checks:
                await schema_editor.add_constraint(model, constraint)
            if checks and schema_editor.DIALECT == "sqlite":
                # SQLite adds a CHECK by rebuilding the table, which drops its indexes.
                for index in model._meta.indexes:
                    if not isinstance(index, Index):
                        index = Index(fields=tuple(index))
                    await schema_editor.add_index(model, index)
                for fields in model._meta.unique_together:
                    await schema_editor.add_constraint(
                        model, UniqueConstraint(fields=tuple(fields))
                    )

    return forward

"""Deterministic, realistic seed data (DESIGN §3): Indian cities, providers, prices and reviews.

    cipher = FieldCipher(settings.field_encryption_key)
    report = await seed_database("small", seed=42, cipher=cipher)
    print(report.format())

Tortoise must be initialised (``db.connection.open_database``) and the database migrated.
"""

from hmsdesk_graph.seed.maintenance import database_is_empty, reset_database
from hmsdesk_graph.seed.run import SeedReport, seed_database
from hmsdesk_graph.seed.scale import SCALES

__all__ = ["SCALES", "SeedReport", "database_is_empty", "reset_database", "seed_database"]

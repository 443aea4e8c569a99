"""Database: tortoise models, connection setup, migrations and SQL helpers."""

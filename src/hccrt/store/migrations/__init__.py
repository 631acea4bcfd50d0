"""Alembic migrations of the patient store, shipped inside the package (run on server start)."""

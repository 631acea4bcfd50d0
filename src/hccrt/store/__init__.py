"""Patient store: SQLAlchemy models, Alembic migrations, content-addressed files, audit log."""

from hccrt.store.db import default_database_url, make_engine, migrate, session_factory
from hccrt.store.files import ContentStore, StoredObject

__all__ = [
    "ContentStore",
    "StoredObject",
    "default_database_url",
    "make_engine",
    "migrate",
    "session_factory",
]

import pytest
from django.db import connection

from tests.grievances.factories import loop  # noqa: F401


@pytest.fixture
def tamper():
    """Run raw SQL the way someone with direct database access would: on PostgreSQL with
    triggers off for the session (``session_replication_role = replica``, a superuser's
    switch), set back right after; SQLite has no triggers to switch."""

    def run(sql, params=()):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = replica")
            try:
                cursor.execute(sql, params)
            finally:
                if connection.vendor == "postgresql":
                    cursor.execute("SET session_replication_role = origin")

    return run

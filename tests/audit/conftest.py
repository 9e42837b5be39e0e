import pytest
from django.db import connection

from tests.grievances.factories import loop  # noqa: F401


@pytest.fixture
def tamper():
    """Run raw SQL the way someone with direct database access would: on PostgreSQL the
    append-only triggers are switched off first (ALTER TABLE is transactional, so the test's
    rollback switches them on again)."""

    def run(sql, params=()):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
                cursor.execute("ALTER TABLE grievances_grievanceevent DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")
                cursor.execute("ALTER TABLE grievances_grievanceevent ENABLE TRIGGER USER")

    return run

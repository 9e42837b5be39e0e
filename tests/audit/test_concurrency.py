"""Concurrent appends each chain onto the row before them: the head row lock serialises them.
Needs real row locks, so it runs on PostgreSQL."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from audit import services, verify
from audit.models import AuditEntry, AuditKind

needs_pg = pytest.mark.skipif(connection.vendor != "postgresql", reason="threaded appends need PostgreSQL row locks")

THREADS = 8
EACH = 15


@needs_pg
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_gap_free_chain():
    barrier = threading.Barrier(THREADS)
    errors = []

    def worker(n):
        try:
            barrier.wait(timeout=10)
            for i in range(EACH):
                with transaction.atomic():
                    # Other work of the same transaction before and after the append.
                    AuditEntry.objects.count()
                    services.append(kind=AuditKind.ADMIN_ACTION, summary=f"t{n}-{i}", data={"t": n, "i": i})
                    time.sleep(0.001)
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, THREADS * EACH + 1))
    report = verify.walk(chunk_size=7)
    assert report.ok, report.problem
    assert report.rows == THREADS * EACH


@needs_pg
@pytest.mark.django_db(transaction=True)
def test_an_append_rolled_back_with_its_transaction_leaves_no_gap():
    services.append(kind=AuditKind.ADMIN_ACTION, summary="one")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.append(kind=AuditKind.ADMIN_ACTION, summary="lost")
        raise RuntimeError
    services.append(kind=AuditKind.ADMIN_ACTION, summary="two")
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", "summary")) == [(1, "one"), (2, "two")]
    assert verify.walk().ok

"""grid.bulk.insert_rows: the set-based INSERT the deadline scan's chunks write with (on
PostgreSQL one JSON parameter; elsewhere bulk_create), as bulk_create would write."""

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from grid import bulk
from grid.notifications.models import Message

pytestmark = pytest.mark.django_db


def _row(key, **kw):
    return Message(idempotency_key=key, channel="sms", phone="13700000001", text=kw.pop("text", f"正文 {key}"),
                   next_attempt_at=timezone.now(), **kw)


def test_rows_are_written_with_every_column_and_the_creation_time_stamped():
    before = timezone.now()
    bulk.insert_rows(Message, [_row("a", title="标题“一”"), _row("b")])
    a, b = Message.objects.order_by("idempotency_key")
    assert (a.title, a.text, a.status, a.attempts, a.phone) == ("标题“一”", "正文 a", "pending", 0, "13700000001")
    assert a.created_at >= before and b.created_at >= before
    assert a.user_id is None and a.sent_at is None


def test_new_keys_come_back_in_the_rows_order():
    rows = [_row(f"k{i}") for i in range(30)]
    bulk.insert_rows(Message, rows, returning_pk=True)
    assert all(r.pk for r in rows)
    assert [r.pk for r in rows] == sorted(r.pk for r in rows)
    assert {r.pk: r.idempotency_key for r in rows} == dict(Message.objects.values_list("pk", "idempotency_key"))


def test_a_conflicting_row_is_skipped_or_refused():
    bulk.insert_rows(Message, [_row("same", text="first")])
    bulk.insert_rows(Message, [_row("same", text="second"), _row("other")], ignore_conflicts=True)
    assert Message.objects.get(idempotency_key="same").text == "first"
    assert Message.objects.count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_rows(Message, [_row("same")])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite does not enforce varchar lengths")
def test_a_value_too_long_for_its_column_fails_instead_of_being_cut():
    with pytest.raises(DataError), transaction.atomic():
        bulk.insert_rows(Message, [_row("long", title="长" * 201)])


def test_a_related_row_saved_after_it_was_assigned_gives_its_key_and_an_unsaved_one_is_refused():
    from grid.models import User

    user = User(username="later", phone="13700000002")
    row = Message(idempotency_key="rel", channel="site", user=user, text="正文")
    user.save()
    bulk.insert_rows(Message, [row])
    assert Message.objects.get(idempotency_key="rel").user_id == user.pk
    with pytest.raises(ValueError):
        bulk.insert_rows(Message, [Message(idempotency_key="x", channel="site", user=User(username="never", phone="13700000003"), text="t")])

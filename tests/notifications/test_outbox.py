from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from grid.notifications import services
from grid.notifications.fake_gateway import FakeGateway
from grid.notifications.models import Message, MessageTemplate, Status
from grid.notifications.tasks import deliver_message, dispatch_due_messages

pytestmark = pytest.mark.django_db


def _notify(citizen, key="grievance:1:accepted", **kw):
    return services.notify(
        key=key, template="grievance_accepted", context={"tracking_no": "GD20260001"},
        users=[citizen], **kw,
    )


@pytest.fixture
def gateway(settings):
    with FakeGateway() as gw:
        settings.SMS_BACKEND = "http"
        settings.SMS_GATEWAY_URL = gw.url
        settings.SMS_GATEWAY_KEY = gw.api_key
        yield gw


def test_notify_renders_the_template_into_one_row_per_recipient_and_channel(citizen, east_centre_staff):
    east_centre_staff.phone = "13700000009"
    east_centre_staff.save()
    services.notify(key="k1", template="grievance_accepted", context={"tracking_no": "GD1"},
                    users=[citizen, east_centre_staff], phones=["13700000009"], channels=("sms", "site"))
    rows = Message.objects.order_by("idempotency_key")
    # citizen sms + site, staff sms + site; the extra phone equals the staff phone: de-duplicated.
    assert rows.count() == 4
    assert all("GD1" in m.text for m in rows)
    assert set(rows.values_list("channel", flat=True)) == {"sms", "site"}


def test_the_same_event_notified_twice_sends_once(citizen, django_capture_on_commit_callbacks, capsys):
    with django_capture_on_commit_callbacks(execute=True):
        _notify(citizen)
    with django_capture_on_commit_callbacks(execute=True):
        assert _notify(citizen) == []
    assert Message.objects.count() == 1
    assert capsys.readouterr().out.count("GD20260001") == 1


def test_messages_of_a_rolled_back_event_are_never_written(citizen):
    with pytest.raises(RuntimeError), transaction.atomic():
        _notify(citizen)
        raise RuntimeError("the event failed")
    assert not Message.objects.exists()


def test_console_backend_prints_the_sms_after_commit(citizen, django_capture_on_commit_callbacks, capsys):
    with django_capture_on_commit_callbacks(execute=True):
        _notify(citizen)
    out = capsys.readouterr().out
    assert f"[短信 → {citizen.phone}]" in out and "已受理" in out
    message = Message.objects.get()
    assert message.status == Status.SENT and message.sent_at is not None and message.attempts == 1


def test_a_user_without_phone_gets_no_sms_row(east_centre_staff):
    assert services.notify(key="k", template="grievance_accepted", context={}, users=[east_centre_staff]) == []
    assert not Message.objects.exists()


def test_gateway_failing_twice_is_retried_with_growing_backoff_then_sent(citizen, gateway, settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 30
    gateway.fail_next = 2
    (mid,) = _notify(citizen)
    assert deliver_message.delay(mid).get() == "failed"
    m = Message.objects.get(pk=mid)
    assert m.status == Status.RETRY and "503" in m.last_error
    first_wait = m.next_attempt_at - timezone.now()
    assert timedelta(seconds=25) < first_wait <= timedelta(seconds=30)
    # Not yet due: a sweep or a stray task does nothing.
    assert deliver_message.delay(mid).get() == "skipped"
    Message.objects.filter(pk=mid).update(next_attempt_at=timezone.now())
    assert deliver_message.delay(mid).get() == "failed"
    m.refresh_from_db()
    assert timedelta(seconds=55) < m.next_attempt_at - timezone.now() <= timedelta(seconds=60)
    Message.objects.filter(pk=mid).update(next_attempt_at=timezone.now())
    assert dispatch_due_messages.delay().get() == 1
    m.refresh_from_db()
    assert m.status == Status.SENT and m.attempts == 3 and m.provider_id.startswith("fake-")
    assert len(gateway.requests) == 3 and len(gateway.delivered_to(citizen.phone)) == 1


def test_gives_up_after_the_last_attempt(citizen, gateway, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    gateway.fail_next = 5
    (mid,) = _notify(citizen)
    deliver_message.delay(mid)
    Message.objects.filter(pk=mid).update(next_attempt_at=timezone.now())
    deliver_message.delay(mid)
    m = Message.objects.get(pk=mid)
    assert m.status == Status.DEAD and m.next_attempt_at is None
    assert dispatch_due_messages.delay().get() == 0


def test_a_message_is_claimed_by_one_delivery_only(citizen):
    (mid,) = _notify(citizen)
    token = services.claim(mid)
    assert token == 1
    assert services.claim(mid) is None
    assert services.mark_sent(mid, token) is True
    assert services.mark_sent(mid, token) is False


def test_sweep_takes_over_a_message_whose_worker_died_mid_delivery(citizen, capsys):
    (mid,) = _notify(citizen)
    token = services.claim(mid)  # a worker took it, then died
    assert services.due_message_ids() == []
    Message.objects.filter(pk=mid).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert dispatch_due_messages.delay().get() == 1
    m = Message.objects.get(pk=mid)
    assert m.status == Status.SENT and m.attempts == token + 1
    # the dead worker's late "sent" cannot overwrite the record
    assert services.mark_sent(mid, token) is False


def test_broker_down_at_commit_leaves_the_row_for_the_sweep(citizen, monkeypatch, django_capture_on_commit_callbacks):
    def broken(*a, **k):
        raise ConnectionError("redis down")

    monkeypatch.setattr(deliver_message, "delay", broken)
    with django_capture_on_commit_callbacks(execute=True):
        (mid,) = _notify(citizen)
    assert Message.objects.get(pk=mid).status == Status.PENDING
    monkeypatch.undo()
    dispatch_due_messages.delay()
    assert Message.objects.get(pk=mid).status == Status.SENT


def test_staff_edit_of_a_template_changes_the_next_message(citizen):
    MessageTemplate.objects.filter(code="grievance_accepted").update(text="受理啦 {{ tracking_no }}")
    _notify(citizen)
    assert Message.objects.get().text == "受理啦 GD20260001"


def test_templates_are_seeded():
    assert MessageTemplate.objects.filter(code="deadline_overdue").exists()
    assert MessageTemplate.objects.count() >= 10


def test_unknown_template_without_text_is_an_error(citizen):
    with pytest.raises(ValueError):
        services.notify(key="x", template="nope", context={}, users=[citizen])


def test_another_app_can_bring_its_own_template_text(citizen):
    services.notify(key="x", template="qa_answered", context={"n": 3}, users=[citizen],
                    text="您的问题有{{ n }}条新回答")
    assert Message.objects.get().text == "您的问题有3条新回答"
    assert MessageTemplate.objects.filter(code="qa_answered").exists()


def test_a_misconfigured_backend_is_retried_not_stuck(citizen, settings):
    settings.SMS_BACKEND = "nope"
    (mid,) = _notify(citizen)
    deliver_message.delay(mid)
    m = Message.objects.get(pk=mid)
    assert m.status == Status.RETRY and "ValueError" in m.last_error


def test_broker_down_costs_one_failed_publish_not_one_per_message(citizen, monkeypatch,
                                                                  django_capture_on_commit_callbacks):
    calls = []

    def broken(*a, **k):
        calls.append(a)
        raise ConnectionError("redis down")

    monkeypatch.setattr(deliver_message, "delay", broken)
    with django_capture_on_commit_callbacks(execute=True):
        ids = services.notify(key="k-many", template="grievance_accepted", context={"tracking_no": "GD1"},
                              phones=["13900000001", "13900000002", "13900000003"])
    assert len(ids) == 3 and len(calls) == 1
    assert Message.objects.filter(pk__in=ids, status=Status.PENDING).count() == 3


def _engine_render(source, context):
    from django.template import Context

    return services._compiled(source).render(Context(context, autoescape=False)).strip()


@pytest.mark.parametrize("code", sorted(services.TEMPLATES))
def test_every_catalogue_template_renders_as_the_template_engine_does(code):
    from django.utils.translation import gettext_lazy

    spec = services.TEMPLATES[code]
    names = set(services._compiled(spec["text"]).nodelist.get_nodes_by_type(services.VariableNode))
    names = {n.filter_expression.var.lookups[0] for n in names if n.filter_expression.var.lookups}
    texts = {name: f"<{name}>&“值”" for name in names}
    lazies = {name: gettext_lazy("受理或分派") for name in names}
    numbers = {name: 1234 for name in names}
    missing = dict(list(texts.items())[:-1])  # one name left out: the engine renders ""
    for source in (spec["text"], spec.get("title", "")):
        for context in (texts, lazies, numbers, missing):
            assert services.render_text(source, context) == _engine_render(source, context)


def test_a_template_with_filters_or_tags_is_rendered_by_the_engine(citizen):
    services.notify(key="f", template="custom_filter", context={"n": "abcdef", "ok": True}, users=[citizen],
                    text="{{ n|upper }}{% if ok %}!{% endif %} {{ n.0 }}")
    assert Message.objects.get().text == "ABCDEF! a"

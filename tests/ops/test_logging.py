"""Structured logs: a request id that follows the work into tasks and outbox deliveries, the
user on each request line, and no phone number in clear."""

import io
import json
import logging

import pytest

from ops.logging import JsonFormatter, make_handler, mask_phones
from tests.worker_support import celery_worker, worker_env  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """What the production console handler prints, as parsed JSON objects."""
    stream = io.StringIO()
    handler = make_handler(stream, fmt="json")
    root = logging.getLogger()
    access = logging.getLogger("zongzhi.access")
    old_level = access.level
    access.setLevel(logging.INFO)
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        access.setLevel(old_level)


def test_a_request_log_line_carries_its_id_into_the_outbox_delivery_it_enqueues(
        rf, citizen, json_lines, django_capture_on_commit_callbacks):
    """A view that queues an SMS through the outbox (delivery task enqueued after commit):
    the delivery's log line names the request that caused it."""
    from django.http import HttpResponse

    from grid.notifications import services
    from ops.middleware import RequestContextMiddleware

    def view(request):
        # The service's transaction commits inside the request, as in production.
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(key="ops-rid", template="grievance_accepted", context={}, users=[citizen])
        return HttpResponse("ok")

    response = RequestContextMiddleware(view)(rf.get("/x/", HTTP_X_REQUEST_ID="req-0123456789abcdef"))
    assert response["X-Request-ID"] == "req-0123456789abcdef"
    lines = json_lines()
    delivered = [line for line in lines if line["logger"] == "grid.notifications.tasks"]
    assert len(delivered) == 1 and delivered[0]["request_id"] == "req-0123456789abcdef"
    assert "delivered by sms" in delivered[0]["msg"]
    access = [line for line in lines if line["logger"] == "zongzhi.access"]
    assert access and access[0]["request_id"] == "req-0123456789abcdef"


def test_a_request_line_names_the_user_and_role_and_never_the_query_string(client, citizen, json_lines):
    client.force_login(citizen)
    client.get("/appeals/mine/?phone=13800000001", HTTP_X_REQUEST_ID="req-aaaaaaaaaaaa")
    line = next(line for line in json_lines() if line["logger"] == "zongzhi.access")
    assert line["request_id"] == "req-aaaaaaaaaaaa"
    assert line["user_id"] == str(citizen.pk) and line["role"] == "citizen"
    assert line["path"] == "/appeals/mine/" and "13800000001" not in json.dumps(line, ensure_ascii=False)
    assert isinstance(line["duration_ms"], float) and line["queries"] >= 1


def test_an_offered_request_id_that_is_not_an_id_is_replaced(client, json_lines):
    response = client.get("/laws/", HTTP_X_REQUEST_ID="张三 13800000001 <script>")
    assert response["X-Request-ID"] != "张三 13800000001 <script>" and len(response["X-Request-ID"]) == 32


def test_phone_numbers_are_masked_in_messages_arguments_extras_and_tracebacks(json_lines):
    logger = logging.getLogger("tests.ops")
    logger.warning("sms to %s failed", "13912345678", extra={"phone": "13700001111"})
    try:
        raise ValueError("bad number 15011112222")
    except ValueError:
        logger.exception("crash for 18600009999")
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in json_lines())
    for number in ("13912345678", "13700001111", "15011112222", "18600009999"):
        assert number not in text
    assert "139****5678" in text and "150****2222" in text


def test_tracking_numbers_and_other_digit_runs_stay_readable():
    assert mask_phones("件号 20261128000017 电话 13800000001") == "件号 20261128000017 电话 138****0001"
    assert mask_phones("金额 12345678901234") == "金额 12345678901234"


def test_json_lines_are_one_object_per_line():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "多行\n消息", None, None)
    assert "\n" not in JsonFormatter().format(record)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_logs_with_the_request_id_of_the_request_that_queued_the_task(citizen, celery_worker):  # noqa: F811
    from grid.notifications import services
    from grid.notifications.models import Message
    from ops import context
    from tests.worker_support import wait_for

    token = context.request_id.set("req-worker-0123456789")  # as the middleware does for a request
    try:
        ids = services.notify(key="ops-worker", template="grievance_accepted", context={}, users=[citizen])
    finally:
        context.request_id.reset(token)
    wait_for(lambda: Message.objects.get(pk=ids[0]).status == "sent", message="message delivered")
    wait_for(lambda: "req-worker-0123456789" in celery_worker.read_log(), timeout=10, message="request id in log")
    wait_for(lambda: any(f"message {ids[0]} delivered" in line and "req-worker-0123456789" in line
                         for line in celery_worker.read_log().splitlines()),
             timeout=10, message="the delivery's log line carries the request id")

"""The page reader of GET requests on PostgreSQL (api.selectors._public_rows: one query that
already writes the W3C datetimes, the place and the agency) gives exactly the rows of the
reference reader (model fields through request_row), for a varied set of appeals, in both
formats; and the XML writer's flat-row path writes what the generic writer writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from api import render, selectors
from grievances.deadlines.models import Clock
from grievances.models import Attachment, Grievance, Severity, State
from tests.api.conftest import post_data
from tests.grievances.media import png

BASE = "/open311/v2"


def _file(client, key, **extra):
    r = client.post(f"{BASE}/requests.json", post_data(key, **extra))
    assert r.status_code == 201, r.content
    return Grievance.objects.get(tracking_no=json.loads(r.content)[0]["service_request_id"])


@pytest.fixture
def varied(client, hotline_key, trusted_key, world):
    """Open, dispatched to a department with its clock paused, completed, closed (with and
    without a closing time, with a name and phone in the result), rejected, anonymous, a
    livelihood appeal with no category and no coordinates at township level, a trusted key's
    own appeal with a public photo, text that XML and JSON must escape, and one filed in 1988
    (Asia/Shanghai had summer time then: +09:00)."""
    g = {}
    g["open"] = _file(client, hotline_key)
    g["dispatched_paused"] = _file(client, hotline_key, **{"attribute[title]": "楼道堆物"})
    Grievance.objects.filter(pk=g["dispatched_paused"].pk).update(
        severity=Severity.SIMPLE, state=State.DISPATCHED, handling_unit=world.east_dept
    )
    Clock.objects.filter(pk=g["dispatched_paused"].pk).update(paused_at=timezone.now())
    g["completed"] = _file(client, hotline_key)
    Grievance.objects.filter(pk=g["completed"].pk).update(
        severity=Severity.SIMPLE, state=State.COMPLETED, handling_unit=world.east_dept2
    )
    g["closed"] = _file(client, hotline_key, **{"attribute[title]": "张三丰家漏水，电话13912345678"})
    Grievance.objects.filter(pk=g["closed"].pk).update(
        severity=Severity.SIMPLE,
        state=State.CLOSED,
        closed_at=datetime(2026, 3, 1, 16, 30, 59, 999999, tzinfo=UTC),
        result="已协调张三丰修复，13912345678回访满意，柳岸花园3栋2单元。",
    )
    g["closed_no_time"] = _file(client, hotline_key)
    Grievance.objects.filter(pk=g["closed_no_time"].pk).update(
        severity=Severity.SIMPLE, state=State.CLOSED, closed_at=None, result=""
    )
    g["rejected"] = _file(client, hotline_key)
    Grievance.objects.filter(pk=g["rejected"].pk).update(
        severity=Severity.SIMPLE, state=State.REJECTED, result="不属于受理范围"
    )
    g["anonymous"] = _file(
        client,
        hotline_key,
        **{"attribute[hide_identity]": "true", "attribute[title]": 'a < b & "c" > d\n第二行\t'},
    )
    g["livelihood"] = _file(
        client,
        hotline_key,
        service_code="livelihood",
        address_id="439001001000",
        lat="",
        long="",
        address_string="",
    )
    g["own_with_photo"] = _file(client, trusted_key, media=png())
    Attachment.objects.filter(grievance=g["own_with_photo"]).update(public=True)
    g["own_closed"] = _file(client, trusted_key)
    Grievance.objects.filter(pk=g["own_closed"].pk).update(
        severity=Severity.SIMPLE, state=State.CLOSED, closed_at=timezone.now(), result="已办结"
    )
    g["in_1988"] = _file(client, hotline_key)
    Grievance.objects.filter(pk=g["in_1988"].pk).update(created_at=datetime(1988, 6, 1, 3, 4, 5, tzinfo=UTC))
    return g


@pytest.mark.parametrize("key_name", [None, "hotline_key", "trusted_key"])
def test_the_fast_page_reader_gives_the_reference_rows(request, varied, key_name):
    if connection.vendor != "postgresql":
        pytest.skip("the fast page reader is PostgreSQL's (elsewhere the reference reader answers)")
    key = request.getfixturevalue(key_name) if key_name else None
    absolute = "http://testserver{}".format
    ids = [g.pk for g in varied.values()]
    now = timezone.now()
    page = selectors._newest(
        Grievance.objects.all(), now - timedelta(days=90), now + timedelta(days=1)
    ).values("id")
    for source in (ids, page):
        fast = selectors._rows(source, key=key, absolute=absolute, fast=True)
        reference = selectors._rows(source, key=key, absolute=absolute, fast=False)
        assert fast == reference
        for fmt in ("json", "xml"):
            assert (
                render.respond(fmt, "service_requests", fast).content
                == render.respond(fmt, "service_requests", reference).content
            )
    rows = {r["service_request_id"]: r for r in selectors._rows(ids, key=key, absolute=absolute, fast=True)}
    # The set is as varied as it claims.
    assert rows[varied["in_1988"].tracking_no]["requested_datetime"] == "1988-06-01T12:04:05+09:00"
    assert rows[varied["closed"].tracking_no]["updated_datetime"] == "2026-03-02T00:30:59+08:00"
    assert rows[varied["dispatched_paused"].tracking_no]["expected_datetime"] is None
    assert rows[varied["open"].tracking_no]["expected_datetime"].endswith("+08:00")
    assert rows[varied["dispatched_paused"].tracking_no]["agency_responsible"] == "东湖区住房和城乡建设局"
    assert rows[varied["livelihood"].tracking_no]["service_code"] == "livelihood"
    assert rows[varied["livelihood"].tracking_no]["address"] == "湖滨街道"
    assert "张某" in rows[varied["closed"].tracking_no]["status_notes"]
    assert {r["status"] for r in rows.values()} == {"open", "closed"}
    own = rows[varied["own_with_photo"].tracking_no]
    if key_name == "trusted_key":
        assert own["media_url"].startswith("http://testserver/") and own["lat"] == pytest.approx(28.123456)
    else:
        assert own["media_url"] is None and own["lat"] is None


def test_the_xml_writer_writes_flat_rows_as_the_generic_writer_does():
    rows = [
        {"a": None, "b": True, "c": False, "d": 0, "e": 1.5, "f": "x < y & \"z\" > 'w'\n", "g": [], "h": {}},
        {"a": "中文", "attributes": [{"k": "v"}], "c": {"k": None}},
    ]
    generic: list[str] = []
    render._fill_generic(generic, "service_requests", rows)
    assert (
        render.to_xml("service_requests", rows)
        == ('<?xml version="1.0" encoding="utf-8"?>\n' + "".join(generic)).encode()
    )
    assert b"<a />" in render.to_xml("service_requests", rows)

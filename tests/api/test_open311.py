"""Open311 GeoReport v2 server (issue 17): every endpoint in both formats, every error in the
spec's body, filing through the web form's rules, idempotent tickets, regions, privacy."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest
from django.core.management import call_command

from api import services
from api.models import ApiRequest
from grievances import services as grievance_services
from grievances.models import Channel, EventAction, Grievance, Severity, State
from tests.api.conftest import post_data

BASE = "/open311/v2"
FORMATS = ["json", "xml"]


def body(response, fmt):
    """The response as the spec's JSON structure (XML is mapped to lists of dicts)."""
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return json.loads(response.content)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(response.content)
    assert "{" not in root.tag  # no namespaces

    def plain(e):
        if len(e):
            return {c.tag: plain(c) for c in e} if len({c.tag for c in e}) == len(e) or e.tag != "values" \
                else [plain(c) for c in e]
        return e.text

    return [plain(c) for c in root] if root.tag in ("services", "service_requests", "errors",
                                                    "service_request_updates") else plain(root)


def file(client, key, fmt="json", **extra):
    return client.post(f"{BASE}/requests.{fmt}", post_data(key, **extra))


@pytest.fixture
def filed(client, hotline_key):
    r = file(client, hotline_key, **{"attribute[ticket_no]": "12345-0001"})
    assert r.status_code == 201
    return Grievance.objects.get(tracking_no=json.loads(r.content)[0]["service_request_id"])


# ----------------------------------------------------------------------------- endpoints


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_list_offers_the_kinds_and_dispute_categories_with_groups_and_keywords(client, db, fmt):
    services_ = body(client.get(f"{BASE}/services.{fmt}"), fmt)
    by_code = {s["service_code"]: s for s in services_}
    assert by_code["dispute-neighbour"]["service_name"] == "邻里关系"
    assert by_code["dispute-neighbour"]["group"] == "矛盾纠纷调解"
    assert "邻里关系" in by_code["dispute-neighbour"]["keywords"]
    assert by_code["livelihood"]["type"] == "realtime"
    assert "legal_aid" not in by_code  # applied for with its own form


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_lists_the_attributes(client, db, fmt):
    r = client.get(f"{BASE}/services/dispute-neighbour.{fmt}")
    d = body(r, fmt)
    attrs = d["attributes"] if fmt == "json" else list(ET.fromstring(r.content).find("attributes"))
    codes = [a["code"] for a in attrs] if fmt == "json" else [a.findtext("code") for a in attrs]
    assert codes == ["title", "ticket_no", "severity", "hide_identity", "tags"]
    # open311 1.1 asks for service/<code> (singular): the same definition.
    assert client.get(f"{BASE}/service/dispute-neighbour.{fmt}").content == r.content


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_endpoint_and_both_formats(client, db, fmt):
    d = body(client.get(f"{BASE}/discovery.{fmt}"), fmt)
    endpoint = d["endpoints"][0] if fmt == "json" else d["endpoints"]["endpoint"]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert "GeoReport_v2" in endpoint["specification"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_creates_one_appeal_with_the_keys_channel_region_and_a_token(client, hotline_key, world, fmt):
    r = file(client, hotline_key, fmt)
    assert r.status_code == 201
    created = body(r, fmt)[0]
    g = Grievance.objects.get()
    assert created["service_request_id"] == g.tracking_no
    assert g.channel == Channel.HOTLINE and g.get_channel_display() == "12345热线"
    assert g.region == world.east_village and g.contact_phone == "13800000001" and g.contact_name == "张三"
    assert g.category.code == "neighbour" and g.state == State.SUBMITTED
    assert g.events.get().note == "经开放接口提交（12345热线）"
    token = created["token"]
    assert ApiRequest.objects.get(token=token).grievance == g
    assert body(client.get(f"{BASE}/tokens/{token}.{fmt}"), fmt) == [
        {"service_request_id": g.tracking_no, "token": token}]


def test_the_centre_sees_the_appeal_in_the_admin_with_channel_12345(client, hotline_key, admin_user):
    tracking_no = json.loads(file(client, hotline_key).content)[0]["service_request_id"]
    client.force_login(admin_user)
    page = client.get("/admin/grievances/grievance/?q=" + tracking_no).content.decode()
    assert tracking_no in page and "12345热线" in page


def test_attributes_carry_title_severity_anonymity_and_tags(client, hotline_key):
    r = file(client, hotline_key, **{"attribute[title]": "楼上装修扰民", "attribute[severity]": "major",
                                      "attribute[hide_identity]": "true", "attribute[tags][]": "tag_property"})
    assert r.status_code == 201
    g = Grievance.objects.get()
    assert g.title == "楼上装修扰民" and g.hide_identity is True
    assert "【12345热线研判等级】较大" in g.description
    assert [t.code for t in g.tags.all()] == ["tag_property"]


def test_the_same_ticket_posted_twice_gives_one_appeal(client, hotline_key):
    first = file(client, hotline_key, **{"attribute[ticket_no]": "GD2026-1"})
    again = file(client, hotline_key, "xml", **{"attribute[ticket_no]": "GD2026-1", "description": "重复推送"})
    assert first.status_code == 201 and again.status_code == 200
    assert Grievance.objects.count() == 1
    assert json.loads(first.content)[0]["service_request_id"] == ET.fromstring(again.content).findtext(
        "request/service_request_id")
    # Another ticket is another appeal.
    assert file(client, hotline_key, **{"attribute[ticket_no]": "GD2026-2"}).status_code == 201
    assert Grievance.objects.count() == 2


def test_a_ticket_number_is_unique_per_key_not_across_keys(client, hotline_key, trusted_key):
    assert file(client, hotline_key, **{"attribute[ticket_no]": "A1"}).status_code == 201
    assert file(client, trusted_key, **{"attribute[ticket_no]": "A1"}).status_code == 201
    assert Grievance.objects.count() == 2


def test_uploaded_media_goes_through_the_upload_gate(client, hotline_key):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not a picture", content_type="image/jpeg")
    r = client.post(f"{BASE}/requests.json", {**post_data(hotline_key), "media": fake})
    assert r.status_code == 400
    assert Grievance.objects.count() == 0


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("raw", ["", "zz311_wrong"])
def test_a_missing_or_bad_key_is_403_in_the_specs_body(client, hotline_key, fmt, raw):
    r = client.post(f"{BASE}/requests.{fmt}", {**post_data(hotline_key), "api_key": raw})
    assert r.status_code == 403
    err = body(r, fmt)[0]
    assert str(err["code"]) == "403" and "api_key" in err["description"]
    assert Grievance.objects.count() == 0


def test_a_switched_off_key_is_refused(client, hotline_key):
    services.set_api_key_active(actor=None, key=hotline_key, active=False)
    r = file(client, hotline_key)
    assert r.status_code == 403 and "停用" in json.loads(r.content)[0]["description"]


def test_a_key_of_one_region_cannot_file_into_another(client, hotline_key, world):
    r = file(client, hotline_key, address_id=world.west_village.code)
    assert r.status_code == 403
    assert "本辖区" in json.loads(r.content)[0]["description"]
    assert Grievance.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", ["services/no_such.{fmt}", "requests/20990101000001.{fmt}", "tokens/nope.{fmt}",
                                  "requests.{fmt}?service_code=no_such", "services.{fmt}?jurisdiction_id=999999000000"])
def test_unknown_things_are_404_in_the_specs_body(client, db, fmt, path):
    r = client.get(f"{BASE}/" + path.format(fmt=fmt))
    assert r.status_code == 404
    assert str(body(r, fmt)[0]["code"]) == "404"


def test_an_unknown_service_on_post_is_404(client, hotline_key):
    r = file(client, hotline_key, service_code="no_such")
    assert r.status_code == 404 and Grievance.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("query", ["start_date=yesterday", "end_date=2026-13-45T00:00:00Z",
                                   "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
                                   "status=pending"])
def test_bad_filters_are_400(client, db, fmt, query):
    r = client.get(f"{BASE}/requests.{fmt}?{query}")
    assert r.status_code == 400
    assert str(body(r, fmt)[0]["code"]) == "400"


@pytest.mark.parametrize("missing,word", [("description", "description"), ("phone", "联系电话"),
                                          ("service_code", "service_code")])
def test_missing_fields_are_400_and_file_nothing(client, hotline_key, missing, word):
    data = post_data(hotline_key)
    data.pop(missing)
    r = client.post(f"{BASE}/requests.xml", data)
    assert r.status_code == 400
    assert word in ET.fromstring(r.content).findtext("error/description")
    assert Grievance.objects.count() == 0


def test_a_post_without_any_location_is_400(client, hotline_key):
    data = post_data(hotline_key)
    for k in ("address_id", "address_string", "lat", "long"):
        data.pop(k)
    assert file(client, hotline_key, **{k: "" for k in ("address_id", "address_string", "lat", "long")}
                ).status_code == 400


def test_an_empty_jurisdiction_id_means_absent(client, hotline_key, world):
    assert client.get(f"{BASE}/services.json?jurisdiction_id=").status_code == 200
    assert client.get(f"{BASE}/services.json?jurisdiction_id={world.city.code}").status_code == 200


def test_a_jurisdiction_is_a_topmost_centres_region(client, filed, world):
    rows = json.loads(client.get(f"{BASE}/requests.json?jurisdiction_id={world.city.code}").content)
    assert [r["service_request_id"] for r in rows] == [filed.tracking_no]
    # 东湖区 has a centre, but the city's centre is above it; 湖滨街道 too; a region without a centre is none.
    for code in (world.east.code, world.east_town.code, world.west_village.code):
        assert client.get(f"{BASE}/requests.json?jurisdiction_id={code}").status_code == 404


def test_the_per_key_rate_limit_answers_429(client, hotline_key):
    hotline_key.rate_limit = 2
    hotline_key.save()
    codes = [client.get(f"{BASE}/services.json?api_key={hotline_key.raw}").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


# ----------------------------------------------------------------------------- GET requests


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_filters_by_id_code_status_and_dates(client, filed, admin_user, fmt):
    one = body(client.get(f"{BASE}/requests.{fmt}?service_request_id={filed.tracking_no},nope"), fmt)
    assert [r["service_request_id"] for r in one] == [filed.tracking_no]
    assert body(client.get(f"{BASE}/requests.{fmt}?service_code=dispute-neighbour&status=open"), fmt)
    assert body(client.get(f"{BASE}/requests.{fmt}?service_code=livelihood"), fmt) == []
    # Overlapping codes list an appeal once.
    both = body(client.get(f"{BASE}/requests.{fmt}?service_code=dispute,dispute-neighbour,livelihood"), fmt)
    assert [r["service_request_id"] for r in both] == [filed.tracking_no]
    assert body(client.get(f"{BASE}/requests.{fmt}?status=closed"), fmt) == []
    assert body(client.get(f"{BASE}/requests.{fmt}?start_date=2020-01-01T00:00:00%2B08:00"
                           f"&end_date=2020-02-01T00:00:00Z"), fmt) == []
    row = body(client.get(f"{BASE}/requests/{filed.tracking_no}.{fmt}"), fmt)[0]
    assert row["status"] == "open" and row["status_notes"] == "发现：待受理"
    assert row["agency_responsible"] == "湖滨街道综治中心"
    assert row["requested_datetime"].endswith("+08:00")


@pytest.mark.parametrize("fmt", FORMATS)
def test_expected_datetime_is_the_due_time_the_citizen_waits_for(client, filed, east_centre_staff, east_handler,
                                                                 fmt):
    """Waiting for the centre: its due time to accept and dispatch; being handled: the
    completion due time; completed (only the citizen's rating is left): none. W3C, +08:00."""
    from datetime import timedelta

    from django.utils import timezone

    from grievances.deadlines.models import Clock

    def expected():
        return body(client.get(f"{BASE}/requests/{filed.tracking_no}.{fmt}"), fmt)[0]["expected_datetime"]

    clock = Clock.objects.get(pk=filed.pk)
    assert clock.centre_due == filed.created_at + timedelta(hours=24)
    assert expected() == timezone.localtime(clock.centre_due).isoformat(timespec="seconds")
    assert expected().endswith("+08:00")
    grievance_services.accept_grievance(actor=east_centre_staff, grievance=filed, kind="dispute",
                                        severity=Severity.SIMPLE, category=filed.category)
    grievance_services.dispatch_grievance(actor=east_centre_staff, grievance=filed, unit=east_handler.unit)
    clock.refresh_from_db()
    assert clock.completion_due is not None and clock.centre_due is None
    assert expected() == timezone.localtime(clock.completion_due).isoformat(timespec="seconds")
    # the list shows the same
    rows = body(client.get(f"{BASE}/requests.{fmt}?service_request_id={filed.tracking_no}"), fmt)
    assert rows[0]["expected_datetime"] == expected()
    filed.refresh_from_db()
    grievance_services.sign_grievance(actor=east_handler, grievance=filed)
    grievance_services.complete_grievance(actor=east_handler, grievance=filed, result="已协调停止夜间装修。")
    assert expected() is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_personal_data_in_any_get(client, filed, hotline_key, fmt):
    """Name, phone numbers (also one typed into the text), exact address and coordinates
    never appear, even closed and even for the key that filed it (not a trusted system)."""
    Grievance.objects.filter(pk=filed.pk).update(state=State.CLOSED, severity=Severity.SIMPLE, result="已协调张三丰停止夜间施工，13912345678回访满意。")
    key = f"api_key={hotline_key.raw}"
    pages = [client.get(f"{BASE}/requests.{fmt}?{key}"), client.get(f"{BASE}/requests/{filed.tracking_no}.{fmt}"),
             client.get(f"{BASE}/requests.{fmt}"), client.get(f"{BASE}/servicerequestupdates.{fmt}?{key}")]
    for r in pages:
        assert r.status_code == 200
        text = r.content.decode()
        for secret in ("13800000001", "13912345678", "张三", "柳岸花园", "柳岸社区", "28.12", "112.65"):
            assert secret not in text, (secret, text)
    row = body(pages[1], fmt)[0]
    assert row["status"] == "closed" and row["address"] == "湖滨街道"
    assert "张某" in row["status_notes"] and "***" in row["status_notes"]


def test_a_trusted_key_reads_its_own_requests_in_full_and_others_anonymised(client, trusted_key, hotline_key):
    own = json.loads(file(client, trusted_key).content)[0]["service_request_id"]
    other = json.loads(file(client, hotline_key).content)[0]["service_request_id"]
    rows = {r["service_request_id"]: r for r in json.loads(
        client.get(f"{BASE}/requests.json?api_key={trusted_key.raw}").content)}
    assert "张三丰" in rows[own]["description"] and rows[own]["address"].endswith("柳岸花园3栋2单元")
    assert rows[own]["lat"] == pytest.approx(28.123456)
    assert rows[other]["description"] is None and rows[other]["lat"] is None


# ----------------------------------------------------------------------------- updates


@pytest.mark.parametrize("fmt", FORMATS)
def test_servicerequestupdates_lists_the_public_events_of_the_keys_requests(client, filed, hotline_key,
                                                                            trusted_key, admin_user, fmt):
    grievance_services.accept_grievance(actor=admin_user, grievance=filed, kind="dispute", severity=Severity.SIMPLE,
                                        category=filed.category)
    rows = body(client.get(f"{BASE}/servicerequestupdates.{fmt}?api_key={hotline_key.raw}"
                           f"&start_date=2020-01-01T00:00:00Z&end_date=2020-03-01T00:00:00Z"), fmt)
    assert rows == []
    rows = body(client.get(f"{BASE}/servicerequestupdates.{fmt}?api_key={hotline_key.raw}"), fmt)
    assert [(r["service_request_id"], r["status"], r["description"]) for r in rows] == [
        (filed.tracking_no, "open", str(EventAction.SUBMITTED.label)),
        (filed.tracking_no, "investigating", str(EventAction.ACCEPTED.label)),
    ]
    # Another channel's key sees nothing of it; no key is a 403.
    assert body(client.get(f"{BASE}/servicerequestupdates.{fmt}?api_key={trusted_key.raw}"), fmt) == []
    assert client.get(f"{BASE}/servicerequestupdates.{fmt}").status_code == 403


# ----------------------------------------------------------------------------- keys


def test_open311_key_create_prints_a_key_that_files(client, world, capsys):
    call_command("open311_key", "create", "--channel", "12345热线", "--region", world.east.code)
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("zz311_")
    from api.models import ApiKey

    key = ApiKey.objects.get()
    assert key.channel == Channel.HOTLINE and key.region == world.east and key.name == "12345热线"
    assert raw not in (key.key_hash, key.prefix)  # stored hashed
    key.raw = raw
    r = client.post(f"{BASE}/requests.json", {**post_data(key), "api_key": raw})
    assert r.status_code == 201


def test_staff_make_keys_in_the_admin_and_see_the_key_once(client, admin_user, world):
    client.force_login(admin_user)
    r = client.post("/admin/api/apikey/add/", {
        "name": "东湖区小程序", "channel": "app", "region": world.east.pk, "rate_limit": 60, "is_active": "on",
        "webhook_url": ""}, follow=True)
    assert r.status_code == 200
    page = r.content.decode()
    from api.models import ApiKey

    key = ApiKey.objects.get()
    raw = page.split("<code>")[1].split("</code>")[0]
    assert raw.startswith(key.prefix) and services.authenticate(raw) == key
    listing = client.get("/admin/api/apikey/").content.decode()
    assert raw not in listing


def test_a_centre_leader_cannot_make_a_key_for_another_region(world, east_centre_leader):
    with pytest.raises(services.ApiError) as exc:
        services.create_api_key(actor=east_centre_leader, name="x", channel="hotline", region=world.west)
    assert exc.value.status == 403


def test_the_openapi_description_lists_every_path(client, db):
    doc = json.loads(client.get(f"{BASE}/openapi.json").content)
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {"/discovery.{format}", "/services.{format}", "/services/{service_code}.{format}",
                                 "/requests.{format}", "/requests/{service_request_id}.{format}",
                                 "/tokens/{token}.{format}", "/servicerequestupdates.{format}"}


def test_the_per_key_rate_limit_holds_under_concurrency(hotline_key, monkeypatch):
    """Many workers at once: exactly ``rate_limit`` calls pass in the window (one atomic
    counter in the cache; Redis INCR in production and in CI)."""
    from concurrent.futures import ThreadPoolExecutor

    hotline_key.rate_limit = 30
    monkeypatch.setattr("grid.throttle.time.time", lambda: 1_800_000_000.0)  # one window, whatever the clock

    def call(_):
        try:
            services.check_rate(key=hotline_key, address=None, anonymous_limit=0)
            return True
        except services.ApiError as exc:
            assert exc.status == 429
            return False

    with ThreadPoolExecutor(max_workers=8) as pool:
        passed = sum(pool.map(call, range(80)))
    assert passed == 30

"""The two Open311 client libraries on PyPI, unmodified, against a live test server.

- ``georeport`` 0.3.1 (Python 3, read-only): every call in both formats.
- ``open311`` 1.1 (Python 2 only): every call including POST, run under ``python2.7``
  (pyenv's 2.7.18; .ci/run installs open311 1.1 for it from PyPI). It runs where that
  interpreter with open311 is present and is skipped elsewhere.

What the libraries expect beyond the spec's prose: georeport reads ``services/service``,
``service_definition`` and ``service_requests/request`` from the XML and takes element [0]
of a single request's JSON list; open311 1.1 asks for ``service/<code>`` (singular), puts
``api_key`` and an empty ``jurisdiction_id`` in the POST's query string, and reads
``service_requests/request`` from every list.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap

import pytest

from api import services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_key(world):
    key, raw = services.create_api_key(actor=None, name="12345热线", channel="hotline", region=world.east)
    return raw


def _post(live_server, raw, ticket):
    import requests

    r = requests.post(f"{live_server.url}/open311/v2/requests.json", data={
        "api_key": raw, "service_code": "dispute-neighbour", "address_id": "439001001001",
        "phone": "13800000001", "last_name": "张", "first_name": "三", "description": "楼上装修噪声扰民",
        "attribute[ticket_no]": ticket}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()[0]["service_request_id"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_every_call(live_server, live_key, fmt):
    from georeport import GeoReport

    tracking_no = _post(live_server, live_key, f"geo-{fmt}")
    client = GeoReport(f"{live_server.url}/open311/v2", output_format=fmt)
    service_list = client.get_service_list()
    assert "dispute-neighbour" in [s["service_code"] for s in service_list]
    definition = client.get_service_definition("dispute-neighbour")
    attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    assert [a["code"] for a in attributes][:2] == ["title", "ticket_no"]
    if fmt == "json":
        # An empty XML list (<service_requests/>) parses to None and georeport 0.3.1 then
        # fails on None["request"]: a limitation of the client, documented in docs/open311.md.
        assert client.get_service_requests(service_code="dispute-neighbour", start_date="2020-01-01T00:00:00Z",
                                           end_date="2020-03-01T00:00:00Z") == []
    listed = client.get_service_requests(service_code="dispute-neighbour,livelihood", status="open")
    listed = [listed] if isinstance(listed, dict) else listed  # xmltodict: one element is a dict
    assert [r["service_request_id"] for r in listed] == [tracking_no]
    by_id = client.get_service_requests(service_request_id=tracking_no)
    by_id = by_id[0] if isinstance(by_id, list) else by_id
    assert by_id["status"] == "open"
    one = client.get_service_request(tracking_no)
    assert one["service_request_id"] == tracking_no and one["address"] == "湖滨街道"


def _python2_with_open311():
    exe = shutil.which("python2.7")
    if exe is None:
        return None
    env = {**os.environ, "PYENV_VERSION": os.environ.get("PYENV_VERSION", "2.7.18")}
    try:
        ok = subprocess.run([exe, "-c", "import open311"], env=env, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (exe, env) if ok else None


PY2_SCRIPT = textwrap.dedent("""
    # -*- coding: utf-8 -*-
    import json, sys
    from open311 import Open311
    endpoint, key, fmt = sys.argv[1], sys.argv[2], sys.argv[3]
    o = Open311(endpoint=endpoint, api_key=key, format=fmt)
    out = {}
    created = o.post_service_request(service_code='dispute-neighbour', address_id='439001001001',
        phone='13800000002', last_name='李', first_name='四', description='小区路灯坏了半个月',
        **{'attribute[ticket_no]': 'py2-' + fmt})
    req = created[0] if fmt == 'json' else created['service_requests']['request']
    out['id'], out['token'] = req['service_request_id'], req['token']
    out['definition'] = o.service_definition('dispute-neighbour')
    out['one'] = o.get_service_request(out['id'])
    if fmt == 'xml':
        # open311 1.1 fetches services.xml and reads service_requests/request whatever the
        # format: these calls exist in XML only.
        out['services'] = o.service_list()
        out['list'] = o.service_requests(service_request_id=out['id'])
        out['from_token'] = o.request_id_from_token(out['token'])
    print(json.dumps(out))
""")


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_open311_python2_client_every_call_including_post(live_server, live_key, tmp_path, fmt):
    found = _python2_with_open311()
    if found is None:
        pytest.skip("python2.7 with open311 1.1 is not installed (.ci/run installs it)")
    exe, env = found
    script = tmp_path / "client.py"
    script.write_text(PY2_SCRIPT, encoding="utf-8")
    run = subprocess.run([exe, str(script), f"{live_server.url}/open311/v2", live_key, fmt], env=env,
                         capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    out = json.loads(run.stdout)
    from grievances.models import Grievance

    g = Grievance.objects.get(tracking_no=out["id"])
    assert g.channel == "hotline" and g.contact_phone == "13800000002"
    if fmt == "xml":
        assert out["definition"]["service_definition"]["service_code"] == "dispute-neighbour"
        assert out["one"]["service_requests"]["request"]["service_request_id"] == out["id"]
        assert "dispute-neighbour" in [s["service_code"] for s in out["services"]]
        assert out["list"]["service_request_id"] == out["id"]
        assert out["from_token"] == {"service_request_id": out["id"], "token": out["token"]}
    else:
        assert out["definition"]["service_code"] == "dispute-neighbour"
        assert out["one"][0]["service_request_id"] == out["id"]

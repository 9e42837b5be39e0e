"""The video mediation room's server side (issue 19): who gets in, signalling stays inside
the room, TURN credentials, consent before recording, the chunked recording upload with its
SHA-256, who may download a recording, and confirming a draft agreement."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mediation import services
from mediation.models import AgreementConfirmation, Recording, RoomPass, RoomSignal, VideoRoomState
from mediation.services import room
from tests.factories import PASSWORD
from tests.mediation.factories import taken_case

WEBM = b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 40  # an EBML header and some bytes


def _login(user) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def _session(world, citizen, staff, mediator, *, when=None):
    case = taken_case(world, citizen, staff, mediator)
    session = services.schedule_session(actor=mediator, case=case, mode="video",
                                        scheduled_at=when or timezone.now(), invite=False)
    passes = room.ensure_party_passes(session)
    return case, session, passes


def _post(client, name, token, data=None, **kw):
    return client.post(reverse(f"mediation:{name}", kwargs={"token": token, **kw}), json.dumps(data or {}),
                       content_type="application/json")


@pytest.fixture
def video(world, citizen, east_centre_staff, mediator):
    return _session(world, citizen, east_centre_staff, mediator)


def test_party_link_opens_the_room_and_unknown_expired_or_closed_links_are_refused(
        client, world, citizen, east_centre_staff, mediator, video):
    case, session, (p1, p2) = video
    page = client.get(room.room_path(p1))
    assert page.status_code == 200 and "进入调解室" in page.content.decode()

    unknown = client.get(reverse("mediation:room", args=["nonexistent-token"]))
    assert unknown.status_code == 404 and "找不到这个视频调解室" in unknown.content.decode()

    _c2, old, (old_pass, _x) = _session(world, citizen, east_centre_staff, mediator,
                                        when=timezone.now() - timedelta(hours=7))
    expired = client.get(room.room_path(old_pass))
    assert expired.status_code == 410 and "链接已过期" in expired.content.decode()
    assert _post(client, "room_join", old_pass.token, {"epoch": "e1"}).status_code == 410

    room.close_room(actor=mediator, session=session)
    closed = client.get(room.room_path(p2))
    assert closed.status_code == 410 and "调解室已关闭" in closed.content.decode()


def test_a_mediators_pass_works_only_for_that_mediator(client, mediator, mediator2, video):
    case, session, _passes = video
    enter = _login(mediator).get(reverse("mediation:enter_room", args=[session.pk]))
    token = enter.url.rstrip("/").rsplit("/", 1)[1]
    assert RoomPass.objects.get(token=token).user == mediator
    # the same link in anybody else's browser is refused
    assert client.get(enter.url).status_code == 403
    assert _login(mediator2).get(enter.url).status_code == 403
    # another mediator of the organisation who is not on the case cannot make a pass either
    assert _login(mediator2).get(reverse("mediation:enter_room", args=[session.pk])).status_code in (403, 404)


def test_signals_stay_inside_the_room(client, world, citizen, east_centre_staff, mediator, video):
    case, session, (p1, p2) = video
    _c, _other, (foreign, _y) = _session(world, citizen, east_centre_staff, mediator)
    assert _post(client, "room_join", p1.token, {"epoch": "a1"}).status_code == 200
    assert _post(client, "room_join", p2.token, {"epoch": "b1"}).status_code == 200

    bad = _post(client, "room_signal", p1.token, {"epoch": "a1", "items": [
        {"to": p2.pk, "kind": "offer", "payload": {"sdp": "x"}},
        {"to": foreign.pk, "kind": "offer", "payload": {"sdp": "y"}}]})
    assert bad.status_code == 403 and "本调解室" in bad.json()["error"]
    assert not RoomSignal.objects.exists()  # refused as a whole

    ok = _post(client, "room_signal", p1.token, {"epoch": "a1", "items": [
        {"to": p2.pk, "kind": "offer", "payload": {"sdp": "v=0", "to_epoch": "b1"}}]})
    assert ok.status_code == 200
    got = client.get(reverse("mediation:room_poll", args=[p2.token]), {"epoch": "b1", "after": 0}).json()
    assert [m["kind"] for m in got["messages"]] == ["offer"] and got["messages"][0]["from"] == p1.pk
    assert [p["id"] for p in got["peers"]] == [p1.pk]
    # the sender does not get its own message back; a stale page load is told it was replaced
    assert client.get(reverse("mediation:room_poll", args=[p1.token]), {"epoch": "a1"}).json()["messages"] == []
    assert client.get(reverse("mediation:room_poll", args=[p1.token]), {"epoch": "old"}).json() == {"replaced": True}


def test_turn_credentials_follow_the_turn_rest_api(settings, video):
    settings.TURN_URLS = ["turn:turn.example.cn:3478?transport=udp", "turns:turn.example.cn:5349"]
    settings.TURN_SECRET = "s3cret"
    settings.TURN_TTL_SECONDS = 600
    _case, _session, (p1, _p2) = video
    servers = room.ice_servers(p1)
    turn = servers[-1]
    expiry, who = turn["username"].split(":")
    assert abs(int(expiry) - (time.time() + 600)) < 5 and who == f"room{p1.pk}"
    expected = base64.b64encode(hmac.new(b"s3cret", turn["username"].encode(), hashlib.sha1).digest()).decode()
    assert turn["credential"] == expected
    settings.TURN_SECRET = ""
    assert room.ice_servers(p1) == []  # the embedded default: host candidates only


def test_recording_needs_every_present_partys_consent(client, mediator, video):
    _case, session, (p1, p2) = video
    mc = _login(mediator)
    token = mc.get(reverse("mediation:enter_room", args=[session.pk])).url.rstrip("/").rsplit("/", 1)[1]
    assert _post(mc, "room_join", token, {"epoch": "m"}).status_code == 200
    assert _post(mc, "room_record", token, {"action": "request"}).json()["all_consented"] is True
    refused = _post(client, "room_join", p1.token, {"epoch": "a"})
    assert refused.status_code == 409 and refused.json()["code"] == "consent"
    assert _post(client, "room_join", p2.token, {"epoch": "b", "consent": True}).status_code == 200
    # p1 gets in after agreeing; until p1 agrees recording cannot start
    assert _post(client, "room_consent", p1.token).status_code == 200
    assert _post(client, "room_join", p1.token, {"epoch": "a"}).status_code == 200
    RoomPass.objects.filter(pk=p1.pk).update(consented_at=None)
    start = _post(mc, "room_record", token, {"action": "start"})
    assert start.status_code == 400 and "尚未同意录像" in start.json()["error"]
    RoomPass.objects.filter(pk=p1.pk).update(consented_at=timezone.now())
    assert _post(mc, "room_record", token, {"action": "start"}).status_code == 200
    assert VideoRoomState.objects.get(session=session).recording_since is not None
    # parties cannot control recording
    assert _post(client, "room_record", p1.token, {"action": "stop"}).status_code == 403


def test_room_holds_at_most_four(client, world, citizen, east_centre_staff, mediator, video):
    case, session, (p1, p2) = video
    for name in ("丙", "丁", "戊"):
        services.add_party(actor=mediator, case=case, side="respondent", name=name)
    passes = room.ensure_party_passes(session)
    for i, p in enumerate(passes[:4]):
        assert _post(client, "room_join", p.token, {"epoch": f"e{i}"}).status_code == 200
    full = _post(client, "room_join", passes[4].token, {"epoch": "e5"})
    assert full.status_code == 409 and "人数已满" in full.json()["error"]


def _upload(mc, token, data: bytes, chunk: int = 3000):
    start = _post(mc, "room_upload_start", token, {"name": "s.webm", "size": len(data)}).json()
    url = reverse("mediation:room_upload_chunk", kwargs={"token": token, "upload": start["upload"]})
    offset = 0
    while offset < len(data):
        piece = data[offset:offset + chunk]
        r = mc.post(f"{url}?offset={offset}", piece, content_type="application/octet-stream").json()
        # a repeated chunk (a retry after a lost answer) changes nothing
        again = mc.post(f"{url}?offset={offset}", piece, content_type="application/octet-stream").json()
        assert again["received"] == r["received"]
        offset = r["received"]
    return mc.post(reverse("mediation:room_upload_finish", kwargs={"token": token, "upload": start["upload"]}))


def test_recording_uploads_in_chunks_and_only_the_cases_mediators_and_centre_download_it(
        client, citizen, mediator, mediator2, east_centre_staff, west_centre_staff, video):
    case, session, (p1, _p2) = video
    mc = _login(mediator)
    token = mc.get(reverse("mediation:enter_room", args=[session.pk])).url.rstrip("/").rsplit("/", 1)[1]
    # a party cannot upload
    assert _post(client, "room_upload_start", p1.token, {"name": "x.webm", "size": 10}).status_code == 403

    done = _upload(mc, token, WEBM)
    assert done.status_code == 200
    rec = Recording.objects.get(session=session)
    assert done.json()["sha256"] == rec.sha256 == hashlib.sha256(WEBM).hexdigest()
    with rec.file.open("rb") as fh:
        assert fh.read() == WEBM
    assert "/private" not in rec.file.url and rec.file.url.startswith("/files/")

    def status(user):
        c = _login(user) if user else Client()
        return c.get(rec.file.url).status_code

    assert status(mediator) == 200
    assert status(east_centre_staff) == 200
    assert status(mediator2) == 404      # same organisation, not on this case
    assert status(west_centre_staff) == 404  # another county's centre
    assert status(citizen) == 404        # a party of the case
    assert status(None) == 404
    # not a WebM file: refused, nothing stored
    bad = _upload(mc, token, b"<html>" + b"x" * 100)
    assert bad.status_code == 400 and Recording.objects.count() == 1


def test_parties_confirm_the_draft_they_were_shown(client, mediator, video):
    case, session, (p1, p2) = video
    mc = _login(mediator)
    token = mc.get(reverse("mediation:enter_room", args=[session.pk])).url.rstrip("/").rsplit("/", 1)[1]
    deadline = (timezone.localdate() + timedelta(days=20)).isoformat()
    assert _post(client, "room_share", p1.token, {"terms": "x", "performance_deadline": deadline}).status_code == 403
    shared = _post(mc, "room_share", token, {"terms": "赔偿2000元", "performance_deadline": deadline}).json()
    _post(client, "room_join", p1.token, {"epoch": "a"})
    info = client.get(reverse("mediation:room_poll", args=[p1.token]), {"epoch": "a"}).json()["draft"]
    assert info["sha256"] == shared["sha256"] and info["terms"] == "赔偿2000元"
    pdf = client.get(info["url"])
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content if pdf.streaming else [pdf.content])[:4] == b"%PDF"
    wrong = _post(client, "room_confirm", p1.token, {"draft": shared["id"], "sha256": "0" * 64})
    assert wrong.status_code == 400
    assert _post(client, "room_confirm", p1.token, {"draft": shared["id"], "sha256": shared["sha256"]}).status_code == 200
    assert _post(client, "room_confirm", p1.token, {"draft": shared["id"], "sha256": shared["sha256"]}).status_code == 200
    c = AgreementConfirmation.objects.get()
    assert c.party == p1.party and c.sha256 == shared["sha256"]
    from audit.models import AuditEntry

    signed = [e for e in AuditEntry.objects.filter(object_id=case.pk)
              if e.data.get("decision") == "agreement_confirmed_in_room"]
    assert len(signed) == 1 and signed[0].data["sha256"] == shared["sha256"]  # once, in the audit trail
    # the case page shows it
    page = mc.get(reverse("mediation:case", args=[case.pk])).content.decode()
    assert "在线确认" in page and p1.party.name in page

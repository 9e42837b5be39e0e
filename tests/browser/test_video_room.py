"""The video mediation room in real browsers (issue 19): a mediator and two parties, each in
their own chromium context with Chromium's synthetic camera and microphone, see and hear
each other through the platform's own signalling; the same through a coturn relay started
on loopback (``iceTransportPolicy: "relay"``); recording with consent, uploaded in chunks
with a matching SHA-256; a draft agreement confirmed in the room."""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from mediation import services
from mediation.models import AgreementConfirmation, Recording, RoomPass
from mediation.services import room
from tests.browser.conftest import STAFF, shoot
from tests.mediation.factories import taken_case

pytestmark = pytest.mark.browser

REMOTE_VIDEOS = """() => Array.from(document.querySelectorAll('#tiles figure:not([data-peer="me"]) video')).map(v => ({
  peer: v.parentNode.getAttribute('data-peer'),
  t: v.currentTime,
  states: v.srcObject ? v.srcObject.getVideoTracks().map(tr => tr.readyState) : [],
  w: v.videoWidth,
}))"""


def _video_session(world, citizen, staff, mediator):
    case = taken_case(world, citizen, staff, mediator)
    session = services.schedule_session(actor=mediator, case=case, mode="video", scheduled_at=timezone.now(),
                                        invite=False)
    parties = list(case.parties.order_by("side", "id"))
    passes = [room.party_pass(session, p) for p in parties]
    return case, session, passes


def _join(page, url):
    page.goto(url)
    join = page.get_by_role("button", name="进入调解室")
    join.wait_for()
    page.wait_for_function("() => !document.getElementById('join').disabled")
    page.wait_for_function("() => document.getElementById('preview').videoWidth > 0")
    join.click()
    page.locator("#room").wait_for(state="visible")


def _sees_others_playing(page, n: int):
    """``n`` remote videos with live tracks whose playback time advances."""
    page.wait_for_function(
        f"() => ({REMOTE_VIDEOS})().filter(v => v.t > 0.5 && v.w > 0 && v.states.length && "
        f"v.states.every(s => s === 'live')).length === {n}", timeout=30_000)
    before = {v["peer"]: v["t"] for v in page.evaluate(REMOTE_VIDEOS)}
    page.wait_for_timeout(1200)
    after = page.evaluate(REMOTE_VIDEOS)
    assert len(after) == n
    for v in after:
        assert v["states"] == ["live"], v
        assert v["t"] > before[v["peer"]] + 0.5, (before, after)


def _relay_only(page) -> list[str]:
    """The local candidate type of every connected pair (``relay`` when through TURN)."""
    return page.evaluate("""async () => {
      const out = [];
      for (const id of Object.keys(window.__room.peers)) {
        const stats = await window.__room.peers[id].pc.getStats();
        let pair = null;
        stats.forEach(s => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId); });
        if (!pair) stats.forEach(s => { if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s; });
        out.push(pair ? stats.get(pair.localCandidateId).candidateType : 'none');
      }
      return out;
    }""")


def _three_in_a_room(open_page, live_server, mediator, session, passes, init_script=None):
    pages = []
    mpage = open_page(viewport=STAFF, user=mediator)
    pages.append(mpage)
    for _p in passes:
        pages.append(open_page(viewport={"width": 800, "height": 900}))
    for page in pages:
        # three pages each encoding and decoding video on a shared 2-core machine answer slowly
        page.set_default_timeout(30_000)
        if init_script:
            page.add_init_script(init_script)
        # after the mediator ends the session the room answers 410 Gone, which the pages show
        page.allow_console(r"status of 410 .*/mediation/room/")
        if connection.vendor == "sqlite":
            # the in-memory test database (shared cache) answers "table is locked" at once
            # instead of waiting when two live-server threads write together; the room
            # retries. PostgreSQL (CI) and the embedded file database wait instead.
            page.allow_console(r"status of 500 .*/mediation/room/.*/(poll|signal)/")
    _join(mpage, live_server.url + reverse("mediation:enter_room", args=[session.pk]))
    for page, p in zip(pages[1:], passes, strict=True):
        _join(page, live_server.url + room.room_path(p))
    return pages


def test_mediator_and_two_parties_see_each_other_record_and_confirm_the_draft(
        open_page, live_server, world, citizen, east_centre_staff, mediator):
    case, session, passes = _video_session(world, citizen, east_centre_staff, mediator)
    mpage, apage, rpage = pages = _three_in_a_room(open_page, live_server, mediator, session, passes)
    for page in pages:
        _sees_others_playing(page, 2)
    shoot(mpage, "video-room-mediator")

    # mute and camera buttons act on the local tracks
    apage.get_by_role("button", name="静音", exact=True).click()
    assert apage.evaluate("() => document.getElementById('preview').srcObject.getAudioTracks()[0].enabled") is False
    apage.get_by_role("button", name="取消静音", exact=True).click()

    # recording: asked by the mediator, refused to start until both parties agree
    mpage.get_by_role("button", name="申请录像").click()
    for page in (apage, rpage):
        page.get_by_role("button", name="同意录像").click()
        page.wait_for_function("() => document.getElementById('consent-prompt').classList.contains('d-none')")
    mpage.get_by_role("button", name="开始录像").click()
    for page in (apage, rpage):
        page.wait_for_function("() => document.getElementById('record-status').textContent.includes('正在录像')")
    mpage.wait_for_function("() => window.__room.recording && window.__room.recording.chunks >= 2", timeout=30_000)
    mpage.get_by_role("button", name="停止录像并上传").click()
    mpage.wait_for_function("() => window.__room.uploads.length === 1", timeout=30_000)
    up = mpage.evaluate("() => window.__room.uploads[0]")
    assert up["local"] == up["server"]
    rec = Recording.objects.get(session=session)
    assert rec.sha256 == up["server"]
    with rec.file.open("rb") as fh:
        data = fh.read()
    assert hashlib.sha256(data).hexdigest() == rec.sha256 and data[:4] == b"\x1a\x45\xdf\xa3" and len(data) > 10_000

    # draft agreement on screen, confirmed by both parties in the room
    mpage.get_by_label("协议内容").fill("被申请人于一个月内修复卫生间防水并赔偿2000元。")
    mpage.get_by_label("履行期限").fill((timezone.localdate() + timedelta(days=30)).isoformat())
    mpage.get_by_role("button", name="向当事人展示协议草案").click()
    for page in (apage, rpage):
        page.get_by_text("修复卫生间防水").wait_for()
        page.get_by_role("button", name="我已阅读并确认协议内容").click()
        page.get_by_role("button", name="您已确认协议草案。").wait_for()
    mpage.wait_for_function("() => document.getElementById('draft-confirmations').textContent.includes('王五')")
    assert AgreementConfirmation.objects.filter(draft__session=session).count() == 2

    # the mediator ends the session: the parties are told, the case shows the record
    mpage.once("dialog", lambda d: d.accept())
    mpage.get_by_role("button", name="结束本次视频调解").click()
    mpage.wait_for_url(f"**{reverse('mediation:case', args=[case.pk])}")
    for page in (apage, rpage):
        page.get_by_text("本次视频调解已经结束").wait_for()
    table = mpage.locator("[data-attendance]")
    for p in RoomPass.objects.filter(session=session):
        assert p.first_joined_at is not None and p.seconds_present >= 3
        assert p.display_name in table.inner_text()
    assert "已录像" in mpage.locator("[data-recorded]").inner_text()
    assert "在线确认" in mpage.locator("[data-draft]").inner_text()
    # the party link no longer opens the room
    apage.goto(live_server.url + room.room_path(passes[0]))
    assert apage.get_by_text("调解室已关闭").is_visible()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def coturn(tmp_path):
    exe = shutil.which("turnserver") or "/usr/bin/turnserver"
    if not shutil.which(exe):
        pytest.skip("coturn is not installed (apt-get install coturn)")
    port = _free_port()
    secret = "browser-test-secret"
    log = tmp_path / "turn.log"
    proc = subprocess.Popen([
        exe, "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", f"--listening-port={port}",
        "--min-port=49160", "--max-port=49400", "--use-auth-secret", f"--static-auth-secret={secret}",
        "--realm=test.local", "--no-tls", "--no-dtls", "--no-cli", "--allow-loopback-peers", "--fingerprint",
        f"--log-file={log}", "--simple-log", f"--pidfile={tmp_path / 'turn.pid'}",
    ], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield {"port": port, "secret": secret, "log": log}
    proc.terminate()
    proc.wait(timeout=10)


def test_the_same_room_through_a_turn_relay_only(open_page, live_server, world, citizen, east_centre_staff,
                                                 mediator, coturn, settings):
    settings.TURN_URLS = [f"turn:127.0.0.1:{coturn['port']}?transport=udp"]
    settings.TURN_SECRET = coturn["secret"]
    case, session, passes = _video_session(world, citizen, east_centre_staff, mediator)
    pages = _three_in_a_room(open_page, live_server, mediator, session, passes,
                             init_script="window.ROOM_ICE_POLICY = 'relay';")
    for page in pages:
        _sees_others_playing(page, 2)
        # every selected candidate pair is local "relay": the media goes through the coturn
        assert _relay_only(page) == ["relay", "relay"]

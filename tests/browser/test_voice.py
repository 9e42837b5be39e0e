"""按住说话 with chromium's fake microphone: a citizen who does not type files an appeal by voice
alone; the recording goes through the upload gate and centre staff play it on the item page."""

import re

import pytest
from django.test import Client

from grievances.models import Attachment, Grievance
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, STAFF, shoot

pytestmark = pytest.mark.browser

FAKE_MIC = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def browser(browser):
    """A second chromium from the same Playwright, with a fake microphone (a beeping tone)."""
    b = browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + FAKE_MIC)
    yield b
    b.close()


def _pick(page, index, name):
    page.wait_for_function(
        "([i, n]) => { const s = document.querySelectorAll('[data-region-picker] select')[i];"
        " return s && Array.from(s.options).some(o => o.text === n); }", arg=[index, name])
    page.locator("[data-region-picker] select").nth(index).select_option(label=name)


def _hold_and_speak(page, box, ms=2500):
    hold = box.locator("[data-voice-hold]")
    hold.scroll_into_view_if_needed()
    b = hold.bounding_box()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)
    page.mouse.down()
    page.wait_for_function("() => document.querySelector('[data-voice-hold]').classList.contains('active')")
    page.wait_for_timeout(ms)
    page.mouse.up()


def test_appeal_by_voice_alone_arrives_as_a_playable_attachment(open_page, world, citizen, east_centre_staff):
    page = open_page(viewport=PHONE, user=citizen, permissions=["microphone"])
    page.goto("/appeals/new/")
    page.get_by_label("诉求类型").select_option(label="民生诉求服务")
    _pick(page, 1, "东湖区")
    _pick(page, 2, "湖滨街道")
    _pick(page, 3, "柳岸社区")
    # Nothing typed and nothing recorded: both text boxes ask for text or a voice note.
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_load_state()
    assert "或按住“按住说话”录一段语音" in page.locator("main").inner_text()
    _pick(page, 3, "柳岸社区")

    voice = page.locator("[data-voice]")
    _hold_and_speak(page, voice)
    status = voice.locator("[data-voice-status]")
    page.wait_for_function("() => /语音已上传/.test(document.querySelector('[data-voice-status]').textContent)")
    assert re.search(r"语音已上传（0:0[2-4]）", status.inner_text())
    assert voice.locator("audio[data-voice-preview]").is_visible()
    assert "stage_url" not in voice.inner_text()  # the template's comment stays a comment
    shoot(page, "citizen-voice")
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_url(re.compile(r"/appeals/\d+/done/"))

    g = Grievance.objects.get()
    assert g.title == "语音反映" and "请收听录音" in g.description
    note = Attachment.objects.get(grievance=g)
    assert note.kind == "audio" and note.content_type in ("audio/webm", "audio/ogg", "audio/mp4")
    assert note.size > 1000

    # Centre staff hear it on the item page: the player loads the recording.
    staff = open_page(viewport=STAFF, user=east_centre_staff)
    staff.goto(f"/admin/grievances/grievance/{g.pk}/change/")
    player = staff.locator("[data-voice-attachment] audio")
    assert player.count() == 1
    loaded = player.evaluate(
        "a => new Promise(r => { a.onloadedmetadata = () => r(true); a.onerror = () => r(false); a.load(); })")
    assert loaded
    client = Client()
    client.force_login(east_centre_staff)
    response = client.get(player.get_attribute("src"))
    assert response.status_code == 200 and response["Content-Type"].startswith("audio/")


def test_supplement_by_voice(open_page, world, citizen):
    from grievances import services

    g = services.submit_grievance(actor=citizen, kind="livelihood", region=world.east_village, title="路灯不亮",
                                  description="小区门口路灯坏了。")
    page = open_page(viewport=PHONE, user=citizen, permissions=["microphone"])
    page.goto(f"/appeals/{g.pk}/")
    box = page.locator("#supplement [data-voice]")
    _hold_and_speak(page, box, ms=1800)
    page.wait_for_function(
        "() => /语音已上传/.test(document.querySelector('#supplement [data-voice-status]').textContent)")
    page.locator("#supplement").get_by_role("button", name=re.compile("提交")).click()
    page.wait_for_load_state()
    assert g.attachments.filter(kind="audio").count() == 1
    assert page.locator("[data-voice-attachment] audio").count() == 1


def test_question_to_a_lawyer_by_voice_alone(open_page, world, citizen):
    from legalqa.lawyers.models import Attachment as QAAttachment
    from legalqa.lawyers.models import Question
    from tests.browser.a11y import q_fields

    q_fields()
    page = open_page(viewport=PHONE, user=citizen, permissions=["microphone"])
    page.goto("/qa/ask/")
    page.get_by_label("咨询领域").select_option(index=1)
    page.get_by_label("所在地区").select_option(value=str(world.east_village.pk))
    _hold_and_speak(page, page.locator("[data-voice]"), ms=1800)
    page.wait_for_function("() => /已录好一段/.test(document.querySelector('[data-voice-status]').textContent)")
    page.locator("#ask-form [type=submit]").first.click()
    page.wait_for_url(re.compile(r"/qa/q/\d+/"))
    q = Question.objects.get()
    assert q.title == "语音提问"
    assert QAAttachment.objects.filter(question=q, kind="audio").count() == 1
    assert page.locator("audio").count() >= 1

"""Citizen pages: submit with uploads, confirmation, my list, detail, rating, lookup."""

import pytest
from django.urls import reverse
from PIL import Image

from grievances.models import Attachment, Grievance, Satisfaction, State
from tests.factories import PASSWORD
from tests.grievances import media


def _form(world, **kw):
    data = {
        "kind": "livelihood", "region_code": world.east_village.code, "address": "柳岸花园3栋",
        "title": "路灯不亮", "description": "小区门口路灯坏了一个月。", "contact_name": "张三",
        "contact_phone": "13912345678",
    }
    data.update(kw)
    return data


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


def test_submit_with_photo_strips_exif_and_gps(citizen_client, world):
    response = citizen_client.post(reverse("grievances:submit"), _form(world, files=[media.jpeg_with_gps()]))
    assert response.status_code == 302
    g = Grievance.objects.get()
    assert response["Location"] == reverse("grievances:confirmation", args=[g.pk])
    page = citizen_client.get(response["Location"])
    assert g.tracking_display in page.content.decode()
    att = Attachment.objects.get()
    with att.file.open("rb") as fh:
        img = Image.open(fh)
        img.load()
        assert not img.getexif()
        assert "exif" not in img.info
    with att.file.open("rb") as fh:
        raw = fh.read()
    assert b"PhoneMaker" not in raw and b"Exif" not in raw
    assert att.thumbnail


@pytest.mark.parametrize("bad,message", [
    (media.text_as_jpeg, "类型不支持"),
    (media.truncated_jpeg, "无法识别或已损坏"),
    (media.bomb_png, "像素尺寸过大"),
    (media.huge_image, "超过10MB"),
    (media.fake_mp4, "视频"),
    (media.exe_as_pdf, "类型不支持"),
])
def test_bad_upload_refused_with_message_keeping_what_was_typed(citizen_client, world, bad, message):
    response = citizen_client.post(reverse("grievances:submit"), _form(world, title="井盖丢失", files=[bad()]))
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert 'value="井盖丢失"' in body
    assert "小区门口路灯坏了一个月。" in body
    assert not Grievance.objects.exists()


def test_pdf_accepted_by_content(citizen_client, world):
    response = citizen_client.post(reverse("grievances:submit"), _form(world, files=[media.pdf(), media.png()]))
    assert response.status_code == 302
    assert sorted(Attachment.objects.values_list("kind", flat=True)) == ["document", "image"]


def test_missing_region_keeps_text(citizen_client, world):
    response = citizen_client.post(reverse("grievances:submit"), _form(world, region_code=""))
    assert response.status_code == 200
    assert "请选择发生地" in response.content.decode() or "这个字段是必填项" in response.content.decode()
    assert "路灯不亮" in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("grievances:submit"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_citizen_cannot_open_someone_elses_grievance(client, loop, other_citizen):
    g = loop.submit()
    client.force_login(other_citizen)
    assert client.get(reverse("grievances:detail", args=[g.pk])).status_code == 404
    assert client.post(reverse("grievances:rate", args=[g.pk]), {"satisfaction": "satisfied"}).status_code == 404


def test_detail_shows_progress_and_only_public_events(citizen_client, loop, east_centre_staff):
    g = loop.handling()
    from grievances import services

    services.supervise_grievance(actor=east_centre_staff, grievance=g, note="内部督办意见XYZ")
    body = citizen_client.get(reverse("grievances:detail", args=[g.pk])).content.decode()
    assert "已受理" in body and "处理中" in body and "已办结" in body
    assert 'step done' in body
    assert "内部督办意见XYZ" not in body
    assert "签收" in body


def test_rating_unsatisfied_sends_back_and_satisfied_closes(citizen_client, loop):
    g = loop.verified()
    url = reverse("grievances:rate", args=[g.pk])
    response = citizen_client.post(url, {"satisfaction": "unsatisfied", "comment": "", "version": g.version})
    assert response.status_code == 400
    assert "请写明原因" in response.content.decode()
    response = citizen_client.post(url, {"satisfaction": "unsatisfied", "comment": "电梯还是坏的", "version": g.version})
    assert response.status_code == 302
    g.refresh_from_db()
    assert g.state == State.HANDLING and g.satisfaction == Satisfaction.UNSATISFIED


def test_rating_with_stale_page_refused_clearly(citizen_client, loop):
    g = loop.verified()
    response = citizen_client.post(reverse("grievances:rate", args=[g.pk]),
                                   {"satisfaction": "satisfied", "version": g.version - 1})
    assert "已被他人处理" in response.content.decode()
    g.refresh_from_db()
    assert g.state == State.VERIFIED


def test_supplement_adds_material(citizen_client, loop):
    g = loop.dispatched()
    response = citizen_client.post(reverse("grievances:supplement", args=[g.pk]),
                                   {"note": "又拍了一张", "files": [media.png()], "version": g.version})
    assert response.status_code == 302
    assert g.attachments.count() == 1
    assert g.events.filter(action="supplemented").exists()


def test_lookup_needs_the_right_phone(client, loop):
    g = loop.accepted()
    url = reverse("grievances:lookup")
    response = client.post(url, {"tracking_no": g.tracking_display, "phone": "13700000000"})
    assert response.status_code == 200
    assert "没有找到" in response.content.decode()
    assert reverse("grid:sms_login") in client.get(reverse("grievances:detail", args=[g.pk]))["Location"]
    response = client.post(url, {"tracking_no": g.tracking_no, "phone": g.contact_phone})
    assert response["Location"] == reverse("grievances:detail", args=[g.pk])
    assert "已受理" in client.get(response["Location"]).content.decode()


def test_lookup_is_throttled(client, loop):
    g = loop.submit()
    for _ in range(10):
        client.post(reverse("grievances:lookup"), {"tracking_no": g.tracking_no, "phone": "13700000000"})
    response = client.post(reverse("grievances:lookup"), {"tracking_no": g.tracking_no, "phone": g.contact_phone})
    assert "失败次数过多" in response.content.decode()


def test_my_list_has_fixed_query_count(citizen_client, loop, django_assert_max_num_queries):
    for _ in range(3):
        loop.submit()
    with django_assert_max_num_queries(6):
        small = citizen_client.get(reverse("grievances:mine"))
    for _ in range(15):
        loop.submit()
    with django_assert_max_num_queries(6):
        big = citizen_client.get(reverse("grievances:mine"))
    assert big.content.decode().count("list-group-item-action") == 18
    assert small.status_code == 200


def test_mine_keyset_pages(citizen_client, loop):
    for _ in range(22):
        loop.submit()
    first = citizen_client.get(reverse("grievances:mine"))
    assert first.content.decode().count("list-group-item-action") == 20
    before = first.context["page"].next_before
    second = citizen_client.get(reverse("grievances:mine") + f"?before={before}")
    assert second.content.decode().count("list-group-item-action") == 2


def test_password_login_still_works(client, citizen):
    response = client.post(reverse("grid:login"), {"username": citizen.phone, "password": PASSWORD})
    assert response.status_code == 302


def test_grid_worker_patrol_report_has_grid_preselected(client, grid_worker, world):
    client.force_login(grid_worker)
    page = client.get(reverse("grievances:patrol"))
    assert f'value="{world.grid.pk}" selected' in page.content.decode()
    response = client.post(reverse("grievances:patrol"), {
        "grid": world.grid.pk, "kind": "dispute", "title": "楼道堆放杂物", "description": "消防通道被堵。",
        "files": [media.png()]})
    assert response.status_code == 302
    g = Grievance.objects.get()
    assert g.channel == "patrol" and g.grid == world.grid and g.region == world.east_village


def test_similar_cases_are_anonymised(client, loop, django_assert_max_num_queries):
    g = loop.closed(contact_name="王大锤", description="x", title="王大锤家楼上漏水 13912345678")
    with django_assert_max_num_queries(3):
        body = client.get(reverse("grievances:cases")).content.decode()
    assert "王某" in body and "王大锤" not in body and "13912345678" not in body
    assert g.address not in body or not g.address


def test_attachments_served_only_to_people_who_may_see_them(client, citizen, other_citizen, world):
    client.force_login(citizen)
    client.post(reverse("grievances:submit"), _form(world, files=[media.png()]))
    att = Attachment.objects.get()
    assert client.get(reverse("grievances:attachment", args=[att.pk])).status_code == 200
    client.force_login(other_citizen)
    assert client.get(reverse("grievances:attachment", args=[att.pk])).status_code == 404


def test_pages_switch_to_english(client, db):
    client.cookies["django_language"] = "en"
    assert "Report a problem" in client.get("/").content.decode()
    assert "Tracking number" in client.get(reverse("grievances:lookup")).content.decode()


def test_grid_worker_follows_the_items_of_their_grid(client, grid_worker, world, citizen):
    from tests.grievances.factories import submit

    submit(citizen, world.east_village, title="网格内群众反映的件", grid=world.grid)
    submit(citizen, world.west_village, title="别的网格的件")
    client.force_login(grid_worker)
    body = client.get(reverse("grievances:mine")).content.decode()
    assert "网格内群众反映的件" in body and "别的网格的件" not in body


def test_optional_coordinates_are_kept(citizen_client, world):
    citizen_client.post(reverse("grievances:submit"), _form(world, latitude="28.123456", longitude="113.654321"))
    g = Grievance.objects.get()
    assert str(g.latitude) == "28.123456" and str(g.longitude) == "113.654321"


def test_lookup_is_throttled_per_address_even_without_the_session(client, loop, settings):
    from django.core.cache import cache

    from grievances import views

    cache.clear()
    g = loop.submit()
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    for _ in range(views.LOOKUP_MAX_FAILS_PER_IP):
        client.cookies.clear()
        client.post(reverse("grievances:lookup"), {"tracking_no": g.tracking_no, "phone": "13700000000"})
    client.cookies.clear()
    response = client.post(reverse("grievances:lookup"), {"tracking_no": g.tracking_no, "phone": g.contact_phone})
    assert "失败次数过多" in response.content.decode()
    cache.clear()


def test_real_video_accepted_and_served_as_download(citizen_client, world):
    response = citizen_client.post(reverse("grievances:submit"), _form(world, files=[media.mp4()]))
    assert response.status_code == 302
    att = Attachment.objects.get()
    assert att.kind == "video" and att.content_type == "video/mp4" and att.file.name.endswith(".mp4")
    served = citizen_client.get(reverse("grievances:attachment", args=[att.pk]))
    assert served.status_code == 200 and served["Content-Disposition"].startswith("attachment")


def test_legal_aid_kind_leads_to_the_legal_aid_application_with_what_was_typed(citizen_client, world):
    """A 法律援助申请 through the generic form would lack the identity, case type and hardship
    statement the legal-aid review needs: the citizen continues on the dedicated form."""
    data = _form(world, kind="legal_aid", title="被拖欠工资", description="工地拖欠我3万元工资。",
                 contact_name="张三丰")
    response = citizen_client.post(reverse("grievances:submit"), data, follow=True)
    assert Grievance.objects.count() == 0
    assert response.redirect_chain[-1][0] == reverse("mediation:legal_aid_apply")
    body = response.content.decode()
    assert "请在法律援助申请表中继续填写" in body
    form = response.context["form"]
    assert form["description"].value() == "被拖欠工资\n工地拖欠我3万元工资。"
    assert form["applicant_name"].value() == "张三丰"
    assert form["phone"].value() == "13912345678"
    assert form["address"].value() == "柳岸花园3栋"
    assert form["region"].value() == world.east_village.pk
    # Handed over once: a later visit starts from the account's details only.
    again = citizen_client.get(reverse("mediation:legal_aid_apply"))
    assert again.context["form"]["description"].value() in (None, "")

"""Asking, routing, answering, follow-ups, best answer and closing (DOMAIN.md §7)."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from grid.notifications.models import Message
from legalqa.lawyers import services
from legalqa.lawyers.models import AwardEntry, AwardRate, LawyerProfile, QAConfig, Question, QuestionRouting
from legalqa.lawyers.services import QAError
from tests.factories import PASSWORD
from tests.lawyers.factories import NEVER, field, make_lawyer

pytestmark = pytest.mark.django_db


def ask(citizen, world, code="labour", **kw):
    return services.ask_question(asker=citizen, field=field(code), title=kw.get("title", "公司拖欠三个月工资怎么办"),
                                 body=kw.get("body", "公司拖欠我三个月工资，老板说没钱，我该怎么维权？"),
                                 region=world.east_village, files=kw.get("files", ()))


def recipients(template, key_prefix=None):
    qs = Message.objects.filter(template_code=template)
    if key_prefix:
        qs = qs.filter(idempotency_key__startswith=key_prefix)
    return qs


def test_routing_by_field_reaches_exactly_the_verified_lawyers_of_that_field(world, citizen, lawyers):
    q = ask(citizen, world)
    routed = set(QuestionRouting.objects.filter(question=q).values_list("lawyer_id", flat=True))
    assert routed == {lawyers.a.user_id, lawyers.b.user_id, lawyers.c.user_id}
    site = set(recipients("qa_question_routed").filter(channel="site").values_list("user_id", flat=True))
    sms = set(recipients("qa_question_routed").filter(channel="sms").values_list("phone", flat=True))
    assert site == routed
    assert sms == {lawyers.a.phone, lawyers.b.phone, lawyers.c.phone}
    assert lawyers.marriage.user_id not in site and lawyers.unverified.user_id not in site


def test_unverified_lawyer_cannot_answer(world, citizen, lawyers):
    q = ask(citizen, world)
    QuestionRouting.objects.create(question=q, lawyer=lawyers.unverified.user)  # even if it had been routed
    with pytest.raises(QAError, match="尚未通过审核"):
        services.answer_question(lawyer=lawyers.unverified.user, question=q, body="可以申请劳动仲裁。")
    assert not q.answers.exists()


def test_lawyer_of_another_field_cannot_answer(world, citizen, lawyers):
    q = ask(citizen, world)
    with pytest.raises(QAError, match="未分派给您"):
        services.answer_question(lawyer=lawyers.marriage.user, question=q, body="可以申请劳动仲裁。")


def test_answer_limit_closes_the_question_to_further_answers(world, citizen, lawyers):
    cfg = QAConfig.get()
    cfg.answer_limit = 2
    cfg.save()
    q = ask(citizen, world)
    services.answer_question(lawyer=lawyers.a.user, question=q, body="可以先向劳动监察大队投诉。")
    services.answer_question(lawyer=lawyers.b.user, question=q, body="也可以申请劳动仲裁。")
    q.refresh_from_db()
    assert q.answers_closed and q.answer_count == 2 and q.state == "answered"
    with pytest.raises(QAError, match="不再接受新的回答"):
        services.answer_question(lawyer=lawyers.c.user, question=q, body="第三个回答")
    assert q.answers.count() == 2


def test_best_answer_writes_one_ledger_entry_and_can_be_made_once(world, citizen, lawyers):
    import datetime

    AwardRate.objects.create(start=datetime.date(2020, 1, 1), end=datetime.date(2099, 12, 31), amount="80.00")
    q = ask(citizen, world)
    a1 = services.answer_question(lawyer=lawyers.a.user, question=q, body="可以先向劳动监察大队投诉。")
    a2 = services.answer_question(lawyer=lawyers.b.user, question=q, body="也可以申请劳动仲裁。")
    entry = services.mark_best_answer(citizen=citizen, answer=a2)
    assert entry.lawyer == lawyers.b.user and str(entry.amount) == "80.00"
    with pytest.raises(QAError, match="不能重复选择"):
        services.mark_best_answer(citizen=citizen, answer=a1)
    with pytest.raises(QAError, match="不能重复选择"):
        services.mark_best_answer(citizen=citizen, answer=a2)
    assert AwardEntry.objects.count() == 1
    assert list(q.answers.filter(is_best=True)) == [a2]


def test_only_the_asker_marks_the_best_answer(world, citizen, other_citizen, lawyers):
    q = ask(citizen, world)
    a = services.answer_question(lawyer=lawyers.a.user, question=q, body="可以申请劳动仲裁。")
    with pytest.raises(QAError, match="只有提问人"):
        services.mark_best_answer(citizen=other_citizen, answer=a)
    assert not AwardEntry.objects.exists()


def test_staff_decide_only_after_the_configured_days(world, citizen, lawyers, east_centre_staff):
    import datetime

    from django.utils import timezone

    q = ask(citizen, world)
    a = services.answer_question(lawyer=lawyers.a.user, question=q, body="可以申请劳动仲裁。")
    with pytest.raises(QAError, match="7天后"):
        services.decide_best_answer(actor=east_centre_staff, answer=a)
    Question.objects.filter(pk=q.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    a.refresh_from_db()
    entry = services.decide_best_answer(actor=east_centre_staff, answer=a)
    assert entry.decided_by_staff and entry.decided_by == east_centre_staff


def test_follow_ups_notify_the_other_side_once(world, citizen, lawyers):
    q = ask(citizen, world)
    a = services.answer_question(lawyer=lawyers.a.user, question=q, body="可以申请劳动仲裁。")
    r1 = services.add_reply(author=citizen, answer=a, body="没有劳动合同也可以吗？")
    site = recipients("qa_follow_up").filter(channel="site")
    assert list(site.values_list("user_id", flat=True)) == [lawyers.a.user_id]
    r2 = services.add_reply(author=lawyers.a.user, answer=a, body="请问您有工资条或转账记录吗？")
    back = recipients("qa_ask_back").filter(channel="site")
    assert list(back.values_list("user_id", flat=True)) == [citizen.pk]
    # the same message notified again (a retried request) still sends once
    services._notify(key=f"qa-r{r1.pk}", template="qa_follow_up", context={"title": q.title, "lawyer": ""},
                     users=[lawyers.a.user])
    assert recipients("qa_follow_up").filter(channel="site").count() == 1
    assert recipients("qa_follow_up").filter(channel="sms").count() == 1
    assert r2.kind == "ask_back"
    # other lawyers were not told about this thread
    assert not Message.objects.filter(template_code="qa_follow_up", user=lawyers.b.user).exists()


def test_a_stranger_cannot_post_in_a_thread(world, citizen, other_citizen, lawyers):
    q = ask(citizen, world)
    a = services.answer_question(lawyer=lawyers.a.user, question=q, body="可以申请劳动仲裁。")
    with pytest.raises(QAError):
        services.add_reply(author=lawyers.b.user, answer=a, body="插话")
    with pytest.raises(QAError):
        services.add_reply(author=other_citizen, answer=a, body="插话")


def test_closing_rates_three_ways_and_updates_the_stars(world, citizen, lawyers):
    q = ask(citizen, world)
    a = services.answer_question(lawyer=lawyers.a.user, question=q, body="可以申请劳动仲裁。")
    services.answer_question(lawyer=lawyers.b.user, question=q, body="可以投诉。")
    services.mark_best_answer(citizen=citizen, answer=a)
    services.close_question(citizen=citizen, question=q, professional=5, speed=4, useful=3, suggestion="很好")
    q.refresh_from_db()
    assert q.state == "closed" and q.rating_speed == 4
    p = LawyerProfile.objects.get(pk=lawyers.a.pk)
    assert float(p.rating_avg) == 4.0 and p.rating_count == 1
    assert LawyerProfile.objects.get(pk=lawyers.b.pk).rating_count == 0  # only the best answer is rated
    with pytest.raises(QAError, match="已结束"):
        services.add_reply(author=citizen, answer=a, body="再问一句")


def test_rating_out_of_range_is_refused(world, citizen, lawyers):
    q = ask(citizen, world)
    with pytest.raises(QAError, match="1到5星"):
        services.close_question(citizen=citizen, question=q, professional=6, speed=4, useful=3)


def _png():
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    return buf.getvalue()


def test_attachments_are_checked_by_content(world, citizen, lawyers):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.jpg", b"this is not an image", content_type="image/jpeg")
    with pytest.raises(QAError, match="类型不支持"):
        ask(citizen, world, files=[fake])
    assert not Question.objects.exists()
    png = SimpleUploadedFile("a.png", _png(), content_type="image/png")
    voice = SimpleUploadedFile("voice.bin", _wav(2), content_type="application/octet-stream")
    q = ask(citizen, world, files=[png, voice])
    assert sorted(q.attachments.values_list("kind", flat=True)) == ["audio", "image"]
    assert q.attachments.get(kind="audio").content_type == "audio/wav"


def _wav(seconds: float) -> bytes:
    import wave

    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * int(8000 * seconds))
    return buf.getvalue()


def test_fake_or_too_long_recordings_are_refused(world, citizen, lawyers):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("v.webm", b"\x1a\x45\xdf\xa3" + b"\0" * 100, content_type="audio/webm")
    with pytest.raises(QAError, match="不是可识别的录音文件"):
        ask(citizen, world, files=[fake])
    long = SimpleUploadedFile("long.wav", _wav(200), content_type="audio/wav")
    with pytest.raises(QAError, match="3分钟"):
        ask(citizen, world, files=[long])


def test_oversized_voice_is_refused(world, citizen, lawyers):
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("v.mp3", b"ID3" + b"\0" * (10 * 1024 * 1024 + 1), content_type="audio/mpeg")
    with pytest.raises(QAError, match="10MB"):
        ask(citizen, world, files=[big])


def test_immediate_feedback_shows_expected_response(world, citizen, lawyers, client):
    client.login(username=citizen.username, password=PASSWORD)
    q = ask(citizen, world)
    resp = client.get(reverse("lawyers:question", args=[q.pk]) + "?new=1")
    text = resp.content.decode()
    assert "您的咨询已收到" in text and "3位该领域律师值班" in text and "10分钟内答复" in text


def test_no_one_on_duty_gives_the_next_shift(world, citizen):
    import datetime

    make_lawyer(world, ("traffic",), duty_days="1234567", duty_start=datetime.time(23, 59),
                duty_end=datetime.time(23, 59, 30))
    info = services.expected_response(field("traffic"))
    assert info["on_duty"] == 0 and info["next_shift"] is not None
    make_lawyer(world, ("consumer",), **NEVER)
    assert services.expected_response(field("consumer"))["next_shift"] is None


def test_licence_number_must_be_17_digits(world):
    from django.core.exceptions import ValidationError

    p = make_lawyer(world, ("labour",), verified=False)
    p.licence_no = "1234"
    with pytest.raises(ValidationError):
        p.full_clean()


def test_staff_verify_a_lawyer_in_their_region(world, east_centre_staff, west_centre_staff):
    p = make_lawyer(world, ("labour",), verified=False)
    with pytest.raises(QAError):
        services.verify_lawyer(actor=west_centre_staff, profile=p)
    services.verify_lawyer(actor=east_centre_staff, profile=p)
    p.refresh_from_db()
    assert p.is_verified and p.verified_by == east_centre_staff


def test_overnight_duty_hours():
    import datetime

    from django.utils import timezone

    p = LawyerProfile(duty_days="1234567", duty_start=datetime.time(22, 0), duty_end=datetime.time(6, 0))
    tz = timezone.get_current_timezone()
    assert p.is_on_duty(datetime.datetime(2026, 3, 2, 23, 0, tzinfo=tz))
    assert p.is_on_duty(datetime.datetime(2026, 3, 3, 5, 0, tzinfo=tz))
    assert not p.is_on_duty(datetime.datetime(2026, 3, 3, 7, 0, tzinfo=tz))


def test_on_duty_query_matches_the_profile_rule(world):
    import datetime

    from django.utils import timezone

    night = make_lawyer(world, ("labour",), duty_days="1234567", duty_start=datetime.time(22, 0),
                        duty_end=datetime.time(6, 0))
    tz = timezone.get_current_timezone()
    for hour, expected in ((23, True), (3, True), (12, False)):
        at = datetime.datetime(2026, 3, 4, hour, 0, tzinfo=tz)
        assert LawyerProfile.objects.on_duty(at).filter(pk=night.pk).exists() is expected, hour


def test_figures_count_the_ten_minute_response_rate(world, citizen, lawyers, east_centre_staff):
    import datetime

    from legalqa.lawyers import selectors

    quick = ask(citizen, world, title="快")
    slow = ask(citizen, world, title="慢")
    ask(citizen, world, title="未答")
    for q, minutes in ((quick, 5), (slow, 25)):
        services.answer_question(lawyer=lawyers.a.user, question=q, body="答复")
        Question.objects.filter(pk=q.pk).update(first_answer_at=q.created_at + datetime.timedelta(minutes=minutes))
    services.close_question(citizen=citizen, question=quick, professional=5, speed=5, useful=5, resolved=True)
    services.close_question(citizen=citizen, question=slow, professional=3, speed=2, useful=3, resolved=False)
    f = selectors.figures(east_centre_staff)
    assert f["total"] == 3 and f["quick"] == 1 and f["response_rate"] == 33.3
    assert f["first_resolution"] == 50.0 and f["satisfaction"] == 50.0
    assert f["hot"][0]["field__code"] == "labour" and f["hot"][0]["n"] == 3


def test_the_question_page_shows_the_state_it_is_given(client, world, citizen, lawyers):
    q = ask(citizen, world)
    client.force_login(citizen)
    page = client.get(reverse("lawyers:question", args=[q.pk])).content.decode()
    assert 'text-bg-warning">待解答' in page

    a = services.answer_question(lawyer=lawyers.a.user, question=q, body="可以申请劳动仲裁。")
    services.mark_best_answer(citizen=citizen, answer=a)
    services.close_question(citizen=citizen, question=q, professional=5, speed=4, useful=3, suggestion="回复很及时")
    page = client.get(reverse("lawyers:question", args=[q.pk])).content.decode()
    assert 'text-bg-secondary">已结束' in page and "回复很及时" in page

"""Lawyer Q&A as a citizen meets it (issue 14 item 12): the rating starts empty, the word
中标 stays internal, a follow-up photo shows once, and a question nobody can answer is
routed to a fallback pool, told honestly, and re-routed by staff."""

import re

import pytest
from django.urls import reverse

from grid.notifications.models import Message
from legalqa.lawyers import services
from legalqa.lawyers.models import QuestionRoute, QuestionRouting
from legalqa.lawyers.services import QAError
from tests.factories import PASSWORD
from tests.grievances import media
from tests.lawyers.factories import field, make_lawyer


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _ask(citizen, world, code="labour", **kw):
    return services.ask_question(asker=citizen, field=field(code), title="老板拖欠工资怎么办",
                                 body="干了三个月没发工资。", region=world.east_village, **kw)


def test_rating_form_starts_empty(client, world, citizen):
    make_lawyer(world, ("labour",))
    q = _ask(citizen, world)
    page = _login(client, citizen).get(reverse("lawyers:question", args=[q.pk])).content.decode()
    form = page[page.index(reverse("lawyers:close", args=[q.pk])):]
    form = form[: form.index("</form>")]
    assert form.count('type="radio"') == 17  # three rows of five stars, resolved or not
    assert "checked" not in form and "selected" not in form
    assert "★★★★★" in form and "已解决" in form


def test_submitting_the_untouched_rating_form_rates_nothing(client, world, citizen):
    make_lawyer(world, ("labour",))
    q = _ask(citizen, world)
    _login(client, citizen).post(reverse("lawyers:close", args=[q.pk]), {})
    q.refresh_from_db()
    assert q.state != "closed" and q.rating_professional is None


def test_citizen_never_sees_the_word_zhongbiao(client, world, citizen):
    profile = make_lawyer(world, ("labour",))
    q = _ask(citizen, world)
    a = services.answer_question(lawyer=profile.user, question=q, body="可以向劳动保障监察部门投诉。")
    c = _login(client, citizen)
    assert "中标" not in c.get(reverse("lawyers:question", args=[q.pk])).content.decode()
    page = c.post(reverse("lawyers:best", args=[a.pk]), follow=True).content.decode()
    assert "最佳答案" in page and "中标" not in page


def test_each_follow_up_photo_shows_once(client, world, citizen):
    profile = make_lawyer(world, ("labour",))
    q = _ask(citizen, world)
    a = services.answer_question(lawyer=profile.user, question=q, body="请提供劳动合同。")
    reply = services.add_reply(author=citizen, answer=a, body="这是合同照片", files=[media.png("contract.png")])
    assert reply.attachments.count() == 1
    page = _login(client, citizen).get(reverse("lawyers:question", args=[q.pk])).content.decode()
    assert len(re.findall(r"<img\b", page)) == 1


def test_question_without_a_field_lawyer_goes_to_the_fallback_pool_and_says_so(client, world, citizen):
    make_lawyer(world, ("labour",))
    fallback = make_lawyer(world, ("contract",), name="兜底律师甲", takes_unmatched=True)
    q = _ask(citizen, world, code="marriage")
    assert q.route == QuestionRoute.FALLBACK
    assert list(QuestionRouting.objects.filter(question=q).values_list("lawyer_id", flat=True)) == [
        fallback.user_id]
    page = _login(client, citizen).get(reverse("lawyers:question", args=[q.pk]) + "?new=1").content.decode()
    assert "暂时没有已审核的律师" in page and "兜底律师" in page
    assert "分钟内答复" not in page


def test_question_nobody_can_take_waits_for_staff_who_reroute_it(client, world, citizen, east_centre_staff):
    q = _ask(citizen, world, code="marriage")
    assert q.route == QuestionRoute.STAFF and not QuestionRouting.objects.filter(question=q).exists()
    assert Message.objects.filter(template_code="qa_unrouted_staff", user=east_centre_staff).exists()
    page = _login(client, citizen).get(reverse("lawyers:question", args=[q.pk]) + "?new=1").content.decode()
    assert "为您指定律师" in page and "分钟内答复" not in page
    client.logout()
    lawyer = make_lawyer(world, ("contract",), name="合同律师")
    staff = _login(client, east_centre_staff)
    listing = staff.get(reverse("lawyers:routing")).content.decode()
    assert q.title in listing and "合同律师" in listing
    response = staff.post(reverse("lawyers:routing"), {"question": q.pk, "lawyer": lawyer.user_id}, follow=True)
    assert "已分派给合同律师，" in response.content.decode()
    assert QuestionRouting.objects.filter(question=q, lawyer=lawyer.user).exists()
    q.refresh_from_db()
    assert q.route == QuestionRoute.MANUAL
    assert q.title not in staff.get(reverse("lawyers:routing")).content.decode()
    assert services.can_answer(lawyer.user, q) is None


def test_only_centre_staff_of_the_region_reroute(world, citizen, west_centre_staff):
    q = _ask(citizen, world, code="marriage")
    lawyer = make_lawyer(world, ("contract",))
    with pytest.raises(QAError, match="辖区"):
        services.route_question(actor=west_centre_staff, question=q, lawyer=lawyer.user)

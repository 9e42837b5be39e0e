"""Pages: the ask flow with suggestions, the question page, lists with a fixed query count,
scoping across citizens, lawyers and regions."""

import pytest
from django.urls import reverse

from legalqa.lawyers import selectors, services
from legalqa.lawyers.models import Question
from tests.factories import PASSWORD, CitizenFactory
from tests.lawyers.factories import field

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def ask(citizen, region, title="公司拖欠工资怎么办", code="labour"):
    return services.ask_question(asker=citizen, field=field(code), title=title, body="拖欠三个月工资。",
                                 region=region)


def test_ask_shows_similar_answered_questions_before_posting(world, citizen, other_citizen, lawyers, client):
    old = ask(other_citizen, world.east_village, title="公司拖欠工资不给怎么办")
    services.answer_question(lawyer=lawyers.a.user, question=old, body="可以申请劳动仲裁。")
    login(client, citizen)
    data = {"field": "labour", "region": world.east_village.pk, "title": "老板拖欠工资", "body": "拖欠工资两个月"}
    resp = client.post(reverse("lawyers:ask"), data)
    text = resp.content.decode()
    assert "相似的已解答咨询" in text and "公司拖欠工资不给怎么办" in text
    assert Question.objects.filter(asker=citizen).count() == 0
    resp = client.post(reverse("lawyers:ask"), {**data, "post": "1"})
    q = Question.objects.get(asker=citizen)
    assert resp.status_code == 302 and resp["Location"].endswith(f"/qa/q/{q.pk}/?new=1")


def test_question_page_shows_answers_and_forms(world, citizen, lawyers, client):
    q = ask(citizen, world.east_village)
    a = services.answer_question(lawyer=lawyers.a.user, question=q, body="可以申请劳动仲裁。")
    services.add_reply(author=citizen, answer=a, body="需要什么材料？")
    text = login(client, citizen).get(reverse("lawyers:question", args=[q.pk])).content.decode()
    assert "可以申请劳动仲裁。" in text and "需要什么材料？" in text and "选为最佳答案" in text
    client.logout()
    text = login(client, lawyers.b.user).get(reverse("lawyers:question", args=[q.pk])).content.decode()
    assert "发布解答" in text and "需要什么材料？" not in text  # another lawyer's thread stays private


def test_lawyer_answers_through_the_page(world, citizen, lawyers, client):
    q = ask(citizen, world.east_village)
    login(client, lawyers.a.user).post(reverse("lawyers:answer", args=[q.pk]), {"body": "建议先协商。"})
    assert q.answers.get().body == "建议先协商。"


def test_scoping_citizens_see_only_their_own(world, citizen, other_citizen, lawyers, client):
    mine = ask(citizen, world.east_village)
    theirs = ask(other_citizen, world.east_village)
    assert list(selectors.questions_visible_to(citizen)) == [mine]
    login(client, citizen)
    assert client.get(reverse("lawyers:question", args=[theirs.pk])).status_code == 404


def test_scoping_lawyers_see_routed_and_answered_only(world, citizen, lawyers):
    labour_q = ask(citizen, world.east_village)
    marriage_q = ask(citizen, world.east_village, code="marriage", title="离婚财产")
    assert set(selectors.questions_visible_to(lawyers.a.user)) == {labour_q}
    assert set(selectors.questions_visible_to(lawyers.marriage.user)) == {marriage_q}
    assert not selectors.questions_visible_to(lawyers.unverified.user).exists()


def test_scoping_staff_by_region(world, citizen, lawyers, east_centre_staff, west_centre_staff, city_centre_staff):
    east = ask(citizen, world.east_village)
    west = ask(citizen, world.west_village)
    assert list(selectors.questions_visible_to(east_centre_staff)) == [east]
    assert list(selectors.questions_visible_to(west_centre_staff)) == [west]
    assert set(selectors.questions_visible_to(city_centre_staff)) == {east, west}


def test_my_questions_query_count_does_not_grow(world, lawyers, client, django_assert_max_num_queries):
    citizen = CitizenFactory()
    for i in range(3):
        ask(citizen, world.east_village, title=f"问题{i}")
    login(client, citizen)
    with django_assert_max_num_queries(12) as ctx:
        client.get(reverse("lawyers:my_questions"))
    n = len(ctx.captured_queries)
    for i in range(10):
        ask(citizen, world.east_village, title=f"更多{i}")
    with django_assert_max_num_queries(n):
        resp = client.get(reverse("lawyers:my_questions"))
    assert "更多9" in resp.content.decode()


def test_public_lawyer_list_by_field_and_region(world, lawyers, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        text = client.get(reverse("lawyers:lawyer_list"), {"field": "marriage"}).content.decode()
    assert "婚姻丁" in text and "劳动甲" not in text and "未审核戊" not in text
    text = client.get(reverse("lawyers:lawyer_list"), {"region": world.west.pk}).content.decode()
    assert "劳动甲" not in text


def test_public_pages_render(world, lawyers, client):
    for name in ("lawyers:index", "lawyers:urgent", "lawyers:template_list", "lawyers:guide_list",
                 "lawyers:lawyer_list"):
        assert client.get(reverse(name)).status_code == 200, name


def test_urgent_channel_lists_on_duty_lawyers_with_tel_links(world, lawyers, client, citizen):
    text = client.get(reverse("lawyers:urgent")).content.decode()
    assert "劳动甲" in text and "未审核戊" not in text
    resp = client.get(reverse("lawyers:call", args=["labour", lawyers.a.pk]))
    assert resp.status_code == 302 and resp["Location"] == f"tel:{lawyers.a.phone}"
    from legalqa.lawyers.models import CallLog

    assert CallLog.objects.filter(lawyer=lawyers.a.user).count() == 1


def test_staff_pages(world, citizen, lawyers, client, east_centre_staff):
    ask(citizen, world.east_village)
    login(client, east_centre_staff)
    assert "咨询总数" in client.get(reverse("lawyers:figures")).content.decode()
    assert client.get(reverse("lawyers:statement")).status_code == 200
    assert client.get(reverse("lawyers:service_queue")).status_code == 200
    client.logout()
    login(client, citizen)
    assert client.get(reverse("lawyers:figures")).status_code == 403


def test_pages_switch_to_english(world, lawyers, client):
    client.cookies["django_language"] = "en"
    text = client.get(reverse("lawyers:index")).content.decode()
    assert "Ask a question" in text and "我要提问" not in text

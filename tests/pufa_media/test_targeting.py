"""Targeted 普法: hot fields of the staff member's region beside the content covering them;
the videos and cases of a field on other apps' pages."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from legalqa.lawyers.models import Question
from legalqa.models import FieldOfLaw
from tests.grievances.factories import category, submit
from tests.pufa_media.factories import ArticleFactory, ready_video

pytestmark = pytest.mark.django_db


def _question(citizen, region, code):
    return Question.objects.create(asker=citizen, field=FieldOfLaw.objects.get(code=code), title="工资被拖欠",
                                   body="老板三个月没发工资怎么办？", region=region)


def test_hot_fields_show_demand_beside_coverage(client, world, citizen, east_centre_staff):
    for _ in range(3):
        _question(citizen, world.east_village, "labour")
    _question(citizen, world.west_village, "marriage")  # another county: not counted for 东湖区
    submit(citizen, world.east_village, category=category("private_lending"))
    ready_video(field=FieldOfLaw.objects.get(code="labour"))
    client.force_login(east_centre_staff)
    response = client.get(reverse("pufa_media:hot_fields"))
    rows = {r.code: r for r in response.context["rows"]}
    assert rows["labour"].questions == 3 and rows["labour"].videos == 1 and rows["labour"].covered
    assert rows["marriage"].questions == 0
    assert rows["loan"].grievances == 1 and not rows["loan"].covered
    html = response.content.decode()
    assert "还没有普法内容" in html
    assert list(rows)[0] == "labour"  # the hottest field first


def test_hot_fields_are_for_staff_only(client, citizen):
    client.force_login(citizen)
    assert client.get(reverse("pufa_media:hot_fields")).status_code == 403


def test_other_pages_show_the_videos_and_cases_of_a_field():
    video = ready_video(title="讨薪视频")
    ArticleFactory(title="讨薪案例", is_published=True)
    ArticleFactory(title="草稿案例")
    html = Template('{% load pufa_tags %}{% pufa_for_field "labour" %}').render(Context({}))
    assert video.title in html and "讨薪案例" in html and "草稿案例" not in html
    assert Template('{% load pufa_tags %}{% pufa_for_field "medical" %}').render(Context({})).strip() == ""


def test_staff_poster_index_lists_the_submission_and_tracking_pages(client, east_centre_staff):
    client.force_login(east_centre_staff)
    html = client.get(reverse("pufa_media:poster_index")).content.decode()
    assert "我要反映问题" in html and "办理进度查询" in html


def test_a_grievance_category_shows_the_videos_of_its_field():
    video = ready_video(title="借条怎么写", field=FieldOfLaw.objects.get(code="loan"))
    html = Template('{% load pufa_tags %}{% pufa_for_field "private_lending" %}').render(Context({}))
    assert video.title in html

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from grid.notifications import services
from grid.notifications.models import Message, MessageTemplate
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _site(user, n=1, link="/"):
    for i in range(n):
        services.notify(key=f"k{i}", template="grievance_supervised_handler",
                        context={"tracking_no": f"GD{i}", "title": "漏水", "note": "请加快"},
                        users=[user], channels=("site",), link=link)


def test_bell_shows_the_unread_count(rf, east_handler, east_handler2):
    _site(east_handler, 3)
    request = rf.get("/")
    request.user = east_handler
    html = render_to_string("notifications/_bell.html", request=request)
    assert 'data-unread="3"' in html and reverse("notifications:list") in html
    request.user = east_handler2
    assert "data-unread" not in render_to_string("notifications/_bell.html", request=request)


def test_list_page_says_how_many_are_unread(client, east_handler):
    _site(east_handler, 3)
    client.force_login(east_handler)
    assert "3条未读" in client.get(reverse("notifications:list")).content.decode()


def test_list_shows_only_my_messages_with_constant_queries(client, east_handler, east_handler2,
                                                          django_assert_max_num_queries):
    _site(east_handler, 5)
    _site(east_handler2, 2)
    client.force_login(east_handler)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("notifications:list"))
    assert response.content.decode().count("list-group-item-action") == 5
    _site(east_handler, 15)
    with django_assert_max_num_queries(8):
        client.get(reverse("notifications:list"))


def test_opening_a_message_marks_it_read_and_follows_its_link(client, east_handler):
    _site(east_handler, 1, link="/appeals/")
    client.force_login(east_handler)
    message = Message.objects.get()
    response = client.get(reverse("notifications:open", args=[message.pk]))
    assert response.status_code == 302 and response["Location"] == "/appeals/"
    message.refresh_from_db()
    assert message.read_at is not None


def test_cannot_open_someone_elses_message(client, east_handler, east_handler2):
    _site(east_handler, 1)
    client.force_login(east_handler2)
    assert client.get(reverse("notifications:open", args=[Message.objects.get().pk])).status_code == 404


def test_read_all(client, east_handler):
    _site(east_handler, 2)
    client.force_login(east_handler)
    client.post(reverse("notifications:read_all"))
    assert not Message.objects.unread_for(east_handler).exists()


def test_list_needs_login(client):
    assert client.get(reverse("notifications:list")).status_code == 302


def test_centre_staff_edit_templates_in_the_admin_and_bad_syntax_is_refused(client, east_centre_staff):
    client.login(username=east_centre_staff.username, password=PASSWORD)
    tpl = MessageTemplate.objects.get(code="grievance_accepted")
    url = reverse("admin:notifications_messagetemplate_change", args=[tpl.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"name": tpl.name, "title": tpl.title, "text": "{% if %}"})
    assert bad.status_code == 200 and "模板语法错误" in bad.content.decode()
    ok = client.post(url, {"name": tpl.name, "title": tpl.title, "text": "已受理 {{ tracking_no }}"})
    assert ok.status_code == 302
    tpl.refresh_from_db()
    assert tpl.text == "已受理 {{ tracking_no }}"


def test_outbox_admin_is_for_administrators_only(client, east_centre_staff, admin_user):
    client.force_login(east_centre_staff)
    assert client.get(reverse("admin:notifications_message_changelist")).status_code == 403
    client.force_login(admin_user)
    assert client.get(reverse("admin:notifications_message_changelist")).status_code == 200

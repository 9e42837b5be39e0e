"""The admin's faster row rendering (grid/templatetags/admin_rows.py) and the lazy app list
(grid/admin_site.py) change nothing anyone sees: the same rows, links, filters kept in the
links, and every admin list of the project renders as Django renders it."""

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.admin.templatetags import admin_list
from django.urls import reverse

from grid.templatetags import admin_rows
from grievances import services

CHANGELIST = "admin:grievances_grievance_changelist"


def _both(cl):
    """Rows as Django's tag renders them and as ours does (lists of cell HTML)."""
    ours = [[str(cell) for cell in row] for row in admin_rows.result_list(cl)["results"]]
    django = [[str(cell) for cell in row] for row in admin_list.result_list(cl)["results"]]
    return ours, django


@pytest.fixture
def queue(loop, world, east_centre_staff):
    """Items in several states, one supervised, one sent for joint handling."""
    items = [loop.submit(title="<b>标签</b> & 引号\"测试"), loop.accepted(), loop.dispatched(), loop.handling(),
             loop.completed()]
    services.supervise_grievance(actor=east_centre_staff, grievance=items[3], note="请加快办理。")
    return items


def test_queue_rows_are_djangos_rows(client, queue, east_centre_staff):
    client.force_login(east_centre_staff)
    for query in ("", "?state__exact=handling", "?q=%E6%A0%87%E7%AD%BE", "?o=3.-1&flag=supervised"):
        response = client.get(reverse(CHANGELIST) + query)
        assert response.status_code == 200
        ours, django = _both(response.context["cl"])
        assert ours == django
        assert ours, query


def test_queue_links_keep_the_filters_and_escape_the_title(client, queue, east_centre_staff):
    client.force_login(east_centre_staff)
    body = client.get(reverse(CHANGELIST) + "?state__exact=handling").content.decode()
    handling = queue[3]
    change = reverse("admin:grievances_grievance_change", args=[handling.pk])
    assert f'href="{change}?_changelist_filters=state__exact%3Dhandling"' in body
    assert handling.tracking_no in body
    body = client.get(reverse(CHANGELIST)).content.decode()
    assert "&lt;b&gt;标签&lt;/b&gt; &amp; 引号&quot;测试" in body
    assert "<b>标签</b>" not in body


def test_every_admin_list_renders_as_django_renders_it(client, queue, admin_user):
    """All registered lists as the administrator: the same rows either way (lists Django
    renders itself, editable or popup ones, are compared too)."""
    client.force_login(admin_user)
    compared = 0
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        if response.status_code != 200 or not response.context or "cl" not in response.context:
            continue
        ours, django = _both(response.context["cl"])
        assert ours == django, url
        compared += bool(ours)
    assert compared >= 5


def test_popup_list_is_left_to_django(client, queue, east_centre_staff):
    client.force_login(east_centre_staff)
    response = client.get(reverse(CHANGELIST) + "?_popup=1&_to_field=id")
    assert response.status_code == 200
    assert "data-popup-opener" in response.content.decode()


def test_the_app_list_is_built_only_when_a_template_reads_it(rf, admin_user):
    request = rf.get("/admin/")
    request.user = admin_user
    context = admin.site.each_context(request)
    base = AdminSite.each_context(admin.site, request)
    assert set(context) == set(base)
    calls = []
    original = admin.site.get_app_list
    admin.site.get_app_list = lambda req, app_label=None: calls.append(1) or original(req, app_label)
    try:
        context = admin.site.each_context(request)
        assert calls == []
        assert [app["app_label"] for app in context["available_apps"]] == [
            app["app_label"] for app in base["available_apps"]]
        assert calls == [1]
    finally:
        del admin.site.get_app_list


def test_the_sidebar_still_lists_what_the_person_may_open(client, rf, east_centre_staff, admin_user):
    """Switched on, the sidebar shows each person's own models, computed for this request."""
    import re

    reverse(CHANGELIST)  # the URLconf (which switches the sidebar off) is loaded
    admin.site.enable_nav_sidebar = True
    try:
        shown = {}
        for user in (east_centre_staff, admin_user):
            client.force_login(user)
            response = client.get(reverse(CHANGELIST))
            assert response.status_code == 200, response
            body = response.content.decode()
            sidebar = body.split('id="nav-sidebar"')[1].split("</nav>")[0]
            request = rf.get("/admin/")
            request.user = user
            expected = {m["admin_url"] for app in admin.site.get_app_list(request) for m in app["models"] if m["admin_url"]}
            shown[user.pk] = set(re.findall(r'<th scope="row"[^>]*>\s*<a href="([^"]+)"', sidebar))
            assert shown[user.pk] == expected
        assert shown[east_centre_staff.pk] < shown[admin_user.pk]
    finally:
        admin.site.enable_nav_sidebar = False


def test_the_rows_html_is_what_djangos_template_prints(client, queue, east_centre_staff):
    """The list's table written from whole-row HTML (admin/change_list_results_fast.html) is
    the table Django's admin/change_list_results.html prints, but for blank lines."""
    from django.template.loader import render_to_string

    client.force_login(east_centre_staff)
    cl = client.get(reverse(CHANGELIST)).context["cl"]
    ours = render_to_string("admin/change_list_results_fast.html", admin_rows.result_list(cl))
    django = render_to_string("admin/change_list_results.html", admin_list.result_list(cl))

    def lines(html):
        return [line for line in html.splitlines() if line.strip()]

    assert lines(ours) == lines(django)
    assert sum(line.startswith("<tr><td class=\"action-checkbox\">") or line.startswith("<tr><th")
               for line in lines(ours)) == len(queue)

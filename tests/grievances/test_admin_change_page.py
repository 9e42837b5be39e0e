"""The centre's item page (the admin change page): what it shows, and a fixed number of
statements whatever the item holds (issue 18, goal 2; benchmarks/README.md, "change page")."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from grievances import services
from grievances.deadlines import services as deadlines
from grievances.deadlines.models import PauseReason
from grievances.models import LinkKind

pytestmark = pytest.mark.django_db


def change_url(g):
    return reverse("admin:grievances_grievance_change", args=[g.pk])


def rich_item(loop, world, staff, handler, *, links=1, supervisions=1):
    """A handled item under joint handling, with links both ways, supervision orders, a
    joint session, a paused clock and a pending extension request."""
    g = loop.accepted(title="联调联处的件")
    services.open_joint_handling(actor=staff, grievance=g, lead_unit=world.east_dept, co_units=[world.east_dept2],
                                 reason="涉及两个部门")
    services.record_joint_session(actor=staff, grievance=g, held_at=timezone.now(), place="中心会议室",
                                  participants="住建局、城管局", minutes="明确分工")
    services.sign_grievance(actor=handler, grievance=g)
    for i in range(links):
        services.link_grievances(actor=staff, grievance=loop.accepted(title=f"指向本件的相关件{i}"), main=g,
                                 kind=LinkKind.RELATED)
        services.link_grievances(actor=staff, grievance=g, main=loop.accepted(title=f"本件指向的相关件{i}"),
                                 kind=LinkKind.RELATED)
    for i in range(supervisions):
        services.supervise_grievance(actor=staff, grievance=g, note=f"请加快办理{i}")
    deadlines.request_extension(actor=handler, grievance=g, days=5, reason="需要补充材料", parties_agreed=True)
    deadlines.pause_clock(actor=staff, grievance=g, reason=PauseReason.EXPERT, note="请专家论证")
    return g


def test_change_page_shows_the_item_and_everything_attached(
        client, loop, world, east_centre_staff, east_handler):
    g = rich_item(loop, world, east_centre_staff, east_handler)
    client.force_login(east_centre_staff)
    html = client.get(change_url(g)).content.decode()
    assert "联调联处的件" in html and g.tracking_display in html
    assert f"牵头单位：{world.east_dept.name}" in html and world.east_dept2.name in html  # joint card
    assert "明确分工" in html and "请加快办理0" in html
    assert "指向本件的相关件0" in html and "本件指向的相关件0" in html  # links both ways
    assert "请专家论证" in html and "需要补充材料" in html  # the open pause and the pending request
    assert 'data-deadline="completion" data-status="paused"' in html
    assert 'id="action-supervise"' in html


def _statements(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_change_page_statements_do_not_grow_with_what_the_item_holds(
        client, loop, world, east_centre_staff, east_handler, django_assert_max_num_queries):
    plain = loop.handling()
    small = rich_item(loop, world, east_centre_staff, east_handler, links=1, supervisions=1)
    big = rich_item(loop, world, east_centre_staff, east_handler, links=4, supervisions=3)
    client.force_login(east_centre_staff)
    # session, user, unit; the item; pending return, events, attachments, co-units; the
    # audit entry of the phone shown in full; links, candidate items, their text features,
    # co-reporters; the clock, its pauses and extensions
    with django_assert_max_num_queries(22):
        _statements(client, change_url(plain))
    # + supervision orders, + the joint handling with its units and sessions, + the linked
    # items' numbers and titles
    assert len(_statements(client, change_url(small))) <= 22 + 5
    assert len(_statements(client, change_url(big))) == len(_statements(client, change_url(small)))


def test_change_page_reads_the_item_once_without_the_lists_clock_join(
        client, loop, east_centre_staff):
    g = loop.handling()
    client.force_login(east_centre_staff)
    by_pk = [sql for sql in _statements(client, change_url(g))
             if re.search(r'FROM "grievances_grievance" .*WHERE .*(?<!NOT \()"grievances_grievance"\."id" = %d\b' % g.pk,
                          sql)]
    assert len(by_pk) == 1  # Django's change view asks get_object for the item already read
    assert "deadlines_clock" not in by_pk[0] and "ORDER BY" not in by_pk[0]


def test_change_page_of_an_item_out_of_scope_or_no_item_is_not_found(
        client, loop, west_centre_staff, east_centre_staff):
    g = loop.handling()
    client.force_login(west_centre_staff)
    assert client.get(change_url(g)).status_code == 404
    client.force_login(east_centre_staff)
    assert client.get(reverse("admin:grievances_grievance_change", args=["abc"])).status_code == 404
    history = client.get(reverse("admin:grievances_grievance_history", args=[g.pk]))
    assert history.status_code == 200 and g.tracking_no in history.content.decode()


def _as_django_renders(form):
    """The same form with Django's template renderer and choices read from the querysets."""
    from django.forms.renderers import DjangoTemplates

    form.renderer = DjangoTemplates()
    for field in form.fields.values():
        if hasattr(field, "queryset") and hasattr(field, "_choices"):
            del field._choices
            field.queryset = field.queryset
    return form


@pytest.mark.parametrize("state", ["submit", "accepted", "handling"])
def test_action_forms_print_what_djangos_widgets_print(client, loop, world, east_centre_staff, city_centre_staff,
                                                       state):
    g = getattr(loop, state)()
    for staff in (east_centre_staff, city_centre_staff):
        client.force_login(staff)
        response = client.get(change_url(g))
        bound = {}
        for a in response.context["action_forms"]:
            form_class = type(a["form"])
            initial = a["form"].initial
            fast = form_class(initial=initial, actor=staff, grievance=g)
            slow = _as_django_renders(form_class(initial=initial, actor=staff, grievance=g))
            assert "".join(f"{f.label_tag()}{f}" for f in fast) == "".join(f"{f.label_tag()}{f}" for f in slow)
            data = {"version": "x", **{name: "" for name in fast.fields}}
            fast, slow = (form_class(data, actor=staff, grievance=g),
                          _as_django_renders(form_class(data, actor=staff, grievance=g)))
            assert not fast.is_valid() and not slow.is_valid()
            assert "".join(f"{f}{f.errors}" for f in fast) == "".join(f"{f}{f.errors}" for f in slow)
            bound[a["name"]] = fast
        assert bound
    unit_fields = [f for form in bound.values() for f in form.fields.values() if hasattr(f, "queryset")]
    assert state != "accepted" or unit_fields  # the dispatch and joint forms' unit selects were compared

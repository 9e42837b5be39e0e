"""Centre staff in the Django admin: scoped list, filters, search, and the transition forms."""

from django.urls import reverse

from grievances import services
from grievances.models import Grievance, RoutingRule, State
from tests.grievances.factories import category

CHANGELIST = "admin:grievances_grievance_changelist"


def change_url(g):
    return reverse("admin:grievances_grievance_change", args=[g.pk])


def act_url(g, action):
    return reverse("admin:grievances_grievance_act", args=[g.pk, action])


def test_list_is_scoped_to_the_county(client, loop, world, west_centre_staff, east_centre_staff, citizen):
    g = loop.submit(title="东湖区的件")
    from tests.grievances.factories import submit

    w = submit(citizen, world.west_village, title="西山县的件")
    client.force_login(east_centre_staff)
    body = client.get(reverse(CHANGELIST)).content.decode()
    assert "东湖区的件" in body and "西山县的件" not in body
    client.force_login(west_centre_staff)
    assert client.get(change_url(g)).status_code in (302, 404)
    assert client.get(change_url(w)).status_code == 200
    assert client.post(act_url(g, "accept"), {"kind": "inquiry"}).status_code == 404


def test_list_query_count_is_fixed(client, loop, east_centre_staff, django_assert_max_num_queries):
    for _ in range(3):
        loop.dispatched()
    client.force_login(east_centre_staff)
    # session, user, unit, categories and regions for the filters, capped count, the page
    with django_assert_max_num_queries(7) as small:
        client.get(reverse(CHANGELIST))
    for _ in range(10):
        loop.dispatched()
    with django_assert_max_num_queries(7) as big:
        client.get(reverse(CHANGELIST))
    assert len(big.captured_queries) == len(small.captured_queries)
    # The admin's app list (every model admin's permissions) is not built for the queue.
    assert not any("auth_permission" in q["sql"] for q in big.captured_queries)


def test_filters_and_search(client, loop, east_centre_staff):
    g = loop.accepted(title="找得到的标题")
    loop.submit(title="另一件")
    client.force_login(east_centre_staff)
    body = client.get(reverse(CHANGELIST) + "?state__exact=accepted").content.decode()
    assert "找得到的标题" in body and "另一件" not in body
    body = client.get(reverse(CHANGELIST) + f"?q={g.tracking_no}").content.decode()
    assert "找得到的标题" in body and "另一件" not in body
    body = client.get(reverse(CHANGELIST) + "?q=找得到").content.decode()
    assert "找得到的标题" in body
    for flag in ("overdue", "returned", "joint", "supervised", "mass", "major"):
        assert client.get(reverse(CHANGELIST) + f"?flag={flag}").status_code == 200
    assert client.get(reverse(CHANGELIST) + "?region=439001000000").status_code == 200


def test_change_page_offers_exactly_the_allowed_actions(client, loop, east_centre_staff):
    g = loop.submit()
    client.force_login(east_centre_staff)
    body = client.get(change_url(g)).content.decode()
    for name in ("accept", "reject", "escalate", "supervise"):
        assert f'id="action-{name}"' in body
    for name in ("dispatch", "verify", "close", "send_back"):
        assert f'id="action-{name}"' not in body


def test_dispatch_form_preselects_routing_suggestion(client, loop, world, east_centre_staff):
    RoutingRule.objects.create(category=category(), region=world.east, unit=world.east_dept2)
    g = loop.accepted()
    client.force_login(east_centre_staff)
    response = client.get(change_url(g))
    forms_ = {a["name"]: a for a in response.context["action_forms"]}
    assert forms_["dispatch"]["form"].initial["unit"] == world.east_dept2.pk
    assert "分流建议" in response.content.decode()


def test_accept_form_errors_keep_page_and_show_message(client, loop, east_centre_staff):
    g = loop.submit()
    client.force_login(east_centre_staff)
    r = client.post(act_url(g, "accept"), {"kind": "dispute", "severity": "", "version": g.version})
    assert r.status_code == 400
    assert "纠纷等级" in r.content.decode()
    g.refresh_from_db()
    assert g.state == State.SUBMITTED


def test_illegal_transition_by_url_is_refused(client, loop, east_centre_staff):
    g = loop.submit()
    client.force_login(east_centre_staff)
    r = client.post(act_url(g, "verify"), {"note": "", "version": g.version})
    assert r.status_code == 400
    assert "不能“核查通过并反馈群众”" in r.content.decode()


def test_register_hotline_item(client, world, east_centre_staff):
    client.force_login(east_centre_staff)
    r = client.post(reverse("admin:grievances_grievance_register"), {
        "channel": "hotline", "kind": "livelihood", "region": world.east_village.pk, "title": "自来水停水",
        "description": "停水三天", "contact_name": "赵六", "contact_phone": "13712345678"})
    assert r.status_code == 302
    g = Grievance.objects.get()
    assert g.channel == "hotline" and g.reporter is None


def test_whole_loop_through_the_browser_for_every_role(
    client, world, citizen, east_centre_staff, east_centre_leader, east_handler, east_dept_leader, east_handler2
):
    """Citizen submits → centre accepts → dispatch → department asks to return → leader
    approves → dispatch again → return again → joint handling → sign → complete → centre
    verifies → citizen unsatisfied → second round → verified → satisfied → closed."""
    def fresh():
        return Grievance.objects.get()

    client.force_login(citizen)
    client.post(reverse("grievances:submit"), {
        "kind": "dispute", "region_code": world.east_village.code, "title": "物业乱收停车费",
        "description": "物业每月多收50元停车费", "contact_name": "张三", "contact_phone": citizen.phone,
        "category": category().pk})
    g = fresh()

    def centre(action, data, user=east_centre_staff):
        client.force_login(user)
        r = client.post(act_url(g, action), {**data, "version": fresh().version})
        assert r.status_code == 302, r.content.decode()[-3000:]

    def dept(user, action, data=None):
        client.force_login(user)
        r = client.post(reverse("grievances:work_action", args=[g.pk, action]), {**(data or {}),
                                                                                "version": fresh().version})
        assert r.status_code == 302, r.content.decode()[-3000:]

    centre("accept", {"kind": "dispute", "severity": "ordinary", "category": category().pk, "title": "物业乱收停车费"})
    centre("instruct", {"note": "请住建局重点关注"}, user=east_centre_leader)
    for _ in range(2):
        centre("dispatch", {"unit": world.east_dept.pk, "co_units": [world.east_dept2.pk]})
        dept(east_handler, "request_return", {"reason": "停车收费属发改部门"})
        client.force_login(east_dept_leader)
        rr = fresh().return_requests.get(status="pending")
        client.post(reverse("grievances:decide_return", args=[rr.pk]), {"decision": "approve", "note": "同意"})
    assert fresh().return_count == 2 and fresh().state == State.ACCEPTED
    client.force_login(east_centre_staff)
    r = client.post(act_url(g, "dispatch"), {"unit": world.east_dept.pk, "version": fresh().version})
    assert "联调联处" in r.content.decode()
    centre("open_joint", {"lead_unit": world.east_dept.pk, "co_units": [world.east_dept2.pk],
                          "reason": "两次退回，联合调处"})
    centre("joint_session", {"held_at": "2026-11-20T09:30", "place": "区综治中心会商室",
                             "participants": "住建局、人社局", "minutes": "住建局牵头核查收费依据"})
    dept(east_handler, "sign")
    dept(east_handler2, "reply", {"note": "人社局已配合核查"})
    dept(east_handler, "complete", {"result": "已责令物业退还多收费用"})
    centre("verify", {"note": "已电话核实"})
    client.force_login(citizen)
    client.post(reverse("grievances:rate", args=[g.pk]), {"satisfaction": "unsatisfied", "comment": "只退了一个月",
                                                         "version": fresh().version})
    assert fresh().state == State.HANDLING and fresh().supervision_count == 1
    dept(east_handler, "complete", {"result": "已退还全部多收费用"})
    centre("verify", {})
    client.force_login(citizen)
    client.post(reverse("grievances:rate", args=[g.pk]), {"satisfaction": "satisfied", "comment": "",
                                                         "version": fresh().version})
    g = fresh()
    assert g.state == State.CLOSED
    actions = list(g.events.values_list("action", flat=True))
    assert actions.count("return_approved") == 2
    assert "joint_opened" in actions and "joint_session" in actions and "leader_instruction" in actions
    assert "rated_unsatisfied" in actions and actions[-1] == "rated_satisfied"
    # the citizen's page shows the finished progress bar and the result
    body = client.get(reverse("grievances:detail", args=[g.pk])).content.decode()
    assert "已退还全部多收费用" in body


def test_city_staff_may_supervise_county_item(client, loop, city_centre_staff):
    g = loop.handling()
    client.force_login(city_centre_staff)
    r = client.post(act_url(g, "supervise"), {"note": "市级督办", "version": g.version})
    assert r.status_code == 302
    g.refresh_from_db()
    assert g.supervision_count == 1


def test_department_user_has_no_admin(client, east_handler):
    client.force_login(east_handler)
    assert client.get(reverse(CHANGELIST)).status_code == 302


def test_services_used_by_admin_record_events(loop, east_centre_staff):
    g = loop.submit()
    services.accept_grievance(actor=east_centre_staff, grievance=g, kind="inquiry")
    assert g.events.last().actor == east_centre_staff


def test_overdue_filter_uses_the_deadline_clocks(client, loop, east_centre_staff):
    from datetime import timedelta

    from django.utils import timezone

    from grievances.deadlines.models import Clock

    late = loop.handling(title="超期未办的件")
    loop.handling(title="按时办理的件")
    Clock.objects.filter(grievance=late).update(is_open=True, due_at=timezone.now() - timedelta(days=1))
    client.force_login(east_centre_staff)
    body = client.get(reverse(CHANGELIST) + "?flag=overdue").content.decode()
    assert "超期未办的件" in body and "按时办理的件" not in body


def test_hotline_csv_import_reports_bad_rows(client, world, east_centre_staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv_text = (
        "region_code,kind,category,title,description,contact_name,contact_phone,address\n"
        f"{world.east_village.code},民生诉求服务,property_mgmt,小区停水,连续停水两天,王女士,13712345678,柳岸花园\n"
        f"{world.east_village.code},民生诉求服务,,噪声,夜间施工,赵先生,12345,\n"
        "999999999999,complaint,,路灯,路灯不亮,钱女士,13712345679,\n"
    )
    client.force_login(east_centre_staff)
    r = client.post(reverse("admin:grievances_grievance_import"),
                    {"file": SimpleUploadedFile("12345.csv", csv_text.encode("utf-8-sig"))})
    body = r.content.decode()
    assert r.status_code == 200
    assert "第3行：联系电话不是有效的手机号码" in body and "第4行：区域代码不存在" in body
    g = Grievance.objects.get()
    assert g.channel == "hotline" and g.title == "小区停水" and g.category.code == "property_mgmt"


def _queue_titles(client) -> list[str]:
    import re

    titles = []
    for t in re.findall(r"队列件\d", client.get(reverse(CHANGELIST)).content.decode()):
        if t not in titles:
            titles.append(t)
    return titles


def test_queue_order_follows_the_clocks_and_an_item_moves_when_its_due_time_does(
        client, loop, world, east_centre_staff, east_handler):
    """Most urgent first by the items' nearest deadline (the copy on the item), items without a
    running clock after them newest first: the same order as the clocks themselves give."""
    from django.db.models import F

    from grievances.deadlines import services as deadlines
    from grievances.deadlines.models import Clock

    handling = loop.handling(title="队列件1")  # completion due in days
    loop.dispatched(title="队列件2")  # to be signed today
    loop.closed(title="队列件3")  # no running clock
    loop.submit(title="队列件4")  # the centre's 24 hours

    def by_clocks():
        rows = (Grievance.objects.visible_to(east_centre_staff).filter(title__startswith="队列件")
                .order_by(F("clock__due_at").asc(nulls_last=True), "-id").values_list("title", flat=True))
        return list(rows)

    client.force_login(east_centre_staff)
    before = _queue_titles(client)
    assert before == by_clocks()
    assert before.index("队列件2") < before.index("队列件1") and before[-1] == "队列件3"
    # 专家咨询: the clock stops, the item has no due time until it resumes and goes after the
    # timed ones (newest first among the untimed: after 队列件3).
    deadlines.pause_clock(actor=east_handler, grievance=handling, reason="expert", note="请专家论证")
    paused = _queue_titles(client)
    assert paused == by_clocks() != before
    assert paused[-2:] == ["队列件3", "队列件1"]
    deadlines.resume_clock(actor=east_handler, grievance=handling)
    assert _queue_titles(client) == by_clocks() == before
    assert Grievance.objects.get(pk=handling.pk).due_at == Clock.objects.get(pk=handling.pk).due_at


def test_county_queue_first_page_is_an_index_walk(client, loop, east_centre_staff, city_centre_staff):
    """PostgreSQL: the queue's page query (ordered by due time) walks the county's (or the
    city's) queue index in order; no sort of the region's items, whatever their number."""
    import pytest
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL plans only")
    for _ in range(3):
        loop.dispatched()
    for user, index in ((east_centre_staff, "grv_county_queue_idx"), (city_centre_staff, "grv_city_queue_idx")):
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(CHANGELIST)).status_code == 200
        page = [q["sql"] for q in ctx.captured_queries
                if 'FROM "grievances_grievance"' in q["sql"] and '."due_at" ASC' in q["sql"]]
        assert len(page) == 1, [q["sql"] for q in ctx.captured_queries if "ORDER BY" in q["sql"]]
        # One page here is the whole list (no LIMIT); a longer list's first page is LIMIT 50.
        sql = page[0] if " LIMIT " in page[0] else page[0] + " LIMIT 50"
        with connection.cursor() as cursor:
            # A table this small is cheaper to sort: forbid sorting and scanning to see whether
            # an index can serve the order at all.
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("RESET enable_sort")
            cursor.execute("RESET enable_seqscan")
        assert index in plan and "Sort" not in plan, plan


def test_state_filtered_queue_is_an_index_walk_of_that_state(client, loop, east_centre_staff, city_centre_staff):
    """PostgreSQL: the queue filtered by one state (the admin's state filter) walks the
    (prefix, state, due_at, id DESC) index in order, and its capped count reads that index:
    no sort, and not the region's and the state's items ANDed, whatever their number."""
    import pytest
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL plans only")
    for _ in range(3):
        loop.handling()
    loop.dispatched()
    for user, index in ((east_centre_staff, "grv_county_state_queue_idx"), (city_centre_staff, "grv_city_state_queue_idx")):
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(reverse(CHANGELIST) + "?state__exact=handling").content.decode()
        assert body.count("/change/") >= 3
        mine = [q["sql"] for q in ctx.captured_queries
                if 'FROM "grievances_grievance"' in q["sql"] and '."state" = ' in q["sql"]]
        page = [sql for sql in mine if '."due_at" ASC' in sql]
        count = [sql for sql in mine if "COUNT(*)" in sql]
        assert len(page) == 1 and len(count) == 1, mine
        sql = page[0] if " LIMIT " in page[0] else page[0] + " LIMIT 50"
        with connection.cursor() as cursor:
            # On a table of a few rows the planner may as well use another index and filter
            # the rest (at a million rows it does not: benchmarks/README.md); the test is that
            # the state queue index fits the query (the order and both conditions in its key),
            # so every other non-unique index of the table is dropped inside the test's
            # transaction (rolled back with it).
            cursor.execute(
                "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 'grievances_grievance'::regclass "
                "AND NOT indisprimary AND NOT indisunique")
            others = [name for (name,) in cursor.fetchall() if name.strip('"') not in (
                "grv_county_state_queue_idx", "grv_city_state_queue_idx")]
            if others:  # (the second user's round finds them gone already)
                cursor.execute("DROP INDEX " + ", ".join(others))
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            plans = []
            for query in (sql, count[0]):
                cursor.execute("EXPLAIN " + query)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
            cursor.execute("RESET enable_sort")
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_bitmapscan")
        for plan in plans:
            assert index in plan and "Sort" not in plan and "Filter" not in plan, plan


def test_queue_scope_is_the_users_scope(loop, world, citizen, east_centre_staff, west_centre_staff, city_centre_staff,
                                        admin_user):
    """The queue states a city's or county's scope on the prefix expression: the same items."""
    from grievances import selectors
    from tests.grievances.factories import submit

    loop.submit()
    loop.dispatched()
    submit(citizen, world.west_village)
    for user in (east_centre_staff, west_centre_staff, city_centre_staff, admin_user):
        assert set(selectors.queue(user).values_list("pk", flat=True)) == set(
            Grievance.objects.visible_to(user).values_list("pk", flat=True))
    assert selectors.queue(west_centre_staff).count() == 1 and selectors.queue(city_centre_staff).count() == 3

import pytest


@pytest.mark.parametrize(
    ("who", "expected", "absent"),
    [
        ("citizen", ["我的诉求", "我的服务"], ["我们的工作任务", "管理后台"]),
        ("east_handler", ["我们的工作任务", "我的办理事项"], ["退回审批", "管理后台"]),
        ("east_dept_leader", ["退回审批", "延期审批"], ["管理后台"]),
        ("east_centre_staff", ["管理后台", "督办", "法律服务审核"], ["我的诉求"]),
        ("mediator", ["调解案件"], ["管理后台"]),
        ("lawyer", ["律师工作台"], ["管理后台"]),
        ("grid_worker", ["巡查上报"], ["管理后台"]),
    ],
)
def test_each_role_sees_its_own_work_links(client, request, who, expected, absent):
    client.force_login(request.getfixturevalue(who))
    page = client.get("/directory/departments/").content.decode()
    for label in expected:
        assert label in page
    for label in absent:
        assert label not in page


def test_anonymous_visitor_sees_public_links_only(client, db):
    page = client.get("/directory/departments/").content.decode()
    assert "我要反映" in page and "法律书屋" in page
    assert "我的诉求" not in page


def test_home_page_shows_each_role_its_work_tiles(client, lawyer, grid_worker):
    client.force_login(lawyer)
    page = client.get("/").content.decode()
    assert "我的工作" in page and "律师工作台" in page and "法律援助案件" in page
    assert "巡查上报" not in page
    client.force_login(grid_worker)
    page = client.get("/").content.decode()
    assert "巡查上报" in page and "律师工作台" not in page


def test_citizen_home_page_shows_their_own_items_not_staff_work(client, citizen):
    client.force_login(citizen)
    page = client.get("/").content.decode()
    assert "我的工作" in page  # citizens' own items: 我的诉求, 我的服务, 我的调解
    assert "管理后台" not in page and "巡查上报" not in page

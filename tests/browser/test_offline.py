"""The installable app on a weak signal (issue 21): an appeal filled in a dead spot is kept on
the phone, survives a reload, and is filed exactly once when the signal returns; law articles
read recently open offline."""

import re

import pytest

from grievances.models import Grievance
from tests.browser.conftest import PHONE, shoot
from tests.legalqa.factories import law_corpus  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

OFFLINE_NOISE = r"ERR_INTERNET_DISCONNECTED|Failed to fetch|net::ERR_|status of 503|status of 409"


def _pick(page, index, name):
    page.wait_for_function(
        "([i, n]) => { const s = document.querySelectorAll('[data-region-picker] select')[i];"
        " return s && Array.from(s.options).some(o => o.text === n); }", arg=[index, name])
    page.locator("[data-region-picker] select").nth(index).select_option(label=name)


def _controlled(page):
    """Wait until the service worker is active, then reload so that it controls the page."""
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def test_appeal_filled_offline_survives_a_reload_and_is_filed_once(open_page, world, citizen):
    page = open_page(viewport=PHONE, user=citizen)
    page.allow_console(OFFLINE_NOISE)
    page.goto("/appeals/new/")
    _controlled(page)
    page.get_by_label("诉求类型").select_option(label="民生诉求服务")
    _pick(page, 1, "东湖区")
    _pick(page, 2, "湖滨街道")
    _pick(page, 3, "柳岸社区")

    page.context.set_offline(True)
    page.get_by_label("标题").fill("村口桥栏杆断了")
    page.get_by_label("诉求内容").fill("村口小桥的栏杆断了两节，老人小孩过桥很危险。")
    page.get_by_role("button", name="提交", exact=True).click()
    status = page.locator("[data-drafts]")
    status.get_by_text(re.compile("已保存在手机上，还没有送达综治中心")).wait_for()
    assert "村口桥栏杆断了" in status.inner_text()
    assert Grievance.objects.count() == 0
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "citizen-offline-draft")

    # Still no signal: the page comes from the phone and still says the appeal is waiting.
    page.reload()
    assert page.get_by_role("heading", name="我要反映").is_visible()
    status.get_by_text(re.compile("还没有送达综治中心")).wait_for()
    assert Grievance.objects.count() == 0

    # The signal returns: the draft goes by itself, once, and the page says it has arrived.
    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")  # what the phone fires
    status.get_by_text(re.compile("已送达综治中心")).wait_for(timeout=20_000)
    g = Grievance.objects.get()
    assert g.title == "村口桥栏杆断了" and g.reporter == citizen
    link = status.get_by_role("link", name="查看受理情况")
    assert link.get_attribute("href").endswith(f"/appeals/{g.pk}/done/")
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "citizen-offline-sent")
    # Coming back (another visit, the worker's Background Sync too) files nothing more.
    page.reload()
    page.evaluate("() => window.Drafts.sendNow()")
    page.wait_for_timeout(500)
    assert Grievance.objects.count() == 1
    link_page = open_page(viewport=PHONE, user=citizen)
    link_page.goto(f"/appeals/{g.pk}/done/")
    assert link_page.get_by_text(g.tracking_display).first.is_visible()


def test_a_law_article_read_recently_opens_without_a_signal(open_page, law_corpus):  # noqa: F811
    page = open_page(viewport=PHONE)
    page.allow_console(OFFLINE_NOISE)
    page.goto("/laws/")
    _controlled(page)
    page.goto("/laws/民法典/第一千一百六十五条/")
    text = page.locator("main").inner_text()
    assert "过错" in text
    page.context.set_offline(True)
    page.goto("/laws/民法典/第一千一百六十五条/")
    assert "过错" in page.locator("main").inner_text()
    # A page never opened before: the offline page, in Chinese, instead of the browser's error.
    page.goto("/laws/刑法/第二百六十六条/")
    assert page.get_by_role("heading", name="现在没有网络").is_visible()

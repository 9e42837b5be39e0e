"""Every citizen page, in normal and large-text mode, through axe-core (WCAG 2.1 A/AA): no
serious or critical violation; in large-text mode the 适老化 sizes of the MIIT norm (body text
at least 18 px, controls at least 44 px high); and the "需要帮助？" panel on every page."""

from __future__ import annotations

import hashlib

import pytest

from legalqa.lawyers.services import ask_question
from tests.browser.a11y import AXE_DIR, AXE_JS, blocking, describe, q_fields, run_axe
from tests.browser.conftest import PHONE
from tests.grievances.factories import category
from tests.legalqa.factories import law_corpus  # noqa: F401  (fixture)
from tests.mediation.factories import taken_case
from tests.pufa_media.factories import ready_video

pytestmark = pytest.mark.browser


def test_vendored_axe_matches_its_checksum_and_licence():
    expected = (AXE_DIR / "SHA256SUMS").read_text().split()[0]
    assert hashlib.sha256(AXE_JS.read_bytes()).hexdigest() == expected
    assert "Mozilla Public License" in (AXE_DIR / "LICENSE").read_text()
    assert AXE_JS.read_text()[:40].startswith("/*! axe v4.")


@pytest.fixture
def citizen_pages(world, citizen, east_centre_staff, mediator, law_corpus):  # noqa: F811
    """(url, needs login) for every citizen page the issue lists, with the data behind them."""
    from grievances import services

    g = services.submit_grievance(
        actor=citizen, kind="livelihood", region=world.east_village, title="路灯不亮",
        description="小区门口路灯坏了一个月，晚上很黑。", category=category(), contact_phone=citizen.phone,
    )
    field = q_fields().first()
    q = ask_question(asker=citizen, field=field, title="公司拖欠工资怎么办", body="干了三个月没拿到工资。",
                     region=world.east_village)
    video = ready_video(title="欠薪怎么办")
    case = taken_case(world, citizen, east_centre_staff, mediator)
    return [
        ("/", False),
        ("/accounts/login/sms/", False),
        ("/accounts/login/", False),
        ("/appeals/lookup/", False),
        ("/laws/", False),
        ("/laws/search/?q=" + "工资拖欠", False),
        ("/laws/民法典/第一千一百六十五条/", False),
        (f"/pufa/v/{video.pk}/", False),
        ("/pufa/", False),
        ("/appeals/new/", True),
        (f"/appeals/{g.pk}/done/", True),
        ("/appeals/mine/", True),
        (f"/appeals/{g.pk}/", True),
        ("/qa/ask/", True),
        (f"/qa/q/{q.pk}/", True),
        (f"/mediation/my/{case.pk}/", True),
        ("/mediation/legal-aid/apply/", True),
        ("/qa/services/new/mediation/", True),
    ]


def _visit_all(open_page, citizen, pages, large):
    anonymous = open_page(viewport=PHONE)
    signed_in = open_page(viewport=PHONE, user=citizen)
    problems, seen = [], []
    for page in (anonymous, signed_in):
        if large:
            page.context.add_cookies([{"name": "large_text", "value": "1", "url": page.live_url}])
    for url, needs_login in pages:
        page = signed_in if needs_login else anonymous
        response = page.goto(url)
        assert response.status < 400, f"{url} answered {response.status}"
        page.wait_for_load_state("networkidle")
        found = blocking(run_axe(page))
        if found:
            problems.append(describe(url, found))
        seen.append((url, page))
        # The help panel: the centre's number and the urgent lawyer line, on every page.
        help_panel = page.locator("[data-help]")
        if help_panel.count() != 1:
            problems.append(f"{url}: no 需要帮助？ panel")
        if large:
            sizes = page.evaluate(
                """() => {
                  const body = parseFloat(getComputedStyle(document.body).fontSize);
                  const small = [];
                  const sel = 'main button, main .btn, main input:not([type=hidden]):not([type=radio]):not([type=checkbox]):not([type=file]),'
                    + ' main select, main textarea, [data-help] summary, .toolbar button, .toolbar select';
                  for (const el of document.querySelectorAll(sel)) {
                    const r = el.getBoundingClientRect();
                    if (r.width <= 1 && r.height <= 1) continue;  // not displayed, or visually hidden for screen readers
                    if (r.height < 44) small.push(el.outerHTML.slice(0, 80) + ' h=' + r.height.toFixed(1));
                  }
                  const texts = [];
                  for (const el of document.querySelectorAll('main p, main li, main td, main label')) {
                    const fs = parseFloat(getComputedStyle(el).fontSize);
                    if (el.getBoundingClientRect().height > 0 && fs < 18) texts.push(el.outerHTML.slice(0, 60) + ' ' + fs);
                  }
                  return {body, small, texts};
                }"""
            )
            assert sizes["body"] >= 18, f"{url}: body text {sizes['body']}px in large-text mode"
            if sizes["small"]:
                problems.append(f"{url}: controls under 44px: " + "; ".join(sizes["small"][:5]))
            if sizes["texts"]:
                problems.append(f"{url}: text under 18px: " + "; ".join(sizes["texts"][:5]))
    assert not problems, "\n".join(problems)
    return anonymous, signed_in


def test_citizen_pages_have_no_serious_accessibility_violations(open_page, world, citizen, citizen_pages):
    world.city_centre.phone, world.east_centre.phone = "0739-12345", "0739-0112345"
    world.city_centre.save()
    world.east_centre.save()
    anonymous, signed_in = _visit_all(open_page, citizen, citizen_pages, large=False)
    # 需要帮助？ gives the centre of the citizen's own place (their appeals are in 东湖区) and the
    # urgent legal line; someone not signed in gets the city's centre.
    for page, centre, phone in ((signed_in, "东湖区综治中心", "0739-0112345"), (anonymous, "清源市综治中心", "0739-12345")):
        page.goto("/appeals/lookup/")
        page.get_by_text("需要帮助？").click()
        call = page.locator("[data-help]").get_by_role("link", name=phone)
        call.wait_for()
        assert call.get_attribute("href") == f"tel:{phone}"
        assert centre in page.locator("[data-help]").inner_text()
        assert page.locator("[data-help] a[href='tel:12348']").is_visible()
        assert not blocking(run_axe(page))


def test_citizen_pages_in_large_text_mode_meet_the_ageing_friendly_sizes(open_page, citizen, citizen_pages):
    _visit_all(open_page, citizen, citizen_pages, large=True)

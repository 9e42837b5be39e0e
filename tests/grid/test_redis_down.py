"""With Redis unreachable every page still answers: throttles fall back to the database or
decline with a message, never a 500 (issue 12, graceful degradation)."""

import pytest
from django.urls import reverse

from grid import throttle
from grid.models import RateCounter
from tests.factories import PASSWORD
from tests.pufa_media.factories import ready_video

DEAD = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def redis_down(settings, monkeypatch):
    from pufa_media import playcount

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD,
                                   "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    settings.REDIS_URL = DEAD
    monkeypatch.setattr(playcount, "_redis_client", None)
    yield
    playcount._redis_client = None


def test_the_dead_cache_really_is_unreachable(redis_down):
    from django.core.cache import cache
    from redis.exceptions import ConnectionError

    with pytest.raises(ConnectionError):
        cache.get("x")


def test_tracking_lookup_answers_and_still_throttles_per_address(client, loop, redis_down, settings, monkeypatch):
    from grievances import views

    monkeypatch.setattr(views, "LOOKUP_MAX_FAILS_PER_IP", 3)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    g = loop.submit()
    url = reverse("grievances:lookup")
    assert client.get(url).status_code == 200
    for _ in range(3):
        client.cookies.clear()
        response = client.post(url, {"tracking_no": g.tracking_no, "phone": "13700000000"})
        assert response.status_code == 200 and "没有找到" in response.content.decode()
    assert RateCounter.objects.get().hits == 3  # counted in the database meanwhile
    client.cookies.clear()
    response = client.post(url, {"tracking_no": g.tracking_no, "phone": g.contact_phone})
    assert response.status_code == 200 and "失败次数过多" in response.content.decode()


def test_tracking_lookup_finds_the_item_with_redis_down(client, loop, redis_down):
    g = loop.submit()
    response = client.post(reverse("grievances:lookup"), {"tracking_no": g.tracking_no, "phone": g.contact_phone})
    assert response.status_code == 302


def test_play_beacon_declines_with_a_message(client, db, redis_down):
    video = ready_video()
    response = client.post(reverse("pufa_media:play", args=[video.pk]))
    assert response.status_code == 503 and response.json() == {"counted": False, "error": "播放计数暂时不可用。"}
    assert client.get(reverse("pufa_media:video", args=[video.pk])).status_code == 200


def test_login_doors_work_with_redis_down(client, citizen, admin_user, capsys, redis_down):
    assert client.post("/accounts/login/", {"username": citizen.phone, "password": "nope"}).status_code == 200
    assert client.post("/accounts/login/", {"username": citizen.phone, "password": PASSWORD}).status_code == 302
    client.logout()
    response = client.post("/accounts/login/sms/", {"step": "send", "phone": "13655558888"})
    assert "验证码已发送" in response.content.decode()
    assert client.post("/admin/login/", {"username": "admin", "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("url", ["/", "/appeals/lookup/", "/appeals/cases/", "/accounts/login/", "/accounts/login/sms/",
                                 "/directory/departments/", "/directory/mediation/", "/pufa/", "/admin/login/"])
def test_public_pages_answer(client, db, redis_down, url):
    assert client.get(url).status_code == 200


def test_citizen_and_staff_pages_answer(client, loop, citizen, east_handler, east_centre_staff, redis_down):
    g = loop.dispatched()
    client.force_login(citizen)
    for url in ("/appeals/mine/", f"/appeals/{g.pk}/", "/notifications/"):
        assert client.get(url).status_code == 200, url
    client.force_login(east_handler)
    assert client.get("/appeals/work/").status_code == 200
    client.force_login(east_centre_staff)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/grievances/grievance/").status_code == 200


def test_throttle_counts_in_the_cache_while_it_answers(db):
    from django.core.cache import cache

    cache.clear()
    assert [throttle.hit("t-up", window=60) for _ in range(3)] == [1, 2, 3]
    assert throttle.count("t-up", window=60) == 3
    assert not RateCounter.objects.exists()
    cache.clear()


def test_throttle_counts_in_the_database_while_the_cache_is_down(db, redis_down):
    assert [throttle.hit("t-down", window=60) for _ in range(3)] == [1, 2, 3]
    assert throttle.count("t-down", window=60) == 3

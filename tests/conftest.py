"""Suite-wide set-up.

Without DATABASE_URL the suite runs on SQLite with eager Celery. With DATABASE_URL and
REDIS_URL set (CI), it runs on PostgreSQL and the tests marked ``worker`` run a real
Celery worker against Redis; an unreachable named service fails the run, never skips it.
"""

import io
import logging
import os

import pytest

from tests.factories import *  # noqa: F401,F403  (fixtures for users per role)


def pytest_configure(config):
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        import redis

        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
        except Exception as exc:  # noqa: BLE001
            raise pytest.UsageError(f"REDIS_URL is set but Redis is unreachable: {exc}") from exc
    db_url = os.environ.get("DATABASE_URL")
    if db_url:
        import environ
        import psycopg

        cfg = environ.Env.db_url_config(db_url)
        try:
            psycopg.connect(
                host=cfg["HOST"] or None, port=cfg["PORT"] or None, user=cfg["USER"] or None,
                password=cfg["PASSWORD"] or None, dbname="postgres", connect_timeout=5,
            ).close()
        except Exception as exc:  # noqa: BLE001
            raise pytest.UsageError(f"DATABASE_URL is set but PostgreSQL is unreachable: {exc}") from exc


# Every log line the suite writes, formatted by the production console handler: at the end of
# the run none may show a phone number in clear (issue 22: no personal data in logs).
_SUITE_LOG = io.StringIO()


def pytest_sessionstart(session):
    from ops.logging import make_handler

    handler = make_handler(_SUITE_LOG, fmt="json")
    handler.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)


def pytest_sessionfinish(session, exitstatus):
    from ops.logging import PHONE_RE

    lines = _SUITE_LOG.getvalue().splitlines()
    leaked = [line for line in lines if PHONE_RE.search(line)]
    if leaked:
        session.config.get_terminal_writer().line(
            f"{len(leaked)} log lines show a phone number in clear, e.g.: {leaked[0][:300]}", red=True)
        session.exitstatus = 1


def pytest_collection_modifyitems(items):
    # Browser tests run last: Playwright's sync API keeps an event loop running in the main
    # thread from the first browser test to the end of the session (see tests/browser/conftest.py).
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
    _serialize_transactional(items)


def _serialize_transactional(items):
    """Every transactional test restores the serialized database at set-up.

    Django flushes after a transactional test; without serialized_rollback that flush
    re-creates content types (post_migrate), and the next test that restores the serialized
    database then collides with them. With it on every transactional test, teardown skips
    post_migrate and set-up restores the seeded rows (categories, policies) in one way.
    """
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("django_db"):
            # live_server makes the test transactional; mark it so the loop below adds
            # serialized_rollback to it like to every other transactional test.
            item.add_marker(pytest.mark.django_db(transaction=True))
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            item.add_marker(pytest.mark.django_db(**{**marker.kwargs, "serialized_rollback": True}), append=False)


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Unit tests run tasks in-process; tests that need a real worker opt out explicitly."""
    from config.celery import app

    app.conf.task_always_eager = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield


@pytest.fixture(autouse=True)
def _chinese_by_default():
    """Each test starts in the site's language: a request in English earlier in the same
    thread must not leak into the messages another test reads."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PRIVATE_MEDIA_SERVER = "django"


@pytest.fixture(scope="session")
def hostile_corpus():
    """The hostile-upload corpus with the verdict every upload door must give."""
    from tests.uploads_corpus import corpus

    return corpus()

import pytest

from tests.legalqa.conftest import _fresh_law_caches  # noqa: F401
from tests.legalqa.factories import law_corpus  # noqa: F401
from tests.pufa_media.factories import clip, tiny_renditions  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_public_video_cache():
    """The beacon keeps "is this video public" in process memory for a minute; tests reuse ids."""
    from pufa_media import playcount

    playcount._public.clear()
    yield
    playcount._public.clear()


@pytest.fixture(autouse=True)
def _own_redis_keys(settings):
    """With REDIS_URL set (CI) the beacon uses Redis: each test gets its own key prefix, so
    ids reused by a new test database never meet keys left by an earlier test."""
    import os
    import uuid

    prefix = f"test-pufa-{uuid.uuid4().hex[:12]}"
    settings.PUFA_REDIS_PREFIX = prefix
    yield
    if os.environ.get("REDIS_URL"):
        from pufa_media.playcount import redis_client

        client = redis_client()
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)

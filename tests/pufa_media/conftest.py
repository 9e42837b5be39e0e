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

from tests.legalqa.conftest import _fresh_law_caches  # noqa: F401
from tests.legalqa.factories import law_corpus  # noqa: F401
from tests.pufa_media.factories import clip, tiny_renditions  # noqa: F401

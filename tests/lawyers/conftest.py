import pytest
from django.utils import translation

from tests.lawyers.factories import labour, lawyers  # noqa: F401


@pytest.fixture(autouse=True)
def _chinese():
    """Messages are asserted in Chinese; a page requested in English earlier in the same
    process must not leak its language into later tests."""
    with translation.override("zh-hans"):
        yield

from tests.lawyers.factories import labour, lawyers  # noqa: F401

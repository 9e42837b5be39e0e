from tests.grievances.factories import loop  # noqa: F401

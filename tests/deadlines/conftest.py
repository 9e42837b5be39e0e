import pytest

from tests.deadlines import helpers
from tests.worker_support import *  # noqa: F401,F403  (real Celery worker fixtures)


@pytest.fixture
def item(world, citizen, east_centre_staff, east_handler, east_dept_leader, east_centre_leader):
    """An ordinary dispute accepted and dispatched to the east housing bureau."""
    g = helpers.submit(citizen, world.east_village)
    helpers.accept(g, east_centre_staff)
    return helpers.dispatch(g, east_centre_staff, world.east_dept)

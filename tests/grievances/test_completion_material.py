"""A unit's completion material reaches the citizen only after the centre checks the result."""

from grievances import selectors, services
from tests.grievances.factories import handling
from tests.grievances.media import png


def _public_names(citizen, g):
    return [a.original_name for a in selectors.detail(citizen, g, public_only=True).attachments]


def test_completion_files_wait_for_the_centres_check(world, citizen, east_centre_staff, east_handler):
    g = handling(citizen, world.east_village, east_centre_staff, world.east_dept, east_handler)
    services.complete_grievance(actor=east_handler, grievance=g, result="已修复漏水。", files=[png("result.png")])
    g.refresh_from_db()
    assert "result.png" not in _public_names(citizen, g)
    services.verify_grievance(actor=east_centre_staff, grievance=g, note="核实属实")
    g.refresh_from_db()
    assert "result.png" in _public_names(citizen, g)

from tests.mediation.factories import legal_aid_centre, legal_aid_staff, mediator2  # noqa: F401

"""Commission, application and question pages offer exactly what their allowed_actions return."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from legalqa.lawyers import services
from legalqa.lawyers.models import Question
from tests.factories import PASSWORD
from tests.lawyers.factories import field

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def direct_commission(world, citizen, lawyer):
    return services.create_commission(citizen=citizen, field=field("labour"), matter="代写仲裁申请",
                                      phone="13800000001", region=world.east, lawyer=lawyer)


def test_commission_actions_follow_its_state_and_who_looks(world, citizen, other_citizen, lawyers):
    c = direct_commission(world, citizen, lawyers.a.user)
    assert services.commission_allowed_actions(lawyers.a.user, c) == ["accept", "decline"]
    assert services.commission_allowed_actions(lawyers.b.user, c) == []  # not offered to them
    assert services.commission_allowed_actions(citizen, c) == ["cancel"]
    assert services.commission_allowed_actions(other_citizen, c) == []
    services.accept_commission(lawyer=lawyers.a.user, commission=c)
    c.refresh_from_db()
    assert services.commission_allowed_actions(lawyers.a.user, c) == ["complete"]
    assert services.commission_allowed_actions(citizen, c) == ["complete"]
    services.complete_commission(actor=citizen, commission=c)
    c.refresh_from_db()
    assert services.commission_allowed_actions(citizen, c) == ["rate"]
    services.rate_commission(citizen=citizen, commission=c, rating=5)
    c.refresh_from_db()
    assert services.commission_allowed_actions(citizen, c) == []


def test_a_declined_commission_offers_the_citizen_another_lawyer_or_cancelling(world, citizen, lawyers):
    c = direct_commission(world, citizen, lawyers.a.user)
    services.decline_commission(lawyer=lawyers.a.user, commission=c)
    c.refresh_from_db()
    assert services.commission_allowed_actions(citizen, c) == ["cancel", "choose_another"]
    assert services.commission_allowed_actions(lawyers.a.user, c) == []


def test_the_commission_page_shows_only_the_allowed_buttons(client, world, citizen, lawyers):
    c = direct_commission(world, citizen, lawyers.a.user)
    body = login(client, lawyers.a.user).get(reverse("lawyers:commission", args=[c.pk])).content.decode()
    assert 'value="accept"' in body and 'value="cancel"' not in body
    client.logout()
    body = login(client, citizen).get(reverse("lawyers:commission", args=[c.pk])).content.decode()
    assert 'value="cancel"' in body and 'value="accept"' not in body and 'value="complete"' not in body


def notarisation(world, citizen):
    return services.submit_application(applicant=citizen, kind="notarisation", region=world.east_village,
                                       contact_name="张三", contact_phone="13800000001", office="东湖公证处",
                                       matter="继承公证", preferred_slot="工作日上午")


def test_application_actions_for_staff_in_scope_and_the_applicant(world, citizen, east_centre_staff,
                                                                   west_centre_staff):
    app = notarisation(world, citizen)
    assert services.application_allowed_actions(east_centre_staff, app) == ["approve", "missing", "refuse"]
    assert services.application_allowed_actions(west_centre_staff, app) == []
    assert services.application_allowed_actions(citizen, app) == []
    services.ask_missing_documents(actor=east_centre_staff, application=app, missing="户口簿")
    app.refresh_from_db()
    assert services.application_allowed_actions(east_centre_staff, app) == ["approve", "refuse"]
    assert services.application_allowed_actions(citizen, app) == ["resubmit"]
    services.refuse_application(actor=east_centre_staff, application=app, reason="不属于本处受理范围")
    app.refresh_from_db()
    assert services.application_allowed_actions(east_centre_staff, app) == []
    assert services.application_allowed_actions(citizen, app) == []


def test_the_application_page_shows_the_resubmit_form_only_when_documents_are_missing(client, world, citizen,
                                                                                     east_centre_staff):
    app = notarisation(world, citizen)
    url = reverse("lawyers:service", args=[app.pk])
    assert 'value="resubmit"' not in login(client, citizen).get(url).content.decode()
    services.ask_missing_documents(actor=east_centre_staff, application=app, missing="户口簿")
    assert 'value="resubmit"' in client.get(url).content.decode()


def ask(world, citizen):
    return services.ask_question(asker=citizen, field=field("labour"), title="加班费怎么算", body="周末加班",
                                 region=world.east_village)


def test_question_actions_for_asker_lawyer_and_staff(world, citizen, lawyers, east_centre_staff):
    q = ask(world, citizen)
    assert services.question_allowed_actions(citizen, q) == ["follow_up", "mark_best", "close", "commission"]
    assert services.question_allowed_actions(lawyers.a.user, q) == ["answer"]
    assert services.question_allowed_actions(lawyers.marriage.user, q) == []  # not routed to them
    services.answer_question(lawyer=lawyers.a.user, question=q, body="可以申请劳动仲裁。")
    q.refresh_from_db()
    assert services.question_allowed_actions(lawyers.a.user, q) == ["ask_back"]
    assert services.question_allowed_actions(east_centre_staff, q) == []  # the citizen still has days to pick


def test_staff_may_decide_the_best_answer_only_after_the_configured_days_in_their_region(
        world, citizen, lawyers, east_centre_staff, west_centre_staff, client):
    q = ask(world, citizen)
    a = services.answer_question(lawyer=lawyers.a.user, question=q, body="可以申请劳动仲裁。")
    Question.objects.filter(pk=q.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    q.refresh_from_db()
    assert services.question_allowed_actions(east_centre_staff, q) == ["decide_best"]
    assert services.question_allowed_actions(west_centre_staff, q) == []
    body = login(client, east_centre_staff).get(reverse("lawyers:question", args=[q.pk])).content.decode()
    assert reverse("lawyers:best", args=[a.pk]) in body
    services.mark_best_answer(citizen=citizen, answer=a)
    assert services.question_allowed_actions(east_centre_staff, q) == []
    assert "mark_best" not in services.question_allowed_actions(citizen, q)

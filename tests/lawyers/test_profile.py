"""The lawyer desk writes the profile through the service: what the centre verified stays verified."""

import pytest
from django.urls import reverse

from grid.notifications.models import Message
from legalqa.lawyers import services
from legalqa.lawyers.models import LawyerProfile
from tests.factories import PASSWORD
from tests.lawyers.factories import field, make_lawyer

pytestmark = pytest.mark.django_db


def desk_post(client, profile, **changes):
    data = {
        "name": profile.name, "licence_no": profile.licence_no, "firm": profile.firm,
        "fields": [f.pk for f in profile.fields.all()], "years": profile.years, "languages": profile.languages,
        "phone": profile.phone, "bio": profile.bio, "region": profile.region_id, "duty_days": profile.duty_days,
        "duty_start": profile.duty_start.strftime("%H:%M"), "duty_end": profile.duty_end.strftime("%H:%M"),
    }
    data.update(changes)
    assert client.login(username=profile.user.username, password=PASSWORD)
    return client.post(reverse("lawyers:lawyer_desk"), data, follow=True)


def test_changing_the_licence_number_on_the_desk_withdraws_verification_and_tells_the_centre(
        world, client, east_centre_staff):
    profile = make_lawyer(world, ("labour",))
    response = desk_post(client, profile, licence_no="14390999999999999")
    assert response.status_code == 200
    assert "重新审核" in response.content.decode()
    profile.refresh_from_db()
    assert profile.licence_no == "14390999999999999"
    assert not profile.is_verified and profile.verified_by is None
    assert not LawyerProfile.objects.verified().filter(pk=profile.pk).exists()  # no more questions routed
    told = Message.objects.filter(template_code="qa_lawyer_reverify", user=east_centre_staff)
    assert told.count() == 1 and "执业证号" in told.get().text


@pytest.mark.parametrize("change", [{"firm": "另一家律师事务所"}, {"region": "east_town"}])
def test_changing_firm_or_region_also_withdraws_verification(world, client, east_centre_staff, change):
    profile = make_lawyer(world, ("labour",))
    if "region" in change:
        change = {"region": world.east_town.pk}
    desk_post(client, profile, **change)
    profile.refresh_from_db()
    assert not profile.is_verified


def test_editing_the_biography_or_duty_hours_keeps_verification(world, client, east_centre_staff):
    profile = make_lawyer(world, ("labour",))
    response = desk_post(client, profile, bio="擅长劳动争议", duty_days="12345", fields=[field("labour").pk,
                                                                                       field("contract").pk])
    assert "资料已保存" in response.content.decode()
    profile.refresh_from_db()
    assert profile.is_verified and profile.bio == "擅长劳动争议" and profile.duty_days == "12345"
    assert set(profile.fields.values_list("code", flat=True)) == {"labour", "contract"}
    assert not Message.objects.filter(template_code="qa_lawyer_reverify").exists()


def test_a_new_profile_waits_for_verification(world, client):
    lawyer = make_lawyer(world, ("labour",)).user
    LawyerProfile.objects.filter(user=lawyer).delete()
    profile = services.save_lawyer_profile(lawyer=lawyer, values={
        "name": "新律师", "licence_no": "14390888888888888", "firm": "清源律师事务所", "region": world.east,
        "fields": [field("labour")], "phone": "13700000099", "photo": None})
    assert profile.pk and not profile.is_verified and profile.region_code == world.east.code


def test_only_a_lawyer_keeps_a_lawyer_profile(world, citizen):
    with pytest.raises(services.QAError):
        services.save_lawyer_profile(lawyer=citizen, values={"firm": "x"})

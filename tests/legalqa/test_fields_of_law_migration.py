"""The move from the two old tables of fields of law (lawyers.Field for the Q&A, pufa_media.
LegalField for the videos) to the one table legalqa.FieldOfLaw keeps every link.

The database is taken back to the state just before the data migration (legalqa 0005), the
old tables are filled with drifted lists (same code with another name, same name with another
code, a field only one side knew, an inactive one) and links from every kind of record; then
it is migrated forward to the head and what a user would see is checked. Runs on whatever
database the suite uses (SQLite by default, PostgreSQL with DATABASE_URL)."""

import datetime

import pytest

from tests.legalqa.factories import migrate_to, migration_heads

BEFORE = [("legalqa", "0004_field_of_law"), ("lawyers", "0007_field_of_law_add"),
          ("pufa_media", "0005_field_of_law_add")]


@pytest.fixture
def old_state():
    apps = migrate_to(BEFORE)
    try:
        yield apps
    finally:
        migrate_to(migration_heads())


def _fill_old_tables(apps):
    """Old tables with drifted lists and one record of every kind linking to them."""
    LawyerField = apps.get_model("lawyers", "Field")
    LegalField = apps.get_model("pufa_media", "LegalField")
    FieldOfLaw = apps.get_model("legalqa", "FieldOfLaw")
    Profile = apps.get_model("lawyers", "LawyerProfile")
    # start from the old tables only (the serialized test database holds the seeded rows)
    for app_label, name in [("lawyers", "Question"), ("lawyers", "Commission"), ("lawyers", "CallbackRequest"),
                            ("lawyers", "CallLog"), ("lawyers", "DocumentTemplate"), ("pufa_media", "Video"),
                            ("pufa_media", "CaseExplanation")]:
        apps.get_model(app_label, name).objects.all().delete()
    Profile.fields.through.objects.all().delete()
    Profile.fields_of_law.through.objects.all().delete()
    Profile.objects.all().delete()
    LawyerField.objects.all().delete()
    LegalField.objects.all().delete()
    FieldOfLaw.objects.all().delete()

    q = {
        "labour": LawyerField.objects.create(code="labour", name="劳动", order=3),
        "marriage": LawyerField.objects.create(code="marriage", name="婚姻家庭", order=0),
        "traffic": LawyerField.objects.create(code="traffic", name="交通事故", order=5),
        "old-family": LawyerField.objects.create(code="old-family", name="家事（旧）", order=20, active=False),
    }
    m = {
        "labour": LegalField.objects.create(code="labour", name="劳动争议", order=3),  # same code, drifted name
        "marriage": LegalField.objects.create(code="marriage", name="婚姻家庭", order=0),
        "traffic-accident": LegalField.objects.create(code="traffic-accident", name="交通事故", order=5),  # same name
        "minors": LegalField.objects.create(code="minors", name="未成年人", order=13),  # only the videos had it
    }

    Region = apps.get_model("grid", "Region")
    User = apps.get_model("grid", "User")
    region = Region.objects.get_or_create(code="439901000000", defaults={"name": "迁移测试县", "level": 3})[0]
    citizen = User.objects.create(username="mig-citizen", password="!", phone="13800000096")
    lawyer = User.objects.create(username="mig-lawyer", password="!", phone="13800000095")
    profile = Profile.objects.create(user=lawyer, name="迁移律师", licence_no="14399201810000001", firm="迁移律所",
                                     phone="13800000099", region=region, region_code=region.code)
    profile.fields.add(q["labour"], q["old-family"])

    Question = apps.get_model("lawyers", "Question")
    Commission = apps.get_model("lawyers", "Commission")
    records = {
        "question": Question.objects.create(asker=citizen, field=q["marriage"], title="离婚财产怎么分", body="…",
                                            region=region, region_code=region.code),
        "commission": Commission.objects.create(citizen=citizen, field=q["labour"], matter="讨薪", phone="13800000098",
                                                region=region, region_code=region.code),
        "callback": apps.get_model("lawyers", "CallbackRequest").objects.create(
            field=q["traffic"], lawyer=lawyer, citizen=citizen, phone="13800000097"),
        "call": apps.get_model("lawyers", "CallLog").objects.create(field=q["old-family"], lawyer=lawyer,
                                                                    citizen=citizen),
        "template": apps.get_model("lawyers", "DocumentTemplate").objects.create(
            title="劳动仲裁申请书", field=q["labour"], doc_type="other", file="qa/templates/x.docx"),
        "video_traffic": apps.get_model("pufa_media", "Video").objects.create(title="酒驾的代价",
                                                                              field=m["traffic-accident"]),
        "video_minors": apps.get_model("pufa_media", "Video").objects.create(title="校园欺凌", field=m["minors"]),
        "video_labour": apps.get_model("pufa_media", "Video").objects.create(title="讨薪", field=m["labour"]),
        "article": apps.get_model("pufa_media", "CaseExplanation").objects.create(
            kind="case", title="彩礼返还案", field=m["marriage"], body="……", published_at=datetime.datetime(
                2026, 1, 1, tzinfo=datetime.UTC)),
    }
    return {k: v.pk for k, v in records.items()}, profile.pk


@pytest.mark.django_db(transaction=True)
def test_merging_the_two_tables_keeps_every_link_both_ways(old_state):
    records, profile_pk = _fill_old_tables(old_state)

    migrate_to(migration_heads())

    from legalqa.lawyers.models import (
        CallbackRequest,
        CallLog,
        Commission,
        DocumentTemplate,
        LawyerProfile,
        Question,
    )
    from legalqa.models import FieldOfLaw
    from pufa_media.models import CaseExplanation, Video

    by_code = {f.code: f for f in FieldOfLaw.objects.all()}
    # merged by code (the Q&A's name wins), merged by name (the Q&A's code wins), kept, seeded
    assert by_code["labour"].name == "劳动"
    assert "traffic-accident" not in by_code and by_code["traffic"].name == "交通事故"
    assert by_code["minors"].name == "未成年人"
    assert by_code["old-family"].active is False
    assert {"telecom-fraud", "illegal-fundraising", "other"} <= set(by_code)  # the current list is complete
    assert FieldOfLaw.objects.filter(name="交通事故").count() == 1

    assert Question.objects.get(pk=records["question"]).field.code == "marriage"
    assert Commission.objects.get(pk=records["commission"]).field.code == "labour"
    assert CallbackRequest.objects.get(pk=records["callback"]).field.code == "traffic"
    assert CallLog.objects.get(pk=records["call"]).field.code == "old-family"
    assert DocumentTemplate.objects.get(pk=records["template"]).field.code == "labour"
    assert Video.objects.get(pk=records["video_traffic"]).field.code == "traffic"
    assert Video.objects.get(pk=records["video_minors"]).field.code == "minors"
    assert Video.objects.get(pk=records["video_labour"]).field == by_code["labour"]
    assert CaseExplanation.objects.get(pk=records["article"]).field.code == "marriage"
    profile = LawyerProfile.objects.get(pk=profile_pk)
    assert sorted(profile.fields.values_list("code", flat=True)) == ["labour", "old-family"]
    # a lawyer's field and a video's field are now the same row: the hot field links both
    assert set(by_code["labour"].lawyers.all()) == {profile}
    assert {v.title for v in by_code["labour"].videos.all()} == {"讨薪"}

    # Rolling back (legalqa 0005, lawyers 0008, pufa_media 0006 reversed) loses no link either.
    # One test does both directions: each migration run costs tens of seconds.
    apps = migrate_to(BEFORE)

    Question = apps.get_model("lawyers", "Question")
    Video = apps.get_model("pufa_media", "Video")
    Profile = apps.get_model("lawyers", "LawyerProfile")
    assert Question.objects.get(pk=records["question"]).field.code == "marriage"
    assert Video.objects.get(pk=records["video_traffic"]).field.code == "traffic"
    assert Video.objects.get(pk=records["video_minors"]).field.code == "minors"
    assert sorted(Profile.objects.get(pk=profile_pk).fields.values_list("code", flat=True)) == ["labour", "old-family"]

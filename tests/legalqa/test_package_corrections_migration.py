"""Migration 0006 corrects, in a database imported before the correction, the package row the
package marks repealed though it is in force (农村土地承包法), and leaves every other row alone."""

import datetime

import pytest

from tests.legalqa.factories import migrate_to, migration_heads

BEFORE = [("legalqa", "0005_merge_fields_of_law")]


@pytest.mark.django_db(transaction=True)
def test_migration_puts_the_land_contract_law_back_in_force():
    apps = migrate_to(BEFORE)
    try:
        Law = apps.get_model("legalqa", "Law")
        RepealedLaw = apps.get_model("legalqa", "RepealedLaw")
        common = {"source": "package", "category": "民法商法", "doc_type": "法律", "is_current_text": True}
        land = Law.objects.create(source_id="73d7adef5eaf", title="中华人民共和国农村土地承包法",
                                  short_title="农村土地承包法", slug="农村土地承包法-t", status="已废止",
                                  in_force_from=datetime.date(2018, 12, 29), **common)
        other = Law.objects.create(source_id="ed23f82f5b9b", title="中华人民共和国乡镇企业法", short_title="乡镇企业法",
                                   slug="乡镇企业法-t", status="已废止", **common)
        RepealedLaw.objects.create(name=land.title)
        RepealedLaw.objects.create(name=other.title)
        stamp = Law.objects.get(pk=land.pk).updated_at
    finally:
        apps = migrate_to(migration_heads())
    Law = apps.get_model("legalqa", "Law")
    RepealedLaw = apps.get_model("legalqa", "RepealedLaw")
    land = Law.objects.get(source_id="73d7adef5eaf")
    assert (land.status, land.in_force_from) == ("有效", datetime.date(2019, 1, 1))
    assert land.updated_at > stamp  # the search index sees the change
    assert not RepealedLaw.objects.filter(name=land.title).exists()
    assert Law.objects.get(source_id="ed23f82f5b9b").status == "已废止"
    assert RepealedLaw.objects.filter(name="中华人民共和国乡镇企业法").exists()

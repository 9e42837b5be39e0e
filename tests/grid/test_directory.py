from grid.models import UnitKind
from tests.factories import UnitFactory


def test_department_directory_filters_by_county(client, world):
    page = client.get("/directory/departments/", {"county": world.west.pk}).content.decode()
    assert "西山县住房和城乡建设局" in page
    assert "东湖区住房和城乡建设局" not in page


def test_department_directory_searches_duties(client, world):
    page = client.get("/directory/departments/", {"q": "欠薪"}).content.decode()
    assert "东湖区人力资源和社会保障局" in page
    assert "住房和城乡建设局" not in page


def test_township_outside_county_gives_a_clear_message(client, world):
    page = client.get("/directory/departments/", {"county": world.west.pk, "township": world.east_town.pk})
    assert "所选乡镇/街道不属于所选县/区。" in page.content.decode()


def test_mediation_directory_lists_languages_and_mediators(client, world, mediator):
    UnitFactory(kind=UnitKind.MEDIATION, name="彝语调解队", region=world.west_town, org_type="brand", languages="彝语")
    page = client.get("/directory/mediation/", {"q": "彝语"}).content.decode()
    assert "彝语调解队" in page and "湖滨街道人民调解委员会" not in page
    page = client.get("/directory/mediation/", {"county": world.east.pk}).content.decode()
    assert "调解员陈" in page


def test_directory_query_count_is_fixed(client, world, django_assert_max_num_queries):
    for i in range(30):
        UnitFactory(kind=UnitKind.MEDIATION, name=f"调委会{i}", region=world.east_town, org_type="peoples")
    with django_assert_max_num_queries(6):
        client.get("/directory/mediation/")


def test_region_children_endpoint(client, world):
    data = client.get("/regions/children/", {"parent": world.east.code}).json()
    assert [r["name"] for r in data["regions"]] == ["湖滨街道"]

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


def _demo_departments(world):
    """Names and duties as the demo city words them (grid/demo.py), not as people type."""
    UnitFactory(kind=UnitKind.DEPARTMENT, name="西山县人力资源和社会保障局", region=world.west,
                duties="劳动保障监察、拖欠农民工工资处置、社保咨询")
    UnitFactory(kind=UnitKind.DEPARTMENT, name="西山县生态环境局", region=world.west,
                duties="环境污染投诉、噪声扰民、排污监管")
    UnitFactory(kind=UnitKind.DEPARTMENT, name="西山县教育局", region=world.west, duties="学校管理、招生入学")


def _names(page):
    import re

    return set(re.findall(r"(西山县\w+局|东湖区\w+局)", page))


def test_directory_finds_duties_by_meaning_not_only_literal_text(client, world):
    _demo_departments(world)
    page = client.get("/directory/departments/", {"county": world.west.pk, "q": "住建"}).content.decode()
    assert _names(page) == {"西山县住房和城乡建设局"}
    page = client.get("/directory/departments/", {"county": world.west.pk, "q": "欠薪"}).content.decode()
    assert _names(page) == {"西山县人力资源和社会保障局"}
    page = client.get("/directory/departments/", {"county": world.west.pk, "q": "楼下饭店油烟"}).content.decode()
    assert _names(page) == {"西山县生态环境局"}


def test_directory_search_words_keep_what_was_typed_first():
    from grid.directory_terms import search_terms

    assert search_terms("住建")[0] == "住建" and "住房和城乡建设" in search_terms("住建")
    assert search_terms("  ") == []

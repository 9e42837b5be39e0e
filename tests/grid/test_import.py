import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from grid.importers import ImportFailed, import_csv
from grid.models import Grid, Region, Unit, UnitKind

GOOD_REGIONS = """code,name,level,parent_code
439001003000,新港镇,乡镇,439001000000
439001003001,港口村,村,439001003000
439001003002,渔业村,村,439001003000
"""


def test_good_region_file_creates_all_rows(world):
    result = import_csv("regions", GOOD_REGIONS.encode())
    assert (result.created, result.updated) == (3, 0)
    assert Region.objects.get(code="439001003002").parent.code == "439001003000"


def test_region_import_is_all_or_nothing_with_row_errors(world):
    bad = GOOD_REGIONS + "439001003003,坏村,村,439009000000\n439001003001,重复村,村,439001003000\n12345,短码,村,439001003000\n"
    before = Region.objects.count()
    with pytest.raises(ImportFailed) as exc:
        import_csv("regions", bad.encode())
    errors = exc.value.result.errors
    assert any(e.startswith("第5行") and "上级代码439009000000不存在" in e for e in errors)
    assert any(e.startswith("第6行") and "在文件中重复" in e for e in errors)
    assert any(e.startswith("第7行") and "12位数字" in e for e in errors)
    assert Region.objects.count() == before  # nothing written, not even the good rows


def test_reimport_updates_instead_of_duplicating(world):
    import_csv("regions", GOOD_REGIONS)
    result = import_csv("regions", GOOD_REGIONS.replace("渔业村", "渔业新村"))
    assert (result.created, result.updated) == (0, 3)
    assert Region.objects.get(code="439001003002").name == "渔业新村"


def test_grid_import_checks_village_and_special_type(world):
    data = (
        "code,name,village_code,kind,special_type,boundary\n"
        f"{world.east_village.code}002,第二网格,{world.east_village.code},综合网格,,\n"
        f"{world.east_village.code}003,学校网格,{world.east_village.code},专属网格,,\n"
        f"439001001009001,无村网格,439001001009,综合网格,,\n"
    )
    with pytest.raises(ImportFailed) as exc:
        import_csv("grids", data)
    errors = exc.value.result.errors
    assert any(e.startswith("第3行") and "专属网格必须选择类别" in e for e in errors)
    assert any(e.startswith("第4行") and "439001001009不存在" in e for e in errors)
    assert not Grid.objects.filter(code=f"{world.east_village.code}002").exists()


def test_department_and_mediation_import(world):
    import_csv("departments", "code,name,region_code,duties,phone,address\nD-X1,东湖区教育局,439001000000,招生入学,123,\n")
    import_csv("mediation", "code,name,region_code,org_type,languages,phone,address,duties\n"
               "M-X1,彝语调解室,439001001000,品牌调解室（一村一品）,彝语,,,\n")
    assert Unit.objects.get(code="D-X1").kind == UnitKind.DEPARTMENT
    assert Unit.objects.get(code="M-X1").org_type == "brand"


def test_mediation_import_refuses_unknown_org_type(world):
    with pytest.raises(ImportFailed) as exc:
        import_csv("mediation", "code,name,region_code,org_type\nM-X2,某组织,439001001000,神秘类\n")
    assert "调解组织类别“神秘类”无效" in exc.value.result.errors[0]


def test_non_utf8_file_gets_a_clear_message(world):
    with pytest.raises(ImportFailed) as exc:
        import_csv("regions", GOOD_REGIONS.encode("gbk"))
    assert "UTF-8" in exc.value.result.errors[0]


def test_command_reports_errors_and_writes_nothing(world, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("code,name,level,parent_code\n439001003000,新港镇,乡镇,439009000000\n", encoding="utf-8")
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("import_registry", "regions", str(path))
    assert "第2行" in capsys.readouterr().err
    assert not Region.objects.filter(code="439001003000").exists()


def test_admin_import_page_shows_row_errors(client, world, admin_user):
    client.force_login(admin_user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("r.csv", "code,name,level,parent_code\n439001003000,新港镇,乡镇,439009000000\n".encode())
    response = client.post("/admin/grid/region/import/", {"kind": "regions", "file": upload})
    page = response.content.decode()
    assert "第2行" in page and "未写入任何数据" in page

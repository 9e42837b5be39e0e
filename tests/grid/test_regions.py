import pytest
from django.core.exceptions import ValidationError

from grid.models import Region, RegionLevel
from tests.factories import RegionFactory


def _clean(**kw):
    Region(**kw).full_clean()


def test_village_under_a_county_is_refused_with_the_level_rule(world):
    with pytest.raises(ValidationError) as exc:
        _clean(code="439001001099", name="错村", level=RegionLevel.VILLAGE, parent=world.east)
    assert "村/社区的上级必须是乡镇/街道，不能是县/区。" in exc.value.message_dict["parent"]


def test_code_outside_parent_prefix_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        _clean(code="439002009000", name="跨区街道", level=RegionLevel.TOWNSHIP, parent=world.east)
    assert "不在上级区域东湖区（439001）的代码范围内" in exc.value.message_dict["code"][0]


def test_code_must_be_twelve_digits(world):
    with pytest.raises(ValidationError) as exc:
        _clean(code="43900100100", name="短码", level=RegionLevel.TOWNSHIP, parent=world.east)
    assert "行政区划代码必须是12位数字。" in exc.value.message_dict["code"]


def test_digits_below_the_level_must_be_zero(world):
    with pytest.raises(ValidationError) as exc:
        _clean(code="439001002005", name="乡镇码带村码", level=RegionLevel.TOWNSHIP, parent=world.east)
    assert "第9位之后应全部为0" in exc.value.message_dict["code"][0]


def test_duplicate_code_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        _clean(code=world.east_town.code, name="重复", level=RegionLevel.TOWNSHIP, parent=world.east)
    assert "code" in exc.value.message_dict


def test_township_without_parent_is_refused(db):
    with pytest.raises(ValidationError) as exc:
        _clean(code="439001005000", name="孤立街道", level=RegionLevel.TOWNSHIP, parent=None)
    assert "只有省级或市级区域可以没有上级区域。" in exc.value.message_dict["parent"]


def test_valid_village_passes(world):
    _clean(code="439001001002", name="新村", level=RegionLevel.VILLAGE, parent=world.east_town)


def test_subtree_contains_descendants_only(world):
    codes = set(Region.objects.subtree(world.east).values_list("code", flat=True))
    assert codes == {world.east.code, world.east_town.code, world.east_village.code}


def test_subtree_query_count_does_not_grow_with_depth(world, django_assert_num_queries):
    # Build a deeper chain under the east township: more depth, same single query.
    for i in range(2, 30):
        RegionFactory(code=f"439001001{i:03d}", name=f"村{i}", level=RegionLevel.VILLAGE, parent=world.east_town)
    for region in (world.city, world.east, world.east_town, world.east_village):
        with django_assert_num_queries(1):
            list(Region.objects.subtree(region))


def test_ancestors_are_resolved_in_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        names = [r.name for r in world.east_village.ancestors()]
    assert names == ["清源市", "东湖区", "湖滨街道"]

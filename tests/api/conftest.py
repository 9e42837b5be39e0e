import pytest

from api import services


@pytest.fixture
def hotline_key(world):
    """The 12345 hotline of 东湖区: files into 东湖区 only."""
    key, raw = services.create_api_key(actor=None, name="12345热线", channel="12345热线", region=world.east)
    key.raw = raw
    return key


@pytest.fixture
def trusted_key(world):
    key, raw = services.create_api_key(actor=None, name="东湖区政务服务热线", channel="hotline", region=world.east,
                                       trusted=True)
    key.raw = raw
    return key


def post_data(key, **extra):
    data = {
        "api_key": key.raw, "service_code": "dispute-neighbour", "address_id": "439001001001",
        "address_string": "柳岸花园3栋2单元", "lat": "28.123456", "long": "112.654321",
        "first_name": "三", "last_name": "张", "phone": "13800000001",
        "description": "楼上住户张三丰每晚装修到十一点，电话13912345678，多次协商无果。",
    }
    data.update(extra)
    return data


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    """Counters live in the cache, which outlives each test's database rollback."""
    from django.core.cache import cache

    cache.clear()
    yield

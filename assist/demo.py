"""Demo data for the assistant (runs after analysis's history):

- early warning: a cluster of reports about trees felled on the collective hill of 渔业村
  (新港镇, 东湖区) over the last week, by different residents through the hotline, then the
  live detection, which raises one alert to the 东湖区 centre leader (赵主任).
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from assist import alerts
from assist.models import SpikeAlert
from grid.models import Region, User
from grievances import services
from grievances.models import Category, Grievance

SPIKE_VILLAGE = "439001003001"
SPIKE_PHONE = "1370001"
SPIKE_TEXTS = [
    ("后山集体林被人砍了", "渔业村后山的集体山林这几天有人在偷偷砍树，已经砍了好几十棵，请管一管。"),
    ("有人在后山乱砍滥伐", "我们村后山集体林地有人乱砍滥伐，运木头的车天天进出，村里没人管。"),
    ("后山林子被砍光了", "后山那片集体山林被人砍得差不多了，树都拉走了，希望政府来查一下是谁砍的。"),
    ("集体山林被盗伐", "渔业村集体山林被盗伐，晚上有电锯声，请林业和自然资源部门处理。"),
    ("后山砍树的事没人管", "后山集体林有人砍树卖钱，村民都很气愤，要求调查处理。"),
]


def seed(stdout) -> None:
    if SpikeAlert.objects.exists() or Grievance.objects.filter(contact_phone__startswith=SPIKE_PHONE).exists():
        return
    from analysis.demo import _at

    village = Region.objects.filter(code=SPIKE_VILLAGE).first()
    staff = User.objects.filter(username="shi_zhongxin").first()
    category = Category.objects.filter(code="forest_land").first()
    if village is None or staff is None or category is None:
        return
    rng = random.Random(16)
    today = timezone.localdate()
    n = 0
    for back in range(7, 0, -1):
        day = today - timedelta(days=back)
        for _i in range(rng.choice([2, 2, 3])):
            title, text = SPIKE_TEXTS[n % len(SPIKE_TEXTS)]
            moment = datetime.combine(day, time(rng.randint(8, 19), rng.randint(0, 59)), tzinfo=ZoneInfo(settings.TIME_ZONE))
            with _at(moment):
                services.submit_grievance(
                    actor=staff, channel="hotline", kind="complaint", region=village, category=category,
                    title=title, description=text, contact_name=f"村民{n + 1:02d}",
                    contact_phone=f"{SPIKE_PHONE}{n:04d}", address="渔业村后山")
            n += 1
    made = alerts.run_detection()
    stdout.write(f"assist: {n} hotline reports about one hill in {village.name}; {len(made)} early-warning alert(s)")

"""Demo data for the assistant (runs after analysis's history):

- early warning: a cluster of reports about trees felled on the collective hill of 渔业村
  (新港镇, 东湖区) over the last week, by different residents through the hotline, then the
  live detection, which raises one alert to the 东湖区 centre leader (赵主任). The reports
  are also the repeated complaint the citizen form offers to join (我也遇到了), and the first
  one is accepted, so its dispatch form shows the learned suggestions.
- learned routing: a year of completed appeals from the history generator
  (assist.routing_history: departments sharing a category, the text decides), driven
  through the loop's services at their own time, then a trained model.
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


ROUTING_PHONE = "1370002"
ROUTING_ITEMS = 120


def _handler(unit):
    from grid.models import Role

    user = User.objects.filter(unit=unit, role=Role.DEPT_HANDLER, is_active=True).order_by("pk").first()
    if user is None:
        from grid.demo import DEMO_PASSWORD

        user = User(username=f"banli_{unit.code.lower().replace('-', '_')}", display_name=f"{unit.name}办理人",
                    role=Role.DEPT_HANDLER, unit=unit)
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def seed_routing(stdout) -> None:
    """A year of completed appeals for the learned routing, then a model."""
    from django.db.models import Max

    from analysis.demo import _at
    from assist import dispatch, routing_history
    from grid.models import RegionLevel, Unit
    from grid.notifications.models import Message

    if Grievance.objects.filter(contact_phone__startswith=ROUTING_PHONE).exists():
        return
    staff = User.objects.filter(username="shi_zhongxin").first()
    villages = list(Region.objects.filter(code__startswith="4390", level=RegionLevel.VILLAGE)
                    .order_by("code").values_list("code", "name"))
    if staff is None or not villages:
        return
    tz = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localdate()
    start = datetime.combine(today - timedelta(days=380), time(9, 0))
    items = routing_history.generate(ROUTING_ITEMS, villages, start=start, days=360)
    units = {u.code: u for u in Unit.objects.filter(code__in={i.unit for i in items})}
    categories = {c.code: c for c in Category.objects.all()}
    regions = {r.code: r for r in Region.objects.filter(code__in={i.region_code for i in items})}
    last_message = Message.objects.aggregate(m=Max("id"))["m"] or 0
    made = 0
    for n, item in enumerate(items):
        unit = units.get(item.unit)
        if unit is None:
            continue
        handler = _handler(unit)
        t = item.created.replace(tzinfo=tz)
        with _at(t):
            g = services.submit_grievance(
                actor=staff, channel="hotline", kind=item.kind, region=regions[item.region_code],
                category=categories.get(item.category), title=item.title, description=item.description,
                contact_name=f"群众{n:03d}", contact_phone=f"{ROUTING_PHONE}{n:04d}")
        with _at(t + timedelta(hours=2)):
            services.accept_grievance(actor=staff, grievance=Grievance.objects.get(pk=g.pk), kind=item.kind,
                                      category=g.category, severity="ordinary" if item.kind == "dispute" else "")
        with _at(t + timedelta(hours=4)):
            services.dispatch_grievance(actor=staff, grievance=Grievance.objects.get(pk=g.pk), unit=unit)
        with _at(t + timedelta(hours=6)):
            services.sign_grievance(actor=handler, grievance=Grievance.objects.get(pk=g.pk))
        with _at(t + timedelta(hours=30)):
            services.complete_grievance(actor=handler, grievance=Grievance.objects.get(pk=g.pk),
                                        result="已依职责调查处理，并向群众反馈。")
        made += 1
    Message.objects.filter(id__gt=last_message).delete()  # the history's messages are not sent today
    row = dispatch.train()
    stdout.write(f"assist: {made} completed appeals of routing history; model "
                 f"{'v%s %s' % (row.pk, row.figures) if row else 'not trained (too little history)'}")


def seed(stdout) -> None:
    seed_routing(stdout)
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
    first = Grievance.objects.filter(contact_phone__startswith=SPIKE_PHONE).order_by("pk").first()
    leader = User.objects.filter(username="zhongxin").first() or staff
    services.accept_grievance(actor=leader if leader.unit and leader.unit.region_code[:6] == SPIKE_VILLAGE[:6]
                              else staff, grievance=first, kind="complaint", category=category)
    stdout.write(f"assist: {n} hotline reports about one hill in {village.name}; {len(made)} early-warning alert(s)")

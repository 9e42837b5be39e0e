"""Benchmark: what the video room's signalling costs the server, beside a bare hello view.

The room's browsers poll ``/mediation/room/<token>/poll/`` about once a second (every 0.4 s
while a connection is being set up) and post their offers, answers and ICE candidates to
``/signal/``. Under gunicorn's sync workers a request holds a worker only while it runs, so
the capacity question is the server time per poll. In the same run, each measured ROUNDS
times after a warm-up through the Django test client (middleware, URL resolving, the view,
its queries):

- a bare Django "hello" view;
- a poll with nothing new (the steady state of a room where everybody is connected);
- a poll that returns the messages of a negotiation (1 offer + 10 candidates);
- a signal post of 5 ICE candidates.

    DATABASE_URL=postgres://root@127.0.0.1:5432/h_video .venv/bin/python benchmarks/mediation/room_poll.py
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 1000))

urlpatterns = [path("", include("benchmarks.audit.hello_urls")), path("", include("config.urls"))]


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def timed(fn, n):
    for _ in range(min(50, n)):
        fn()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def report(name, ms):
    print(f"| {name} | {statistics.median(ms):.2f} ms | {pct(ms, 0.95):.2f} ms |")


def world():
    """A video session with two party passes on a case of the demo city."""
    from mediation.models import MediationCase, Party, RoomPass, Session

    if not MediationCase.objects.exists():
        call_command("seed_demo", verbosity=0)
    case = MediationCase.objects.filter(state__in=["open", "mediating"]).order_by("id").first()
    session = Session.objects.create(case=case, mode="video", scheduled_at=timezone.now(),
                                     room_token=Session.new_room_token())
    passes = []
    for i, side in enumerate(("applicant", "respondent")):
        party = Party.objects.create(case=case, side=side, name=f"基准当事人{i}")
        passes.append(RoomPass.objects.create(session=session, role="party", party=party, display_name=party.name,
                                              token=RoomPass.new_token()))
    return passes


@override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"])
def main():
    call_command("migrate", verbosity=0)
    from mediation.models import RoomSignal
    from mediation.services import room

    a, b = world()
    client = Client()
    room.join_room(a, epoch="ea")
    room.join_room(b, epoch="eb")
    poll_a = reverse("mediation:room_poll", args=[a.token])
    signal_b = reverse("mediation:room_signal", args=[b.token])
    print(f"{connection.vendor}, {ROUNDS} rounds each\n")
    print("| request | p50 | p95 |\n|---|---:|---:|")
    report("hello view", timed(lambda: client.get("/hello/"), ROUNDS))
    report("poll, nothing new", timed(lambda: client.get(poll_a, {"epoch": "ea", "after": 10**12}), ROUNDS))

    offer = {"to": a.pk, "kind": "offer", "payload": {"sdp": {"type": "offer", "sdp": "v=0\r\n" + "a=x\r\n" * 120},
                                                       "to_epoch": "ea"}}
    cand = {"to": a.pk, "kind": "candidate", "payload": {"c": {"candidate": "candidate:1 1 udp 2122260223 "
                                                                "192.168.1.20 54321 typ host", "sdpMid": "0"},
                                                          "to_epoch": "ea"}}
    room.send_signals(b, epoch="eb", items=[offer] + [cand] * 10)
    first = RoomSignal.objects.order_by("id").values_list("id", flat=True).first()
    report("poll returning 11 messages", timed(lambda: client.get(poll_a, {"epoch": "ea", "after": first - 1}),
                                                 ROUNDS))
    body = json.dumps({"epoch": "eb", "items": [cand] * 5})
    report("signal post, 5 candidates", timed(
        lambda: client.post(signal_b, body, content_type="application/json"), ROUNDS))
    RoomSignal.objects.all().delete()


if __name__ == "__main__":
    main()

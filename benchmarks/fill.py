"""A realistic province of appeals for the benchmarks (issue 18, goal 1), written with COPY.

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench1m \
        .venv/bin/python benchmarks/fill.py --appeals 1000000 --workers 2 [--steps generate,indexes,rollups,vacuum]

    # 10 M as the 1 M base + 9 copies made in SQL (see ``amplify``):
    createdb -T bench1m bench10m
    DATABASE_URL=postgres://root@127.0.0.1:5432/bench10m .venv/bin/python benchmarks/fill.py --amplify 10

What it builds, on top of the demo city (``seed_demo --only grid grievances``, whose users
``zhongxin``, ``bumen``, ``shi_zhongxin``, 张三 … the page benchmarks log in as):

- a province: the demo city 清源市 plus 11 generated cities of 9 counties each (102
  counties), 11 townships a county (1,098 townships), 4 villages a township, one grid a
  village; a county centre and a township centre per area, 12 departments and a people's
  mediation committee per county, two handlers per department; citizens (one per five
  appeals) living in a county;
- N appeals over the three years before today, one day at a time: more on weekdays than
  at weekends, more in working hours than at night (the 12345 line a little at night too),
  a slow upward trend; counties of very different sizes; kinds, channels and 18 dispute
  categories drawn with realistic weights; titles and descriptions from per-category
  templates and vocabularies with estate, road and company names (benchmarks/vocab.py);
- each appeal's life from its submission time: acceptance (a few rejected, a few after
  more than 24 hours), dispatch to a department of its county (some returned and sent
  to another), signing, interim reply, completion, verification, rating or auto-close;
  its state is wherever that life stands now, so recent appeals are open and old ones
  archived. Every step has its timestamp and its event; late steps get the deadline
  scan's ``overdue`` record, a supervision order and a 督办 event, as the scan would;
- deadline clocks with the 137+2030 due times (sign by the end of a working day or the
  next working morning, interim reply in 3 days, completion in 7, rating in 7), open ones
  with their next due time; co-handling units; ratings; mediation cases with parties;
- the analysis facts (the same counters ``analysis.facts.compute`` gives, repeats
  included) and the rollups grouped from them in SQL.

The steps (``--steps``) can run separately: ``generate`` (everything above but the
rollups; secondary indexes dropped, their definitions kept in the table ``bench_fill_meta``
with the generated id range), ``indexes`` (two at a time), ``rollups`` (a month at a time on
two connections), ``vacuum`` (VACUUM ANALYZE).

Secondary indexes of the big tables are dropped during the COPY and built afterwards;
foreign keys are not checked during the COPY (``session_replication_role = replica``)
because the generator writes only ids it created. The fill runs once per database:
``ensure(N)`` (used by the other benchmarks) does nothing when N appeals are already there.
PostgreSQL only.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import vocab  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from grievances.tracking import damm_digit  # noqa: E402

DAY = 86400
CST = 8 * 3600  # Asia/Shanghai, no DST
RULES = ('{"start_on": "dispatched", "sign_days": 0, "rating_days": 7, "second_days": 7, "centre_hours": 24, '
         '"interim_days": 3, "reminder_hours": [24, 2], "completion_days": 7}')
BIG_TABLES = ("grievances_grievance", "grievances_grievanceevent", "deadlines_clock", "deadlines_clockaction",
              "grievances_cohandling", "grievances_rating", "grievances_supervisionorder", "analysis_grievancefact",
              "mediation_mediationcase", "mediation_party", "grid_user")
KINDS = (("dispute", 34), ("livelihood", 28), ("complaint", 16), ("inquiry", 10), ("suggestion", 5),
         ("legal_aid", 3), ("business", 4))
CHANNELS = (("hotline", 42), ("web", 26), ("patrol", 14), ("walk_in", 10), ("screening", 8))
CATEGORY_WEIGHTS = {"neighbour": 16, "property_mgmt": 14, "labour": 10, "house_homestead": 8, "marriage_family": 7,
                    "contract": 6, "consumer": 8, "environment": 8, "traffic": 5, "medical": 2, "land_acquisition": 3,
                    "private_lending": 4, "village_affairs": 3, "education": 2, "forest_land": 2, "damages": 3,
                    "business": 2, "other": 5}
# Local hour of submission: working hours dominate; the hotline also rings at night.
HOUR_W = [1, .5, .3, .3, .4, .8, 2, 5, 9, 12, 12, 10, 6, 7, 10, 11, 10, 8, 6, 5, 4, 3, 2, 1.5]
WEEKDAY_W = [1.15, 1.05, 1.0, 1.0, 0.95, 0.55, 0.45]
MEDIATED = {"neighbour", "marriage_family", "house_homestead", "contract", "damages", "private_lending", "traffic",
            "medical", "labour"}
DEPT_NAMES = ["住房和城乡建设局", "人力资源和社会保障局", "市场监督管理局", "生态环境局", "公安分局", "自然资源局", "民政局",
              "卫生健康局", "司法局", "城市管理局", "交通运输局", "教育局"]
# category -> index of the usual department (DEPT_NAMES order)
CAT_DEPT = {"neighbour": 8, "property_mgmt": 0, "labour": 1, "house_homestead": 5, "marriage_family": 8,
            "contract": 2, "consumer": 2, "environment": 3, "traffic": 10, "medical": 7, "land_acquisition": 5,
            "private_lending": 8, "village_affairs": 6, "education": 11, "forest_land": 5, "damages": 8,
            "business": 2, "other": 9}


# --------------------------------------------------------------------------- time helpers

_DAYSTR: dict[int, str] = {}


def ts(e: int) -> str:
    d, s = divmod(e, DAY)
    ds = _DAYSTR.get(d)
    if ds is None:
        ds = _DAYSTR[d] = (date(1970, 1, 1) + timedelta(days=d)).isoformat()
    return f"{ds} {s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}+00"


def tsn(e) -> str:
    return "\\N" if e is None else ts(e)


def local_day(e: int) -> int:
    return (e + CST) // DAY


def end_of_local_day(e: int, plus: int = 0) -> int:
    return (local_day(e) + 1 + plus) * DAY - CST


def is_workday(ld: int) -> bool:
    return (ld + 3) % 7 < 5


def sign_due(e: int) -> int:
    """Working hours 8:30–17:30 on a working day: by the end of that day; otherwise by 12:00
    of the next working morning (of the same day when it came in before 8:30)."""
    ld = local_day(e)
    sod = (e + CST) % DAY
    if is_workday(ld) and 8.5 * 3600 <= sod < 17.5 * 3600:
        return (ld + 1) * DAY - CST
    if not (is_workday(ld) and sod < 8.5 * 3600):
        ld += 1
    while not is_workday(ld):
        ld += 1
    return ld * DAY + 12 * 3600 - CST


def next_working_moment(e: int, rng: random.Random) -> int:
    ld = local_day(e)
    sod = (e + CST) % DAY
    if is_workday(ld) and 8.5 * 3600 <= sod < 17.5 * 3600:
        return e
    if not (is_workday(ld) and sod < 8.5 * 3600):
        ld += 1
    while not is_workday(ld):
        ld += 1
    return ld * DAY + int(8.5 * 3600) - CST + int(rng.expovariate(1 / 1800))


def bucket(minutes: int) -> str:
    hours = minutes / 60
    for i, bound in enumerate((4, 8, 24, 48, 72, 120, 168, 240, 480, 720)):
        if hours <= bound:
            return f"h{i}"
    return "h10"


def damm(digits: str) -> str:
    return damm_digit(digits)


# --------------------------------------------------------------------------- base data


def pg():
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"],
                           password=s["PASSWORD"] or None, dbname=s["NAME"], autocommit=False)


def copy_rows(conn, table: str, cols: tuple[str, ...], rows) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
        buf = []
        for r in rows:
            buf.append("\t".join(r))
            if len(buf) >= 5000:
                cp.write("\n".join(buf) + "\n")
                buf = []
        if buf:
            cp.write("\n".join(buf) + "\n")


def place_name(rng: random.Random, used: set, suffix: str) -> str:
    for attempt in range(200):
        stem = "".join(rng.choice(vocab.PLACE_SYLLABLES) for _ in range(2 if attempt < 20 else 3))
        if stem + suffix not in used:
            break
    used.add(stem + suffix)
    return stem + suffix


def ensure_demo():
    import io

    call_command("migrate", verbosity=0)
    from grid.models import User

    if not User.objects.filter(username="bumen").exists():
        call_command("seed_demo", "--only", "grid", "grievances", stdout=io.StringIO())


def build_province(n_appeals: int, seed: int) -> None:
    """Regions, grids, units, staff and citizens (idempotent: skipped when present)."""
    from grid.models import Region

    if Region.objects.filter(code="430100000000").exists():
        return
    rng = random.Random(seed)
    conn = pg()
    cur = conn.cursor()
    cur.execute("SELECT max(id) FROM grid_region")
    rid = cur.fetchone()[0]
    cur.execute("SELECT max(id) FROM grid_unit")
    uid = cur.fetchone()[0]
    cur.execute("SELECT max(id) FROM grid_grid")
    gid = cur.fetchone()[0]
    used: set = set()
    regions, units, grids = [], [], []
    for c in range(1, 12):
        city_code = f"43{c:02d}00000000"
        rid += 1
        city_id = rid
        city_name = vocab.CITY_STEMS[c] + "市"
        regions.append((city_id, city_code, city_name, 2, None))
        uid += 1
        units.append((uid, "centre", f"C-{city_code}", city_name + "综治中心", city_code, 2, city_id))
        for k in range(1, 10):
            county_code = f"43{c:02d}{k:02d}000000"
            rid += 1
            county_id = rid
            county_name = place_name(rng, used, "区" if k <= 3 else "县")
            regions.append((county_id, county_code, county_name, 3, city_id))
            uid += 1
            units.append((uid, "centre", f"C-{county_code}", county_name + "综治中心", county_code, 3, county_id))
            for d, dept in enumerate(DEPT_NAMES, start=1):
                uid += 1
                units.append((uid, "department", f"D-{county_code[:6]}-{d:02d}", county_name + dept, county_code, 3,
                              county_id))
            uid += 1
            units.append((uid, "mediation", f"M-{county_code[:6]}", county_name + "人民调解委员会", county_code, 3,
                          county_id))
            for t in range(1, 12):
                town_code = f"43{c:02d}{k:02d}{t:03d}000"
                rid += 1
                town_id = rid
                town_name = place_name(rng, used, "街道" if k <= 3 and t <= 5 else ("镇" if t <= 8 else "乡"))
                regions.append((town_id, town_code, town_name, 4, county_id))
                uid += 1
                units.append((uid, "centre", f"C-{town_code}", town_name + "综治中心", town_code, 4, town_id))
                for v in range(1, 5):
                    vcode = f"43{c:02d}{k:02d}{t:03d}{v:03d}"
                    rid += 1
                    vname = place_name(rng, used, "社区" if k <= 3 else "村")
                    regions.append((rid, vcode, vname, 5, town_id))
                    gid += 1
                    grids.append((gid, vcode + "001", vname + "第1网格", vcode, rid))
    copy_rows(conn, "grid_region", ("id", "code", "name", "level", "parent_id"),
              ((str(a), b, n, str(lv), "\\N" if p is None else str(p)) for a, b, n, lv, p in regions))
    copy_rows(conn, "grid_unit", ("id", "kind", "code", "name", "region_code", "level", "duties", "phone", "address",
                                  "org_type", "languages", "is_legal_aid", "is_active", "region_id"),
              ((str(a), k, code, n, rc, str(lv), "", "", "", "peoples" if k == "mediation" else "",
                "普通话" if k == "mediation" else "", "f", "t", str(r)) for a, k, code, n, rc, lv, r in units))
    copy_rows(conn, "grid_grid", ("id", "code", "name", "kind", "special_type", "region_code", "village_id"),
              ((str(a), code, n, "comprehensive", "", rc, str(v)) for a, code, n, rc, v in grids))
    # Staff: two handlers per department, two staff per county centre.
    cur.execute("SELECT id, kind FROM grid_unit WHERE (kind = 'department' OR (kind = 'centre' AND level = 3))")
    staff = []
    for unit_id, kind in cur.fetchall():
        role = "dept_handler" if kind == "department" else "centre_staff"
        for j in (1, 2):
            staff.append((f"bh{unit_id}_{j}", role, unit_id))
    now = ts(int(time.time()))
    copy_rows(conn, "grid_user", ("password", "is_superuser", "username", "display_name", "role", "is_staff",
                                  "is_active", "date_joined", "unit_id"),
              (("!", "f", u, rng.choice(vocab.SURNAMES) + rng.choice(vocab.GIVEN), role, "t", "t", now, str(unit))
               for u, role, unit in staff))
    # Citizens: one per five appeals, each living in one county (phones 15xxxxxxxxx).
    cur.execute("SELECT code FROM grid_region WHERE level = 3 ORDER BY code")
    counties = [r[0] for r in cur.fetchall()]
    n_cit = max(2000, n_appeals // 5)
    copy_rows(conn, "grid_user", ("password", "is_superuser", "username", "phone", "display_name", "role",
                                  "is_staff", "is_active", "date_joined"),
              (("!", "f", f"bc{i}", f"15{i:09d}", rng.choice(vocab.SURNAMES) + rng.choice(vocab.GIVEN), "citizen",
                "f", "t", now) for i in range(n_cit)))
    for table in ("grid_region", "grid_unit", "grid_grid", "grid_user"):
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    conn.commit()
    conn.close()
    print(f"province: {len(regions):,} regions, {len(units):,} units, {len(grids):,} grids, {len(staff):,} staff, "
          f"{n_cit:,} citizens in {len(counties)} counties", flush=True)


def load_world(seed: int) -> dict:
    """Everything the workers need, as plain data (picklable)."""
    rng = random.Random(seed + 1)
    with connection.cursor() as cur:
        cur.execute("SELECT id, code, name FROM grid_region WHERE level = 5 ORDER BY code")
        villages = cur.fetchall()
        cur.execute("SELECT id, code, name FROM grid_region WHERE level = 3 ORDER BY code")
        counties = cur.fetchall()
        cur.execute("SELECT village_id, id FROM grid_grid WHERE kind = 'comprehensive' ORDER BY id")
        grids: dict[int, list[int]] = {}
        for v, g in cur.fetchall():
            grids.setdefault(v, []).append(g)
        cur.execute("SELECT id, code FROM grid_grid")
        grid_code = dict(cur.fetchall())
        cur.execute("SELECT id, kind, level, region_code, code FROM grid_unit WHERE is_active ORDER BY id")
        units = cur.fetchall()
        cur.execute("SELECT id, unit_id, role FROM grid_user WHERE role IN ('dept_handler', 'centre_staff') "
                    "AND unit_id IS NOT NULL ORDER BY id")
        staff: dict[int, list[int]] = {}
        for u, unit, _role in cur.fetchall():
            staff.setdefault(unit, []).append(u)
        cur.execute("SELECT id, phone FROM grid_user WHERE username LIKE 'bc%%' ORDER BY id")
        citizens = cur.fetchall()
        cur.execute("SELECT id FROM grid_user WHERE username = '13800000001'")
        zhang = cur.fetchone()
        cur.execute("SELECT id, code FROM grievances_category WHERE \"group\" = 'dispute' ORDER BY sort_order")
        cats = cur.fetchall()
        cur.execute("SELECT 1 FROM information_schema.columns WHERE table_name = 'grievances_grievance' "
                    "AND column_name = 'search_bigrams'")
        bigrams = cur.fetchone() is not None
    county_of = {}
    centres = {}
    depts: dict[str, list[int]] = {}
    mediators: dict[str, list[int]] = {}
    for uid, kind, level, rcode, _code in units:
        if kind == "centre" and level == 3:
            centres[rcode[:6]] = uid
        elif kind == "department":
            depts.setdefault(rcode[:6], []).append(uid)
        elif kind == "mediation":
            mediators.setdefault(rcode[:6], []).append(uid)
    city_mediators = [uid for uid, kind, level, rcode, _c in units if kind == "mediation" and rcode.startswith("4390")]
    for c in ("439001", "439002", "439003"):
        mediators.setdefault(c, city_mediators)
    # County sizes differ a lot (urban districts busiest); the demo's 东湖区 is a busy one.
    cweight = {}
    for _id, code, _name in counties:
        w = rng.lognormvariate(0, 0.6)
        if code[:6] == "439001":
            w = 2.0
        cweight[code[:6]] = w
    vweights = [cweight[code[:6]] * rng.uniform(0.4, 1.6) for _id, code, _n in villages]
    for vid, code, _n in villages:
        county_of[vid] = code[:6]
    # citizens split among counties by weight
    county_codes = [c[1][:6] for c in counties]
    tot = sum(cweight[c] for c in county_codes)
    pools: dict[str, list[tuple[int, str]]] = {}
    i = 0
    for c in county_codes:
        k = max(1, int(len(citizens) * cweight[c] / tot))
        pools[c] = citizens[i:i + k] or citizens[:1]
        i += k
    return {
        "villages": villages, "vweights": vweights, "grids": grids, "grid_code": grid_code, "centres": centres,
        "depts": depts, "mediators": mediators, "staff": staff, "pools": pools, "zhang": zhang[0] if zhang else None,
        "cats": cats, "county_codes": county_codes, "bigrams": bigrams,
    }


# --------------------------------------------------------------------------- the plan


def plan(n: int, seed: int, end_day: date, years: int = 3) -> list[tuple[int, int]]:
    """(local day number, appeals that day) over ``years`` years ending at ``end_day``."""
    rng = random.Random(seed + 2)
    days = [end_day - timedelta(days=i) for i in range(365 * years)][::-1]
    w = []
    for i, d in enumerate(days):
        trend = 0.8 + 0.4 * i / len(days)
        season = 1 + 0.12 * math.sin(2 * math.pi * (d.timetuple().tm_yday - 30) / 365)
        w.append(trend * season * WEEKDAY_W[d.weekday()] * rng.uniform(0.9, 1.1))
    total = sum(w)
    raw = [n * x / total for x in w]
    counts = [int(x) for x in raw]
    rest = n - sum(counts)
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[:rest]:
        counts[i] += 1
    epoch = date(1970, 1, 1)
    return [((d - epoch).days, c) for d, c in zip(days, counts, strict=False)]


# --------------------------------------------------------------------------- one worker

G_COLS = ("id", "tracking_no", "kind", "category_id", "severity", "risk_level", "channel", "state", "version",
          "region_id", "region_code", "grid_id", "address", "latitude", "longitude", "title", "description",
          "reporter_id", "contact_name", "contact_phone", "hide_identity", "centre_id", "first_unit_id",
          "handling_unit_id", "handler_id", "return_count", "supervision_count", "is_joint", "is_mass",
          "is_difficult", "has_leader_instruction", "satisfaction", "reject_reason", "guidance", "result",
          "created_at", "updated_at", "accepted_at", "dispatched_at", "signed_at", "completed_at", "verified_at",
          "closed_at", "due_at")
E_COLS = ("grievance_id", "actor_id", "action", "from_state", "to_state", "unit_id", "note", "public", "created_at")
C_COLS = ("grievance_id", "region_code", "kind", "severity", "rules", "submitted_at", "centre_started_at",
          "centre_done_at", "accepted_at", "dispatched_at", "signed_at", "interim_at", "completed_at", "verified_at",
          "is_open", "centre_due", "sign_due", "interim_due", "completion_due", "rating_due", "due_at", "due_code",
          "next_due", "overdue_count", "updated_at", "centre_id", "unit_id")
A_COLS = ("clock_id", "deadline", "action", "due", "created_at")
F_COLS = ("grievance_id", "day", "region_code", "grid_code", "kind", "category_id", "severity", "channel", "unit_id",
          "cell", "person", "counts")
COH_COLS = ("grievance_id", "unit_id", "created_at", "state")
R_COLS = ("grievance_id", "satisfaction", "professionalism", "comment", "created_at", "rated_by_id", "method")
S_COLS = ("grievance_id", "kind", "note", "created_at", "issued_by_id", "unit_id")
M_COLS = ("id", "grievance_id", "organisation_id", "state", "region_code", "facts", "opened_at", "ended_at",
          "outcome_note", "guidance", "termination_reason", "mediator_count", "performance_supervised", "opened_by_id")
P_COLS = ("case_id", "side", "name", "phone", "address", "id_number", "user_id")


def bigrams_tsvector(title: str, description: str) -> str:
    """``grv_bigrams(title, description)`` of migration grievances 0013, as tsvector text."""
    s = " ".join((title + " " + description).upper().split())
    tokens = {ch for ch in s if ch != " "}
    tokens.update(s[i:i + 2] for i in range(len(s) - 1) if s[i] != " " and s[i + 1] != " ")
    return " ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in tokens).replace("\\", "\\\\")


class Sink:
    """One COPY stream per table, each on its own connection, written as rows come."""

    def __init__(self, bigrams: bool = False):
        self.conns, self.copies, self.bufs, self.ctx = {}, {}, {}, []
        specs = {"g": ("grievances_grievance", G_COLS + (("search_bigrams",) if bigrams else ())), "e": ("grievances_grievanceevent", E_COLS),
                 "c": ("deadlines_clock", C_COLS), "a": ("deadlines_clockaction", A_COLS),
                 "f": ("analysis_grievancefact", F_COLS), "h": ("grievances_cohandling", COH_COLS),
                 "r": ("grievances_rating", R_COLS), "s": ("grievances_supervisionorder", S_COLS),
                 "m": ("mediation_mediationcase", M_COLS), "p": ("mediation_party", P_COLS)}
        for key, (table, cols) in specs.items():
            conn = pg()
            conn.execute("SET session_replication_role = replica")
            cur = conn.cursor()
            ctx = cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN")
            self.conns[key], self.copies[key], self.bufs[key] = conn, ctx.__enter__(), []
            self.ctx.append((key, ctx))

    def add(self, key: str, row) -> None:
        buf = self.bufs[key]
        buf.append("\t".join(row))
        if len(buf) >= 4000:
            self.copies[key].write("\n".join(buf) + "\n")
            buf.clear()

    def close(self) -> None:
        for key, ctx in self.ctx:
            if self.bufs[key]:
                self.copies[key].write("\n".join(self.bufs[key]) + "\n")
            ctx.__exit__(None, None, None)
            self.conns[key].commit()
            self.conns[key].close()


def work(args) -> tuple[int, int]:
    k, workers, world, day_plan, now_e, seed, case_base = args
    django.db.connections.close_all()
    rng = random.Random(seed * 1000 + k)
    villages = [v for v in world["villages"] if world["county_codes"].index(v[1][:6]) % workers == k]
    vweights = [w for v, w in zip(world["villages"], world["vweights"], strict=False)
                if world["county_codes"].index(v[1][:6]) % workers == k]
    cum = []
    acc = 0.0
    for w in vweights:
        acc += w
        cum.append(acc)
    cats = world["cats"]
    cat_ids = [c[0] for c in cats]
    cat_codes = {c[0]: c[1] for c in cats}
    cat_w = [CATEGORY_WEIGHTS.get(c[1], 2) for c in cats]
    kinds, kind_w = zip(*KINDS, strict=False)
    channels, chan_w = zip(*CHANNELS, strict=False)
    grids, grid_code, centres, depts = world["grids"], world["grid_code"], world["centres"], world["depts"]
    staff, pools, mediators, zhang = world["staff"], world["pools"], world["mediators"], world["zhang"]
    bigrams = world["bigrams"]
    sink = Sink(bigrams)
    last_person: dict[str, int] = {}
    last_place: dict[tuple, int] = {}
    n_events = 0
    case_id = case_base + k
    written = 0
    texts = vocab.CATEGORY_TEXT
    for ld, base_id, count in day_plan:
        if not count:
            continue
        hours = rng.choices(range(24), weights=HOUR_W, k=count)
        secs = sorted(ld * DAY - CST + h * 3600 + rng.randrange(3600) for h in hours)
        vs = rng.choices(villages, cum_weights=cum, k=count)
        ks = rng.choices(kinds, weights=kind_w, k=count)
        chs = rng.choices(channels, weights=chan_w, k=count)
        cs = rng.choices(cat_ids, weights=cat_w, k=count)
        dstr = (date(1970, 1, 1) + timedelta(days=ld)).strftime("%Y%m%d")
        for j in range(count):
            gid = base_id + j
            c = secs[j]
            if c >= now_e:
                c = now_e - rng.randrange(60, 3600)
            vid, vcode, vname = vs[j]
            county = vcode[:6]
            kind, channel, cat = ks[j], chs[j], cs[j]
            ccode = cat_codes[cat]
            seq = gid - base_id + 1 + k * 20000 if workers > 1 else gid - base_id + 1
            tracking = dstr + f"{seq:05d}"
            tracking += damm(tracking)
            pool = pools[county]
            reporter = None
            if channel == "web":
                reporter, phone = pool[rng.randrange(len(pool))]
                if zhang and county == "439001" and rng.random() < 0.002:
                    reporter, phone = zhang, "13800000001"
            elif rng.random() < 0.7:
                phone = pool[rng.randrange(len(pool))][1]
            else:
                phone = f"13{rng.randrange(10**9):09d}"
            person = f"u{reporter}" if reporter else f"p{phone}"
            centre = centres[county]
            county_depts = depts[county]
            # text
            t_titles, t_descs, t_words = texts.get(ccode, vocab.GENERIC_TEXT)
            place = rng.choice(vocab.ESTATES) if rng.random() < 0.6 else vname
            fill = {
                "place": place, "road": rng.choice(vocab.ROAD_WORDS), "co": rng.choice(vocab.COMPANIES),
                "name": rng.choice(vocab.SURNAMES) + rng.choice(vocab.GIVEN), "n": str(rng.randint(1, 30)),
                "d": rng.choice(vocab.DURATIONS), "m": str(rng.randint(2, 300) * 100),
                "w": rng.choice(t_words["w"]), "x": rng.choice(t_words["x"]),
            }
            title = rng.choice(t_titles).format(**fill)[:100]
            desc = rng.choice(t_descs).format(**fill)
            address = f"{vname}{fill['road']}{rng.randint(1, 300)}号"
            lat = lng = None
            cell = ""
            if channel in ("patrol", "web") and rng.random() < 0.5:
                lat = round(25.0 + int(vcode[2:4]) * 0.15 + int(vcode[6:9]) * 0.01 + rng.random() * 0.02, 6)
                lng = round(112.0 + int(vcode[4:6]) * 0.1 + rng.random() * 0.02, 6)
                cell = f"{lat:.2f},{lng:.2f}"
            grid = rng.choice(grids[vid]) if vid in grids else None
            # ---- the life of the appeal
            events = [(c, reporter, "submitted", "", "submitted", centre, "", "t")]
            actions = []  # (deadline, due, created)
            orders = []
            state = "submitted"
            severity = ""
            accepted = dispatched = signed = interim = completed = verified = closed = None
            first_unit = unit = handler = None
            return_count = supervision = 0
            satisfaction = ""
            unsatisfied = sent_back = 0
            reject_reason = guidance = result = ""
            rated_at = None
            if rng.random() < 0.97:
                resp = next_working_moment(c, rng) + int(rng.expovariate(1 / 5400))
            else:
                resp = c + rng.randrange(DAY + 600, 3 * DAY)
            centre_due = c + DAY
            if resp > centre_due and centre_due < now_e:
                actions.append(("centre", centre_due, centre_due + 60))
            rejected = resp <= now_e and rng.random() < 0.04
            if rejected:
                state, closed = "rejected", resp
                reject_reason = "不属于受理范围，已告知当事人通过诉讼途径解决。"
                events.append((resp, None, "rejected", "submitted", "rejected", centre, reject_reason, "t"))
            elif resp <= now_e:
                accepted, state = resp, "accepted"
                severity = rng.choices(("simple", "ordinary", "major", "grave"), weights=(50, 40, 8, 2))[0]
                events.append((resp, None, "accepted", "submitted", "accepted", centre, "", "t"))
                d_at = resp + 300 + int(rng.expovariate(1 / 5400))
                if d_at <= now_e:
                    dept_i = CAT_DEPT.get(ccode, 9) if rng.random() < 0.8 else rng.randrange(len(county_depts))
                    unit = first_unit = county_depts[dept_i % len(county_depts)]
                    dispatched, state = d_at, "dispatched"
                    events.append((d_at, None, "dispatched", "accepted", "dispatched", unit, "", "t"))
                    if rng.random() < 0.02:  # the unit asks to return it; the centre sends it elsewhere
                        r_at = d_at + rng.randrange(3600, 20 * 3600)
                        if r_at + 7200 <= now_e:
                            events.append((r_at, None, "return_requested", "dispatched", "dispatched", unit,
                                           "不属于本单位职责。", "f"))
                            events.append((r_at + 3600, None, "return_approved", "dispatched", "accepted", centre,
                                           "", "f"))
                            unit = county_depts[(county_depts.index(unit) + 1 + rng.randrange(len(county_depts) - 1))
                                                % len(county_depts)]
                            dispatched = r_at + 7200
                            return_count = 1
                            events.append((dispatched, None, "dispatched", "accepted", "dispatched", unit, "", "t"))
            s_due = i_due = comp_due = r_due = None
            if dispatched is not None:
                s_due = sign_due(dispatched)
                i_due = end_of_local_day(dispatched, 3)
                comp_due = end_of_local_day(dispatched, 7)
                if rng.random() < 0.95:
                    s_at = dispatched + int(min(rng.expovariate(1 / 7200) + 300, (s_due - dispatched) * 0.95))
                else:
                    s_at = s_due + int(rng.expovariate(1 / 36000))
                if s_due < min(s_at, now_e):
                    actions.append(("sign", s_due, s_due + 120))
                hs = staff.get(unit) or [None]
                handler = hs[rng.randrange(len(hs))]
                if s_at <= now_e:
                    signed, state = s_at, "handling"
                    events.append((s_at, handler, "signed", "dispatched", "handling", unit, "已签收", "t"))
                    dur = int(rng.lognormvariate(math.log(2.2 * DAY), 0.8))
                    comp_at = s_at + dur
                    if comp_at > i_due - 1800 or rng.random() < 0.2:
                        i_at = s_at + int(rng.uniform(0.2, 1.0) * max(i_due - s_at, 3600))
                        if rng.random() < 0.06:
                            i_at = i_due + rng.randrange(3600, DAY)
                        if i_at < comp_at and i_at <= now_e:
                            interim = i_at
                            events.append((i_at, handler, "interim_reply", "handling", "handling", unit,
                                           "正在协调处理中。", "t"))
                    if i_due < min(interim or comp_at, comp_at, now_e):
                        actions.append(("interim", i_due, i_due + 120))
                    if comp_due < min(comp_at, now_e):
                        actions.append(("completion", comp_due, comp_due + 120))
                        supervision += 1
                        orders.append((comp_due + 300, "overdue"))
                        events.append((comp_due + 300, None, "supervised", "handling", "handling", centre,
                                       "超时督办", "f"))
                    if comp_at <= now_e:
                        completed, state = comp_at, "completed"
                        result = rng.choice(vocab.RESULTS)
                        events.append((comp_at, handler, "completed", "handling", "completed", unit, result, "t"))
                        v_at = comp_at + 1800 + int(rng.expovariate(1 / 43200))
                        if rng.random() < 0.03 and v_at + DAY <= now_e:  # the centre sends it back once
                            events.append((v_at, None, "sent_back", "completed", "handling", centre,
                                           "办理结果不完整，退回重办。", "f"))
                            sent_back = 1
                            comp_at = v_at + rng.randrange(3600, DAY)
                            completed = comp_at
                            events.append((comp_at, handler, "completed", "handling", "completed", unit, result, "t"))
                            v_at = comp_at + 1800 + int(rng.expovariate(1 / 43200))
                        if v_at <= now_e:
                            verified, state = v_at, "verified"
                            events.append((v_at, None, "verified", "completed", "verified", centre, "", "t"))
                            r_due = end_of_local_day(v_at, 7)
                            if rng.random() < 0.8:
                                rated_at = v_at + int(min(rng.expovariate(1 / 100000), r_due - v_at - 60))
                                satisfaction = rng.choices(("satisfied", "basic", "unsatisfied"),
                                                           weights=(75, 18, 7))[0]
                            if rated_at is not None and rated_at <= now_e:
                                act = "rated_unsatisfied" if satisfaction == "unsatisfied" else "rated_satisfied"
                                events.append((rated_at, reporter, act, "verified", "verified", None, "", "t"))
                                close_at = rated_at + 60
                                if satisfaction == "unsatisfied":
                                    unsatisfied = 1
                                    supervision += 1
                                    orders.append((rated_at + 600, "second"))
                                    events.append((rated_at + 600, None, "supervised", "verified", "verified", centre,
                                                   "二次督办", "f"))
                                    close_at = rated_at + 2 * DAY
                                if close_at <= now_e:
                                    closed, state = close_at, "closed"
                                    events.append((close_at, None, "closed", "verified", "closed", centre, "", "t"))
                            elif rated_at is None and r_due <= now_e:
                                closed, state = r_due + 120, "closed"
                                events.append((closed, None, "auto_closed", "verified", "closed", centre, "", "t"))
                            if rated_at is not None and rated_at > now_e:
                                satisfaction = ""
                                rated_at = None
                            if state != "closed" and rated_at is not None:
                                pass
            if state in ("submitted", "accepted", "dispatched", "handling", "completed", "verified") and not rated_at:
                satisfaction = satisfaction if rated_at else ""
            is_joint = unit is not None and rng.random() < 0.01
            # clock
            is_open = state not in ("rejected", "closed")
            overdue_codes = {a[0] for a in actions}
            due_code, due_at, next_due = "", None, None
            if is_open:
                if state == "submitted":
                    due_code, due_at = "centre", centre_due
                elif state == "accepted":
                    due_code, due_at = "centre", centre_due
                elif state == "dispatched":
                    due_code, due_at = "sign", s_due
                elif state == "handling":
                    if interim is None and i_due and i_due > now_e:
                        due_code, due_at = "interim", i_due
                    else:
                        due_code, due_at = "completion", comp_due
                elif state == "completed":
                    due_code, due_at = "completion", comp_due
                elif state == "verified":
                    due_code, due_at = "rating", r_due
                if due_at is not None:
                    for point in (due_at - DAY, due_at - 7200, due_at):
                        if point > now_e:
                            next_due = point
                            break
            # ---- rows
            events.sort(key=lambda ev: ev[0])
            updated = events[-1][0]
            sev = severity
            g_row = (
                str(gid), tracking, kind, str(cat), sev, "", channel, state, "1", str(vid), vcode,
                str(grid) if grid else "\\N", address, "\\N" if lat is None else f"{lat:.6f}",
                "\\N" if lng is None else f"{lng:.6f}", title, desc, str(reporter) if reporter else "\\N",
                fill["name"], phone, "f", str(centre), str(first_unit) if first_unit else "\\N",
                str(unit) if unit and state not in ("submitted", "rejected") else "\\N",
                str(handler) if handler and signed else "\\N", str(return_count), str(supervision),
                "t" if is_joint else "f", "f", "f", "f", satisfaction, reject_reason, guidance, result,
                ts(c), ts(updated), tsn(accepted), tsn(dispatched), tsn(signed), tsn(completed), tsn(verified),
                tsn(closed), tsn(due_at),
            )
            if bigrams:
                g_row += (bigrams_tsvector(title, desc),)
            sink.add("g", g_row)
            for e_at, actor, action, fs, tst, eu, note, pub in events:
                sink.add("e", (str(gid), str(actor) if actor else "\\N", action, fs, tst,
                               str(eu) if eu else "\\N", note, pub, ts(e_at)))
            n_events += len(events)
            for dl, due, created in actions:
                sink.add("a", (str(gid), dl, "overdue", ts(due), ts(created)))
            for o_at, okind in orders:
                sink.add("s", (str(gid), okind, "请加快办理。", ts(o_at), "\\N", str(unit) if unit else "\\N"))
            if rated_at is not None:
                sink.add("r", (str(gid), satisfaction, str(rng.randint(3, 5)), "", ts(rated_at),
                               str(reporter) if reporter else "\\N", "online" if reporter else "phone"))
            if unit is not None and rng.random() < 0.06 and len(county_depts) > 1:
                other = county_depts[rng.randrange(len(county_depts))]
                if other != unit:
                    sink.add("h", (str(gid), str(other), ts(dispatched), state))
            sink.add("c", (
                str(gid), vcode, kind, sev, RULES, ts(c), ts(c), tsn(accepted or (closed if rejected else None)),
                tsn(accepted), tsn(dispatched), tsn(signed), tsn(interim), tsn(completed), tsn(verified),
                "t" if is_open else "f", ts(centre_due), tsn(s_due), tsn(i_due), tsn(comp_due), tsn(r_due),
                tsn(due_at), due_code, tsn(next_due), str(len(actions)), ts(updated), str(centre),
                str(unit) if unit else "\\N",
            ))
            # mediation case
            if kind == "dispute" and ccode in MEDIATED and accepted and rng.random() < 0.15:
                orgs = mediators.get(county) or [centre]
                case_id += workers
                age = now_e - accepted
                mstate = ("mediating" if age < 10 * DAY else
                          rng.choices(("succeeded", "failed", "terminated"), weights=(78, 15, 7))[0])
                ended = None if mstate == "mediating" else accepted + rng.randrange(DAY, 10 * DAY)
                sink.add("m", (str(case_id), str(gid), str(orgs[rng.randrange(len(orgs))]), mstate, vcode, desc,
                               ts(accepted + 3600), tsn(ended), "达成调解协议。" if mstate == "succeeded" else "", "",
                               "", "0", "f", "\\N"))
                sink.add("p", (str(case_id), "applicant", fill["name"], phone, address, "",
                               str(reporter) if reporter else "\\N"))
                sink.add("p", (str(case_id), "respondent", rng.choice(vocab.SURNAMES) + rng.choice(vocab.GIVEN),
                               f"13{rng.randrange(10**9):09d}", address, "", "\\N"))
            # analysis fact (analysis.facts.compute, same counters)
            done = state in ("completed", "verified", "closed")
            responded_at = accepted or (closed if rejected else None)
            ov = bool(overdue_codes & {"sign", "interim", "completion"})
            cn = {"n": 1}
            if rejected:
                cn["rejected"] = 1
            if accepted:
                cn["accepted"] = 1
            if first_unit:
                cn["dispatched"] = 1
            if is_open:
                cn["open"] = 1
            if done:
                cn["completed"] = 1
            if state == "closed":
                cn["closed"] = 1
            if responded_at is not None:
                cn["responded"] = 1
                if responded_at - c <= DAY:
                    cn["responded_24h"] = 1
            if signed is not None or "sign" in overdue_codes:
                cn["sign_due"] = 1
            if signed is not None and "sign" not in overdue_codes:
                cn["sign_on_time"] = 1
            if interim is not None or done or "interim" in overdue_codes:
                cn["interim_due"] = 1
            if (interim is not None or done) and "interim" not in overdue_codes:
                cn["interim_on_time"] = 1
            if done or "completion" in overdue_codes:
                cn["completion_due"] = 1
            if done and "completion" not in overdue_codes:
                cn["completion_on_time"] = 1
            if ov:
                cn["overdue"] = 1
                if is_open:
                    cn["overdue_open"] = 1
            if satisfaction:
                cn["rated"] = 1
                if satisfaction in ("satisfied", "basic"):
                    cn["satisfied"] = 1
            if unsatisfied:
                cn["second_supervision"] = unsatisfied
            if state == "closed" and not unsatisfied and not sent_back:
                cn["first_resolved"] = 1
            if return_count:
                cn["returned"] = 1
            if supervision:
                cn["supervised"] = 1
            if sev in ("major", "grave"):
                cn["major"] = 1
            lday = local_day(c)
            pk = (vcode, cat)
            lp, lq = last_person.get(person), last_place.get(pk)
            if (lp is not None and lday - lp <= 30) or (lq is not None and lday - lq <= 30):
                cn["repeat"] = 1
            last_person[person] = lday
            last_place[pk] = lday
            if done and completed is not None:
                minutes = max((completed - c) // 60, 0)
                cn["dur_n"], cn["dur_minutes"], cn[bucket(minutes)] = 1, minutes, 1
            counts = "{" + ", ".join(f'"{m}": {v}' for m, v in cn.items()) + "}"
            sink.add("f", (str(gid), (date(1970, 1, 1) + timedelta(days=lday)).isoformat(), vcode,
                           grid_code.get(grid, "") if grid else "", kind, str(cat), sev, channel,
                           str(unit) if unit and state not in ("submitted", "rejected") else "\\N", cell, person,
                           counts))
            written += 1
        if written and k == 0 and ld % 30 == 0:
            print(f"  worker {k}: {written:,} appeals, {n_events:,} events", flush=True)
    sink.close()
    return written, n_events


# --------------------------------------------------------------------------- indexes, rollups


def secondary_indexes(cur, tables=BIG_TABLES) -> list[tuple[str, str]]:
    cur.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' AND i.tablename = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        [list(tables)],
    )
    return cur.fetchall()


def meta_get(cur, key: str, default=None):
    cur.execute("CREATE TABLE IF NOT EXISTS bench_fill_meta (key text PRIMARY KEY, value text NOT NULL)")
    cur.execute("SELECT value FROM bench_fill_meta WHERE key = %s", [key])
    row = cur.fetchone()
    return row[0] if row else default


def meta_set(cur, key: str, value) -> None:
    cur.execute("CREATE TABLE IF NOT EXISTS bench_fill_meta (key text PRIMARY KEY, value text NOT NULL)")
    cur.execute("INSERT INTO bench_fill_meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, str(value)])


def drop_indexes(conn, tables=BIG_TABLES) -> int:
    """Drop the secondary indexes of ``tables``, remembering their definitions in
    ``bench_fill_meta`` (so a later step, or another run, can build them)."""
    cur = conn.cursor()
    drops = secondary_indexes(cur, tables)
    for name, definition in drops:
        meta_set(cur, f"index:{name}", definition)
        cur.execute(f'DROP INDEX IF EXISTS "{name}"')
    conn.commit()
    return len(drops)


def parallel(jobs, fn, connections: int = 2) -> None:
    """Run ``fn(conn, job)`` for every job on ``connections`` connections at once (threads:
    the work is in PostgreSQL). Each job commits."""
    import queue
    import threading

    todo: queue.Queue = queue.Queue()
    for job in jobs:
        todo.put(job)
    errors = []

    def run():
        conn = pg()
        conn.execute("SET session_replication_role = replica")
        conn.commit()
        try:
            while not errors:
                try:
                    job = todo.get_nowait()
                except queue.Empty:
                    return
                fn(conn, job)
                conn.commit()
        except Exception as exc:  # noqa: BLE001  (re-raised below, in the caller)
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def build_indexes(connections: int = 2) -> int:
    """Build the indexes remembered by ``drop_indexes``, two at a time, biggest first."""
    conn = pg()
    cur = conn.cursor()
    cur.execute("CREATE TABLE IF NOT EXISTS bench_fill_meta (key text PRIMARY KEY, value text NOT NULL)")
    cur.execute("SELECT key, value, (SELECT pg_total_relation_size(quote_ident(substring(value from ' ON public\\.(\\w+)')))"
                ") AS size FROM bench_fill_meta WHERE key LIKE 'index:%%' ORDER BY size DESC NULLS LAST")
    todo = [(k[6:], v) for k, v, _size in cur.fetchall()]
    conn.close()

    parallel(todo, lambda c, job: build_index(c, *job), connections)
    return len(todo)


def build_index(c, name: str, definition: str) -> None:
    """One remembered index (with two parallel workers where PostgreSQL can: B-trees)."""
    t = time.perf_counter()
    cur = c.cursor()
    cur.execute("SET maintenance_work_mem = '1GB'")
    cur.execute("SET max_parallel_maintenance_workers = 2")
    cur.execute(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
                .replace("CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS ", 1))
    cur.execute("DELETE FROM bench_fill_meta WHERE key = %s", [f"index:{name}"])
    print(f"  index {name}: {time.perf_counter() - t:.0f} s", flush=True)


def set_sequences(cur) -> None:
    for table in ("grievances_grievance", "mediation_mediationcase", "grievances_grievanceevent",
                  "deadlines_clockaction", "grievances_cohandling", "grievances_rating",
                  "grievances_supervisionorder", "mediation_party", "analysis_rollup"):
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(max(id), 1) FROM {table}))")


def build_rollups(weight: int | None = None, connections: int = 2) -> int:
    """All rollup rows from the stored facts, grouped in SQL, a month of days at a time on
    two connections (each month's grouping fits in memory; the rollup table's indexes are
    dropped meanwhile and built after). The facts' counters are unpacked once into a wide
    unlogged table; per month, one GROUPING SETS statement per scope level (the same rows as
    ``analysis.facts.keys``; ``analysis.rollups.rebuild`` gives the same), once by day for
    the day rows and once for the whole month for its month rows (dims "m:…"); then the
    year rows (dims "y:…") from the month rows.

    ``weight`` > 1 (default after ``amplify``: its factor): only the base's facts are grouped,
    the generated ones counted ``weight`` times — the copies' facts are the base's, so this
    equals grouping all facts (checked in benchmarks/README.md)."""
    from analysis import facts as F
    from analysis.models import METRICS

    conn = pg()
    cur = conn.cursor()
    lo, hi = int(meta_get(cur, "base_lo", 0)), int(meta_get(cur, "base_hi", 0))
    if weight is None:
        weight = int(meta_get(cur, "amplified", 1))
    base_only = weight > 1
    if base_only and not hi:
        raise SystemExit("no base range recorded: amplify first")
    w = f"(CASE WHEN grievance_id BETWEEN {lo} AND {hi} THEN {weight} ELSE 1 END)" if base_only else "1"
    cur.execute("DROP TABLE IF EXISTS bench_fact_wide")
    cols = ", ".join(f"COALESCE((counts->>'{m}')::bigint, 0) * {w} AS {m}" for m in METRICS)
    where = f"WHERE grievance_id <= {hi}" if base_only else ""
    t = time.perf_counter()
    cur.execute(f"CREATE UNLOGGED TABLE bench_fact_wide AS SELECT day, region_code, grid_code, kind, "
                f"COALESCE(category_id::text, '') AS category, severity, channel, "
                f"COALESCE(unit_id::text, '') AS unit, cell, {cols} FROM analysis_grievancefact {where} ORDER BY day")
    cur.execute("CREATE INDEX ON bench_fact_wide (day)")
    cur.execute("ANALYZE bench_fact_wide")
    # The rollup table empty and without its secondary indexes while it is written.
    cur.execute("SELECT i.indexname, i.indexdef, c.conname IS NOT NULL FROM pg_indexes i "
                "LEFT JOIN pg_constraint c ON c.conname = i.indexname AND c.contype = 'u' "
                "WHERE i.tablename = 'analysis_rollup' AND i.indexname <> 'analysis_rollup_pkey'")
    rollup_indexes = cur.fetchall()
    for name, definition, is_constraint in rollup_indexes:  # kept, in case this run is interrupted
        meta_set(cur, f"rollupindex:{name}", f"{int(is_constraint)}{definition}")
    conn.commit()
    cur.execute("SELECT substr(key, 13), substr(value, 2), value LIKE '1%%' FROM bench_fill_meta "
                "WHERE key LIKE 'rollupindex:%%'")
    dropped_before = [r for r in cur.fetchall() if r[0] not in {i[0] for i in rollup_indexes}]
    cur.execute("TRUNCATE analysis_rollup")
    for name, _def, is_constraint in rollup_indexes:
        cur.execute(f'ALTER TABLE analysis_rollup DROP CONSTRAINT "{name}"' if is_constraint
                    else f'DROP INDEX "{name}"')
    cur.execute("SELECT min(day), max(day) FROM bench_fact_wide")
    first, last = cur.fetchone()
    conn.commit()
    print(f"  rollups: facts unpacked in {time.perf_counter() - t:.0f} s", flush=True)
    months = []
    if first is not None:
        m = first.replace(day=1)
        while m <= last:
            nxt = (m + timedelta(days=32)).replace(day=1)
            months.append((m, nxt))
            m = nxt

    sums = ", ".join(f"SUM({m})" for m in METRICS)
    dims = ("kind", "category", "severity", "channel", "unit", "cell")
    sets = ", ".join(["()"] + [f"({d})" for d in dims])
    grouping = "GROUPING(" + ", ".join(dims) + ")"
    # GROUPING bit order: kind is the highest bit.
    dim_case = "CASE g " + " ".join(
        f"WHEN {(1 << len(dims)) - 1 - (1 << (len(dims) - 1 - i))} THEN '{d}'" for i, d in enumerate(dims)
    ) + " ELSE 'total' END"
    val_case = "CASE g " + " ".join(
        f"WHEN {(1 << len(dims)) - 1 - (1 << (len(dims) - 1 - i))} THEN {d}" for i, d in enumerate(dims)
    ) + " ELSE '' END"
    scopes = [("''", "true")]
    previous = None
    for n in F.REGION_PREFIXES:
        scope = f"substr(region_code, 1, {n}) || '{'0' * (12 - n)}'" if n < 12 else "region_code"
        level = "true" if previous is None else f"rtrim(substr(region_code, {previous + 1}), '0') <> ''"
        scopes.append((scope, level))
        previous = n
    metric_cols = ", ".join(METRICS)
    insert = f"INSERT INTO analysis_rollup (day, scope, dim, value, {metric_cols}) "

    def month(c, job):
        start, end = job
        cur = c.cursor()
        cur.execute("SET work_mem = '256MB'")
        rng = f"day >= '{start}' AND day < '{end}'"
        # Day rows (gday = the day) and month rows (gday = the month's first day, dims
        # "m:<dim>": analysis.facts.MONTH_PREFIX), the same statements for both.
        for gday, p in (("day", ""), (f"DATE '{start}'", F.MONTH_PREFIX)):
            src = f"(SELECT {gday} AS gday, * FROM bench_fact_wide WHERE {rng}) f"
            for scope, cond in scopes:
                cur.execute(
                    insert + f"SELECT gday, scope, '{p}' || {dim_case}, {val_case}, {metric_cols} FROM ("
                    f"  SELECT gday, scope, kind, category, severity, channel, unit, cell, {grouping} AS g, "
                    f"  {', '.join(f'SUM({m}) AS {m}' for m in METRICS)} "
                    f"  FROM (SELECT *, {scope} AS scope FROM {src} WHERE {cond}) w "
                    f"  GROUP BY gday, scope, GROUPING SETS ({sets})) s "
                    f"WHERE NOT (g = {(1 << len(dims)) - 2} AND cell = '')"
                )
            cur.execute(
                insert + f"SELECT gday, grid_code, '{p}total', '', {sums} FROM {src} "
                f"WHERE grid_code <> '' GROUP BY 1, 2 "
                f"UNION ALL SELECT gday, grid_code, '{p}cell', cell, {sums} FROM {src} "
                f"WHERE grid_code <> '' AND cell <> '' GROUP BY 1, 2, 4")
            for d, v in (("total", "''"), *((d, d) for d in F.UNIT_SCOPE_DIMS)):
                cur.execute(
                    insert + f"SELECT gday, 'u' || unit, '{p}{d}', {v}, {sums} FROM {src} "
                    f"WHERE unit <> '' GROUP BY 1, 2, 4")

    t = time.perf_counter()
    parallel(months, month, connections)
    print(f"  rollups: {len(months)} months grouped in {time.perf_counter() - t:.0f} s", flush=True)
    # Year rows (dated 1 January, dims "y:<dim>": analysis.facts.YEAR_PREFIX) from the month
    # rows, every year in one pass over the table (its indexes are not there yet).
    t = time.perf_counter()
    n = len(F.MONTH_PREFIX) + 1
    cur.execute("SET work_mem = '256MB'")
    cur.execute(insert + f"SELECT make_date(extract(year FROM day)::int, 1, 1), scope, "
                f"'{F.YEAR_PREFIX}' || substr(dim, {n}), value, {sums} FROM analysis_rollup "
                f"WHERE dim LIKE '{F.MONTH_PREFIX}%%' GROUP BY 1, scope, dim, value")
    conn.commit()
    print(f"  rollups: year rows grouped in {time.perf_counter() - t:.0f} s", flush=True)
    t = time.perf_counter()

    def index(c, job):
        name, definition, is_constraint = job
        cur = c.cursor()
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("SET max_parallel_maintenance_workers = 1")
        cur.execute(definition)
        if is_constraint:
            cur.execute(f'ALTER TABLE analysis_rollup ADD CONSTRAINT "{name}" UNIQUE USING INDEX "{name}"')

    parallel(rollup_indexes + dropped_before, index, connections)
    cur.execute("DELETE FROM bench_fill_meta WHERE key LIKE 'rollupindex:%%'")
    cur.execute("DROP TABLE bench_fact_wide")
    cur.execute("SELECT count(*) FROM analysis_rollup")
    rows = cur.fetchone()[0]
    conn.commit()
    conn.close()
    print(f"  rollups: indexes in {time.perf_counter() - t:.0f} s", flush=True)
    return rows


def vacuum_analyze(connections: int = 2) -> None:
    """VACUUM ANALYZE every table of the database, biggest first, on two connections."""
    conn = pg()
    cur = conn.cursor()
    cur.execute("SELECT quote_ident(relname) FROM pg_stat_user_tables ORDER BY pg_total_relation_size(relid) DESC")
    tables = [r[0] for r in cur.fetchall()]
    conn.close()

    def one(c, table):
        c.autocommit = True
        c.execute(f"VACUUM ANALYZE {table}")
        c.autocommit = False

    parallel(tables, one, connections)


# --------------------------------------------------------------------------- amplification


# The tracking number's check digit (grievances.tracking.damm_digit) in SQL: t || digit.
DAMM_SQL = """
CREATE OR REPLACE FUNCTION pg_temp.damm(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  m int[] := '{{0,3,1,7,5,9,8,6,4,2},{7,0,9,2,1,5,4,8,6,3},{4,2,0,6,8,7,1,3,5,9},{1,7,5,0,9,8,3,4,2,6},
              {6,1,2,3,0,4,5,9,7,8},{3,6,7,4,2,0,9,5,8,1},{5,8,6,9,7,2,0,1,3,4},{8,9,4,5,3,6,2,0,1,7},
              {9,4,3,8,6,1,7,2,0,5},{2,5,8,1,4,3,6,7,9,0}}';
  i int := 0;
  k int;
BEGIN
  FOR k IN 1..length(t) LOOP
    i := m[i + 1][ascii(substr(t, k, 1)) - 47];
  END LOOP;
  RETURN t || i::text;
END $$"""

AMPLIFIED = (
    # table, its own id column (copy c adds c x the base's max id; None: keyed by the appeal), the column
    # pointing at the appeal (copy c adds c x the number of generated appeals)
    ("grievances_grievance", "id", None),
    ("grievances_grievanceevent", "id", "grievance_id"),
    ("deadlines_clock", None, "grievance_id"),
    ("deadlines_clockaction", "id", "clock_id"),
    ("grievances_cohandling", "id", "grievance_id"),
    ("grievances_rating", "id", "grievance_id"),
    ("grievances_supervisionorder", "id", "grievance_id"),
    ("analysis_grievancefact", None, "grievance_id"),
    ("mediation_mediationcase", "id", "grievance_id"),
    ("mediation_party", "id", None),
)


def amplify(factor: int, connections: int = 2) -> dict:
    """Make this database (a copy of a generated one: ``createdb -T bench1m bench10m``)
    ``factor`` times bigger in SQL: every generated appeal and everything that hangs on it
    (events, clock and clock actions, co-handling, ratings, supervision orders, analysis fact,
    mediation case and parties) copied ``factor - 1`` times with new ids and new valid
    tracking numbers; same texts, places, people and times. Then indexes, rollups (the base's
    facts counted ``factor`` times) and VACUUM ANALYZE."""
    timings = {}
    t0 = time.perf_counter()
    conn = pg()
    cur = conn.cursor()
    lo, hi = int(meta_get(cur, "base_lo", 0)), int(meta_get(cur, "base_hi", 0))
    if not hi:
        raise SystemExit("this database has no generated base recorded (fill it with this fill.py first)")
    if meta_get(cur, "amplified"):
        raise SystemExit("already amplified")  # (an interrupted run resumes: the copies there are kept)
    n = hi - lo + 1
    cur.execute("SELECT max((substr(tracking_no, 9, 5)::int) %% 20000), max(substr(tracking_no, 9, 5)::int / 20000) "
                "FROM grievances_grievance WHERE id BETWEEN %s AND %s", [lo, hi])
    seq_max, worker_max = cur.fetchone()
    stride = (99999 - 30000) // (factor - 1)
    if worker_max > 1 or seq_max >= stride // 2:
        raise SystemExit(f"daily sequences too high to renumber (max {seq_max}, workers {worker_max + 1})")
    cur.execute(f"SELECT max(id), min(id) FROM mediation_mediationcase WHERE grievance_id BETWEEN {lo} AND {hi}")
    case_hi, case_lo = cur.fetchone()
    cur.execute(DAMM_SQL)
    cur.execute("SELECT pg_temp.damm('2026112400042')")
    assert cur.fetchone()[0] == "2026112400042" + damm("2026112400042")
    conn.commit()
    print(f"amplifying appeals {lo:,}..{hi:,} ({n:,}) x{factor}; dropping secondary indexes", flush=True)
    drop_indexes(conn)
    cur.execute("TRUNCATE analysis_rollup")
    conn.commit()
    timings["drop"] = time.perf_counter() - t0
    # Per table: the max id of the base's rows; copy c adds c * that to the ids (kept, so an
    # interrupted run resumes with the same ids).
    offsets = {}
    for table, idcol, gcol in AMPLIFIED:
        if idcol:
            where = (f"{gcol} BETWEEN {lo} AND {hi}" if gcol else
                     f"case_id BETWEEN {case_lo or 0} AND {case_hi or -1}" if table == "mediation_party" else
                     f"id BETWEEN {lo} AND {hi}")
            offsets[table] = int(meta_get(cur, f"offset:{table}", 0))
            if not offsets[table]:
                cur.execute(f"SELECT COALESCE(max({idcol}), 0) FROM {table} WHERE {where}")
                offsets[table] = cur.fetchone()[0]
                meta_set(cur, f"offset:{table}", offsets[table])
    conn.commit()
    cur.execute("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
                "AND table_name = ANY(%s) ORDER BY ordinal_position", [[a[0] for a in AMPLIFIED]])
    columns: dict[str, list[str]] = {}
    for table, column in cur.fetchall():
        columns.setdefault(table, []).append(column)
    conn.close()

    def statement(table: str, idcol, gcol, c: int) -> str:
        exprs = {}
        if idcol:
            # an appeal's copies are n apart (ids lo..hi + c * n), like the columns pointing at it
            exprs[idcol] = f"{idcol} + {c * (n if table == 'grievances_grievance' else offsets[table])}"
        if gcol:
            exprs[gcol] = f"{gcol} + {c * n}"
        where = f"{gcol or 'id'} BETWEEN {lo} AND {hi}"
        if table == "grievances_grievance":
            seq = "substr(tracking_no, 9, 5)::int"
            exprs["tracking_no"] = (f"pg_temp.damm(substr(tracking_no, 1, 8) || lpad(({30000 + (c - 1) * stride} + "
                                    f"({seq} / 20000) * {stride // 2} + {seq} % 20000)::text, 5, '0'))")
        if table == "mediation_party":
            exprs["case_id"] = f"case_id + {c * offsets['mediation_mediationcase']}"
            where = f"case_id BETWEEN {case_lo or 0} AND {case_hi or -1}"
        cols = columns[table]
        select = ", ".join(exprs.get(col, col) for col in cols)
        return f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM {table} WHERE {where}"

    def done(c, table, idcol, gcol, k) -> bool:
        """A copy is one transaction: it is there when any row of its id range is."""
        if idcol and table != "grievances_grievance":
            key, low, high = idcol, k * offsets[table] + 1, (k + 1) * offsets[table]
        else:
            key, low, high = idcol or gcol, lo + k * n, hi + k * n
        cur = c.cursor()
        cur.execute(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE {key} BETWEEN {low} AND {high})")
        return cur.fetchone()[0]

    # One queue, in priority order, on ``connections`` connections: the appeals' copies first so
    # that the GIN index on their text (the longest single build) starts early; the rollups
    # (only the base's facts, counted ``factor`` times) need no copy and run beside; each
    # index once all copies of its table are in; the other copies; the other indexes.
    copies = [("copy", table, idcol, gcol, k) for table, idcol, gcol in AMPLIFIED for k in range(1, factor)]
    conn = pg()
    cur = conn.cursor()
    cur.execute("SELECT substr(key, 7), value, substring(value from ' ON public\\.(\\w+)') FROM bench_fill_meta "
                "WHERE key LIKE 'index:%%'")
    indexes = [("index", name, definition, table) for name, definition, table in cur.fetchall()]
    pending = [j for j in copies if not done(conn, *j[1:])]
    conn.close()
    print(f"{len(copies) - len(pending)} copies already there, {len(pending)} to write; {len(indexes)} indexes",
          flush=True)
    sizes = {"grievances_grievanceevent": 8, "grievances_grievance": 6, "analysis_grievancefact": 3,
             "deadlines_clock": 3}

    def rank(job):
        if job[0] == "copy":
            return (0, job[4]) if job[1] == "grievances_grievance" else (3, -sizes.get(job[1], 0), job[4])
        if job[0] == "rollups":
            return (2,)
        if "USING gin" in job[2]:
            return (1,)
        return (4, -sizes.get(job[3], 0))

    jobs = sorted(pending + indexes + [("rollups",)], key=rank)
    waiting = {t for _k, t, *_rest in pending}
    copies_left = {t: sum(1 for j in pending if j[1] == t) for t in waiting}

    def ready(job) -> bool:
        return job[0] != "index" or not copies_left.get(job[3])

    def run(c, job):
        t = time.perf_counter()
        cur = c.cursor()
        if job[0] == "copy":
            _kind, table, idcol, gcol, k = job
            if table == "grievances_grievance":
                cur.execute(DAMM_SQL)
            cur.execute(statement(table, idcol, gcol, k))
            print(f"  copy {k} of {table}: {cur.rowcount:,} rows in {time.perf_counter() - t:.0f} s", flush=True)
        elif job[0] == "index":
            build_index(c, job[1], job[2])
        else:
            rows = build_rollups(weight=factor, connections=2)
            timings["rollups"] = time.perf_counter() - t
            print(f"rollups: {rows:,} rows in {timings['rollups']:.0f} s", flush=True)

    def finished(job):
        if job[0] == "copy":
            copies_left[job[1]] -= 1

    t1 = time.perf_counter()
    schedule(jobs, ready, run, finished, connections)
    timings["copies, indexes, rollups"] = time.perf_counter() - t1
    conn = pg()
    cur = conn.cursor()
    set_sequences(cur)
    meta_set(cur, "amplified", factor)
    conn.commit()
    conn.close()
    t4 = time.perf_counter()
    vacuum_analyze(connections)
    timings["analyze"] = time.perf_counter() - t4
    timings["total"] = time.perf_counter() - t0
    print("timings (s): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()), flush=True)
    return timings


def schedule(jobs, ready, run, finished, connections: int) -> None:
    """``run(conn, job)`` for every job on ``connections`` connections, each taking the first
    job of the list that is ``ready``; ``finished(job)`` after its commit."""
    import threading

    lock = threading.Lock()
    todo = list(jobs)
    errors = []

    def take():
        while True:
            with lock:
                if errors or not todo:
                    return None
                for i, job in enumerate(todo):
                    if ready(job):
                        return todo.pop(i)
            time.sleep(1)

    def worker():
        conn = pg()
        conn.execute("SET session_replication_role = replica")
        conn.commit()
        try:
            while (job := take()) is not None:
                run(conn, job)
                conn.commit()
                with lock:
                    finished(job)
        except Exception as exc:  # noqa: BLE001  (re-raised below, in the caller)
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


# --------------------------------------------------------------------------- main


def appeals_in_db() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM grievances_grievance")
        return cur.fetchone()[0]


STEPS = ("generate", "indexes", "rollups", "vacuum")


def fill(n: int, workers: int = 1, seed: int = 18, steps=STEPS) -> dict:
    """The steps in order: ``generate`` (province, appeals with COPY, secondary indexes
    dropped), ``indexes`` (build them, two at a time), ``rollups``, ``vacuum`` (VACUUM
    ANALYZE). Each can run on its own, later (``--steps``)."""
    if connection.vendor != "postgresql":
        sys.exit("run this against PostgreSQL (DATABASE_URL=postgres://…)")
    timings = {}
    t0 = time.perf_counter()
    if "generate" in steps:
        generate(n, workers, seed, timings)
    if "indexes" in steps:
        t = time.perf_counter()
        built = build_indexes(workers)
        conn = pg()
        set_sequences(conn.cursor())
        conn.commit()
        conn.close()
        timings["indexes"] = time.perf_counter() - t
        print(f"built {built} indexes in {timings['indexes']:.0f} s", flush=True)
    if "rollups" in steps:
        t = time.perf_counter()
        rows = build_rollups(connections=workers)
        timings["rollups"] = time.perf_counter() - t
        print(f"rollups: {rows:,} rows in {timings['rollups']:.0f} s", flush=True)
    if "vacuum" in steps:
        t = time.perf_counter()
        vacuum_analyze(workers)
        timings["analyze"] = time.perf_counter() - t
        print(f"VACUUM ANALYZE in {timings['analyze']:.0f} s", flush=True)
    timings["total"] = time.perf_counter() - t0
    print("timings (s): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()), flush=True)
    return timings


def generate(n: int, workers: int, seed: int, timings: dict) -> None:
    t0 = time.perf_counter()
    ensure_demo()
    build_province(n, seed)
    timings["base"] = time.perf_counter() - t0
    world = load_world(seed)
    now_e = int(time.time())
    end_day = (datetime.now(UTC) + timedelta(hours=8)).date() - timedelta(days=1)
    days = plan(n, seed, end_day)
    conn = pg()
    cur = conn.cursor()
    cur.execute("SELECT COALESCE(max(id), 0) FROM grievances_grievance")
    next_id = first_id = cur.fetchone()[0] + 1
    cur.execute("SELECT COALESCE(max(id), 0) FROM mediation_mediationcase")
    case_base = cur.fetchone()[0] + 1
    # per day and worker: counts in proportion to the worker's share of village weight
    share = [0.0] * workers
    for v, w in zip(world["villages"], world["vweights"], strict=False):
        share[world["county_codes"].index(v[1][:6]) % workers] += w
    tot = sum(share)
    per_worker: list[list] = [[] for _ in range(workers)]
    for ld, count in days:
        parts = [int(count * s / tot) for s in share]
        parts[0] += count - sum(parts)
        for k in range(workers):
            per_worker[k].append((ld, next_id, parts[k]))
            next_id += parts[k]
    t1 = time.perf_counter()
    dropped = drop_indexes(conn)
    cur.execute("SELECT key FROM bench_fill_meta WHERE key LIKE 'index:%%'")
    print(f"dropped {dropped} secondary indexes ({len(cur.fetchall())} to build); generating {n:,} appeals with "
          f"{workers} worker(s)", flush=True)
    meta_set(cur, "base_lo", first_id)
    meta_set(cur, "base_hi", next_id - 1)
    conn.commit()
    conn.close()
    jobs = [(k, workers, world, per_worker[k], now_e, seed, case_base) for k in range(workers)]
    # A forked child closing an inherited connection would end the parent's session too.
    django.db.connections.close_all()
    if workers == 1:
        results = [work(jobs[0])]
    else:
        with mp.get_context("fork").Pool(workers) as pool:
            results = pool.map(work, jobs)
    written = sum(r[0] for r in results)
    events = sum(r[1] for r in results)
    timings["copy"] = time.perf_counter() - t1
    print(f"wrote {written:,} appeals and {events:,} events in {timings['copy']:.0f} s", flush=True)


def ensure(n: int, workers: int = 1, steps=STEPS) -> None:
    """Fill to N appeals unless the database already holds at least N (any benchmark)."""
    ensure_demo()
    have = appeals_in_db()
    if have >= n:
        print(f"already {have:,} appeals")
        return
    if have > 100:
        sys.exit(f"this database holds {have:,} appeals, fewer than {n:,}: fill a fresh database")
    fill(n, workers, steps=steps)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appeals", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1, help="generator processes; also connections for the "
                        "index, rollup and vacuum steps")
    parser.add_argument("--steps", default=",".join(STEPS),
                        help=f"comma-separated subset of {','.join(STEPS)} (default all; the later ones run on an "
                        "already generated database)")
    parser.add_argument("--amplify", type=int, default=0, metavar="K",
                        help="instead: make this copy of a generated database K times bigger in SQL")
    args = parser.parse_args()
    steps = tuple(s for s in args.steps.split(",") if s)
    if set(steps) - set(STEPS):
        parser.error(f"unknown steps: {set(steps) - set(STEPS)}")
    if args.amplify:
        amplify(args.amplify, max(args.workers, 2))
    elif "generate" in steps:
        if not args.appeals:
            parser.error("--appeals is needed to generate")
        ensure(args.appeals, args.workers, steps)
    else:
        fill(args.appeals, args.workers, steps=steps)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"database size: {cur.fetchone()[0]}")


if __name__ == "__main__":
    main()

"""Benchmark: play counting at scale.

1. Beacons per second through the whole HTTP path: gunicorn (2 workers, sync) serving
   POST /pufa/v/<id>/play/ with the Redis counter; every request is a new viewer (no cookie),
   so each one runs SET NX + HINCRBY. Then one flush, checked against the database.
2. The flush cost at 1,000,000 pending plays: 1M viewers recorded through the counter's Lua
   script (pipelined, no HTTP) over 10,000 videos, then one flush into PostgreSQL.

    REDIS_URL=redis://127.0.0.1:6379/4 DATABASE_URL=postgres://root@127.0.0.1:5432/media \\
        .venv/bin/python benchmarks/media/plays.py [--beacons 20000] [--pending 1000000]

Run benchmarks/media/pages.py first (it creates the 10,000 videos).
"""

import argparse
import datetime as dt
import http.client
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402
import django.utils.timezone  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402

from pufa_media.models import PlayDaily, Video  # noqa: E402
from pufa_media.playcount import RedisPlayCounter  # noqa: E402

PORT = 8791


def ab_beacons(video_id: int, total: int, concurrency: int) -> tuple[float, int, int]:
    """The same load from ApacheBench (C, keep-alive): the client takes far less CPU than Python."""
    import re
    import tempfile

    with tempfile.NamedTemporaryFile() as empty:
        out = subprocess.run(
            ["ab", "-q", "-k", "-n", str(total), "-c", str(concurrency), "-p", empty.name,
             "-T", "application/octet-stream", f"http://127.0.0.1:{PORT}/pufa/v/{video_id}/play/"],
            capture_output=True, text=True, check=True).stdout
    elapsed = float(re.search(r"Time taken for tests:\s+([\d.]+)", out).group(1))
    failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))
    non2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    errors = failed + (int(non2xx.group(1)) if non2xx else 0)
    return elapsed, total - errors, errors


def http_beacons(video_id: int, total: int, threads: int, client: str = "python") -> tuple[float, int, int]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="settings_bench", PYTHONPATH=f"{ROOT}:{ROOT / 'benchmarks/media'}")
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{PORT}",
         "--log-level", "warning", "--keep-alive", "30"],
        cwd=str(ROOT), env=env,
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/pufa/")
                break
            except OSError:
                time.sleep(0.1)
        if client == "ab":
            return ab_beacons(video_id, total, threads)
        counted = [0]
        errors = [0]
        lock = threading.Lock()
        per = total // threads

        def worker():
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
            ok = bad = 0
            for _ in range(per):
                try:
                    conn.request("POST", f"/pufa/v/{video_id}/play/", body=b"", headers={"Content-Length": "0"})
                    resp = conn.getresponse()
                    body = resp.read()
                    if resp.status == 200 and b"true" in body:
                        ok += 1
                    else:
                        bad += 1
                except (OSError, http.client.HTTPException):
                    bad += 1
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
            with lock:
                counted[0] += ok
                errors[0] += bad

        workers = [threading.Thread(target=worker) for _ in range(threads)]
        t0 = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - t0
        return elapsed, counted[0], errors[0]
    finally:
        server.terminate()
        server.wait(10)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--beacons", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--pending", type=int, default=1_000_000)
    parser.add_argument("--client", choices=["ab", "python"], default="ab" if shutil.which("ab") else "python",
                        help="load generator: ApacheBench (apt-get install apache2-utils) or Python threads")
    args = parser.parse_args()
    if not settings.REDIS_URL:
        sys.exit("set REDIS_URL (e.g. redis://127.0.0.1:6379/4)")
    client = redis.Redis.from_url(settings.REDIS_URL)
    ids = list(Video.objects.public().order_by("pk").values_list("pk", flat=True)[:10_000])
    if not ids:
        sys.exit("no published videos: run benchmarks/media/pages.py first")

    # 1. HTTP
    counter = RedisPlayCounter(client)
    counter.flush()
    before = Video.objects.get(pk=ids[0]).play_count
    elapsed, counted, errors = http_beacons(ids[0], args.beacons, args.threads, args.client)
    t0 = time.perf_counter()
    written = counter.flush()
    flush_ms = (time.perf_counter() - t0) * 1000
    after = Video.objects.get(pk=ids[0]).play_count
    today = django.utils.timezone.localdate().isoformat()
    for key_batch in _chunks(client.scan_iter(match=f"pufa:plays:seen:{today}:{ids[0]}:*", count=10_000), 10_000):
        client.unlink(*key_batch)
    print(f"HTTP: {counted + errors:,} beacons in {elapsed:.1f} s = {(counted + errors) / elapsed:,.0f} beacons/s "
          f"(client {args.client}, concurrency {args.threads}, gunicorn 2 sync workers, "
          f"{os.cpu_count()} cores shared with the client); "
          f"counted {counted:,}, errors {errors}; flush {written:,} plays in {flush_ms:.0f} ms; "
          f"play_count +{after - before:,} (expected +{counted:,})")

    # 2. 1M pending plays over 10,000 videos, recorded with the real Lua script, then one flush
    prefix = f"bench:pufa:{int(time.time())}"
    counter = RedisPlayCounter(client, prefix=prefix)
    day = dt.date(2030, 1, 1)
    base_total = sum(Video.objects.filter(pk__in=ids).values_list("play_count", flat=True))
    t0 = time.perf_counter()
    batch = 10_000
    for start in range(0, args.pending, batch):
        pipe = client.pipeline(transaction=False)
        for i in range(start, min(start + batch, args.pending)):
            vid = ids[i % len(ids)]
            counter._record(keys=[f"{prefix}:seen:{day.isoformat()}:{vid}:v{i}", counter.pending_key],
                            args=[3600, f"{day.isoformat()}:{vid}"], client=pipe)
        pipe.execute()
    record_s = time.perf_counter() - t0
    pending = counter.pending()
    t0 = time.perf_counter()
    written = counter.flush()
    flush_s = time.perf_counter() - t0
    total = sum(Video.objects.filter(pk__in=ids).values_list("play_count", flat=True))
    daily = sum(PlayDaily.objects.filter(day=day).values_list("count", flat=True))
    print(f"Redis: recorded {args.pending:,} plays (Lua SET NX + HINCRBY, pipelined) in {record_s:.1f} s = "
          f"{args.pending / record_s:,.0f}/s; pending {pending:,} in {client.hlen(counter.pending_key) or len(ids):,} "
          f"hash fields")
    print(f"flush: {written:,} plays for {len(ids):,} videos in {flush_s * 1000:.0f} ms; "
          f"play_count +{total - base_total:,}, PlayDaily {daily:,}")
    # clean up the seen keys and the day's rows
    for key_batch in _chunks(client.scan_iter(match=f"{prefix}:*", count=10_000), 10_000):
        client.unlink(*key_batch)
    PlayDaily.objects.filter(day=day).delete()


def _chunks(iterable, n):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= n:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


if __name__ == "__main__":
    main()

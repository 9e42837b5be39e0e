#!/bin/bash
# Memory of gunicorn workers serving law searches (benchmarks/README.md, "Memory of a web worker").
# usage: benchmarks/scale/worker_memory.sh WARM(0/1) PORT [N]   (DATABASE_URL: a database with the laws imported;
#        N: after the 24 searches, N distinct questions of benchmarks/lawsearch/*.tsv, about N/2 a worker)
#        benchmarks/scale/worker_memory.sh hello PORT      (the yardstick: a bare Django project's
#                                                           "hello" view served the same way)
cd "$(dirname "$0")/../.."
export DATABASE_URL="${DATABASE_URL:-sqlite:///$PWD/db.sqlite3}" PYTHONPATH=. WSGI_WARM_UP=$1
if [ "$1" = hello ]; then
  DJANGO_SETTINGS_MODULE=benchmarks.scale.hello_settings .venv/bin/gunicorn "django.core.wsgi:get_wsgi_application()" \
    --preload --workers 2 --bind 127.0.0.1:$2 --pid /tmp/gu$2.pid --daemon
  sleep 4
  for i in $(seq 24); do curl -s -o /dev/null -w "%{http_code} " "http://127.0.0.1:$2/hello/"; done
else
.venv/bin/gunicorn config.wsgi:application --preload --workers 2 --bind 127.0.0.1:$2 --pid /tmp/gu$2.pid --daemon
sleep 8  # and, on a busy machine, until the workers answer
for i in $(seq 60); do curl -sf -o /dev/null "http://127.0.0.1:$2/healthz" && break; sleep 1; done
for q in 房东不退押金怎么办 工地老板欠工资不给 被狗咬了谁负责 离婚孩子抚养权归谁 上班路上出车祸算工伤吗 邻居装修噪音太大 网购买到假货 公司不交社保; do q=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))" "$q");
  for i in 1 2 3; do curl -s -o /dev/null -w "%{http_code} " "http://127.0.0.1:$2/laws/api/search/?q=$q"; done
done
if [ -n "$3" ]; then
  python3 -c '
import sys, urllib.parse
seen = []
for f in sys.argv[2:]:
    for line in open(f, encoding="utf-8"):
        q = line.split("\t")[1].strip() if "\t" in line and not line.startswith("#") else ""
        if q and q not in seen: seen.append(q)
for q in seen[:int(sys.argv[1])]: print(urllib.parse.quote(q))' "$3" $(ls benchmarks/lawsearch/*.tsv | grep -v citations) |
    while read -r q; do curl -s -o /dev/null "http://127.0.0.1:$2/laws/api/search/?q=$q"; done
  echo -n "and $3 distinct questions"
fi
fi; echo
master=$(cat /tmp/gu$2.pid)
for pid in $(pgrep -P $master) $master; do
  awk -v pid=$pid -v who=$([ $pid = $master ] && echo master || echo worker) '/^Rss:/{r=$2} /^Pss:/{p=$2} /^Private_Clean:/{pc=$2} /^Private_Dirty:/{pd=$2} END{printf "%s %s: RSS %d MB, PSS %d MB, USS %d MB\n", who, pid, r/1024, p/1024, (pc+pd)/1024}' /proc/$pid/smaps_rollup
  # of which the e5 model file and the article vectors (Rss of their mappings)
  awk '/^[0-9a-f]+-[0-9a-f]+ /{f=($6 ~ /e5-small-q4[.]bin$/) ? "e5" : ($6 ~ /aligned-.*[.]npy$/) ? "vectors" : ""} f && /^Rss:/{r[f]+=$2} END{printf "  e5 model file %.1f MB, article vectors %.1f MB resident\n", r["e5"]/1024, r["vectors"]/1024}' /proc/$pid/smaps
  grep VmHWM /proc/$pid/status  # the peak RSS of the process
done
kill $master; sleep 2

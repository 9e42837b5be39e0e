"""Settings for benchmarks/scale/pages.py: the project's settings plus a bare "hello" view at
/__hello__/ served by the same gunicorn workers (the yardstick beside every page).

Database connections follow ``CONN_MAX_AGE`` from the environment; pages.py sets 60 unless
it is given, as deployed (DJANGO_PROFILE=production: CONN_MAX_AGE=60; behind PgBouncer its
server connections persist). ``CONN_MAX_AGE=0 pages.py …`` measures a new PostgreSQL backend
per request, which plans every query with empty catalog caches and takes a page fault on each
page of shared memory it touches for the first time (the county's walked 欠薪 search at 1 M:
1,846 faults and 16 ms of backend CPU in a new backend, 0–225 faults and 7 ms in a used one;
benchmarks/README.md, 2026-11-29 csearch3).
"""

from config.settings import *  # noqa: F401,F403

ROOT_URLCONF = "urls_pages"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

"""Settings for benchmarks/scale/pages.py: the project's settings plus a bare "hello" view at
/__hello__/ served by the same gunicorn workers (the yardstick beside every page)."""

from config.settings import *  # noqa: F401,F403

ROOT_URLCONF = "urls_pages"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

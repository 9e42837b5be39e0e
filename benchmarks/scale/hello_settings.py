"""A bare Django project serving only the "hello" view: the yardstick of a web worker's memory
(benchmarks/scale/worker_memory.sh hello PORT)."""

SECRET_KEY = "hello"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "benchmarks.audit.hello_urls"
DATABASES: dict = {}
USE_TZ = True

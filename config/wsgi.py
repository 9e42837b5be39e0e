import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

if os.environ.get("WSGI_WARM_UP", "").lower() in ("1", "true", "yes"):
    # Under `gunicorn --preload` this runs once in the master before the workers fork: the law
    # index, the ranker and their caches are built here and shared copy-on-write by every
    # worker (benchmarks/README.md, "Memory of a web worker").
    from legalqa.search.warm import warm_up

    warm_up()

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

if os.environ.get("WSGI_WARM_UP", "").lower() in ("1", "true", "yes"):
    # Under `gunicorn --preload` this runs once in the master before the workers fork: the law
    # index, the ranker and their caches are built here and shared copy-on-write by every
    # worker (benchmarks/README.md, "Memory of a web worker"). The URL configuration is loaded
    # here too, with every views module it imports, which a worker would otherwise import on
    # its first request into memory of its own.
    from django.urls import get_resolver

    from legalqa.search.warm import warm_up

    get_resolver().url_patterns  # noqa: B018 (loading it is the point)

    warm_up()

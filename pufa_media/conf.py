"""pufa_media settings with their defaults (override any of them in config/settings.py or tests)."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from pufa_media.processing import RenditionSpec

DEFAULTS = {
    # Each video is at most 3 minutes: about 2 minutes of scene and 1 of a lawyer explaining.
    "PUFA_MAX_DURATION_SECONDS": 180,
    "PUFA_RENDITIONS": [
        {"name": "low", "label": "流畅", "height": 360, "video_bitrate": 500_000, "audio_bitrate": 64_000},
        {"name": "high", "label": "高清", "height": 720, "video_bitrate": 2_000_000, "audio_bitrate": 128_000},
    ],
    "PUFA_KEYFRAME_SECONDS": 2.0,
    "PUFA_X264_PRESET": "veryfast",
    # A video still "processing" after this long is considered lost by a dead worker.
    "PUFA_STUCK_AFTER_SECONDS": 30 * 60,
    "PUFA_MAX_ATTEMPTS": 3,
    # Plays: counted after this many seconds of playback, once per viewer per video per day.
    "PUFA_PLAY_AFTER_SECONDS": 5,
    "PUFA_BEACON_RATE_PER_MINUTE": 120,
    # "auto": Redis when REDIS_URL is set, else the database counter. Or "redis" / "database".
    "PUFA_PLAY_COUNTER": "auto",
    # Prefix of pufa_media's Redis keys (play counter, beacon rate limit).
    "PUFA_REDIS_PREFIX": "pufa",
    "PUFA_UPLOAD_CHUNK_BYTES": 2 * 1024 * 1024,
    "PUFA_UPLOAD_MAX_BYTES": 1024 * 1024 * 1024,
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])


def rendition_specs() -> list[RenditionSpec]:
    return [RenditionSpec(**spec) for spec in get("PUFA_RENDITIONS")]


# What the player's switch says for each rendition name (the label stored with a rendition is
# the Chinese one of the moment it was made).
RENDITION_LABELS = {"low": _("流畅"), "high": _("高清")}


def rendition_label(name: str, stored: str) -> str:
    label = RENDITION_LABELS.get(name)
    return str(label) if label is not None else stored

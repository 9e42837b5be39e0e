"""The seam for a city's speech-to-text service (按住说话 voice notes).

No speech model ships with the platform (none can be downloaded where it is built), so by
default nothing is transcribed: staff listen to the recording beside the text. A city that
runs its own speech service (or buys one) sets ``SPEECH_TO_TEXT_BACKEND`` to the dotted path of
a callable::

    def transcribe(data: bytes, *, content_type: str, language: str = "zh-CN") -> str: ...

It receives the stored voice note (WebM/Opus, MP4/AAC, MP3 …, at most three minutes) and
returns the text, or raises; it is called from a Celery task after the appeal commits
(``grievances.tasks.transcribe_voice_note``), never while the citizen waits, and its text is
shown to staff as a machine transcript beside the recording, never instead of it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


def configured() -> bool:
    return bool(getattr(settings, "SPEECH_TO_TEXT_BACKEND", ""))


def transcribe(data: bytes, *, content_type: str) -> str:
    """The configured backend's text for one recording ("" when none is configured)."""
    if not configured():
        return ""
    backend = import_string(settings.SPEECH_TO_TEXT_BACKEND)
    return (backend(data, content_type=content_type, language="zh-CN") or "").strip()

"""The legal video of the question's field, offered on the law search's answer page
(registered with legalqa.answer_selectors in PufaMediaConfig.ready)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from legalqa.answer_selectors import Step


def video_steps(code: str, label: str, question: str) -> list[Step]:
    from .selectors import public_videos

    video = public_videos(field=code).order_by("-published_at").first()
    if video is None:
        return []
    return [Step("video", _("普法视频：%(title)s") % {"title": video.title}, reverse("pufa_media:video", args=[video.pk]))]

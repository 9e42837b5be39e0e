"""Factories and fixtures for pufa_media tests."""

import factory
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from legalqa.models import FieldOfLaw
from pufa_media import processing
from pufa_media.models import (
    CaseExplanation,
    Choice,
    ProcessingStatus,
    Rendition,
    Video,
    VideoQuestion,
)

TINY_RENDITIONS = [
    {"name": "low", "label": "流畅", "height": 72, "video_bitrate": 100_000, "audio_bitrate": 32_000},
    {"name": "high", "label": "高清", "height": 144, "video_bitrate": 200_000, "audio_bitrate": 48_000},
]


def field(code="labour"):
    """Reference rows come from a data migration, but transactional tests flush them: recreate."""
    from legalqa.fields_of_law import FIELDS_OF_LAW

    name = dict(FIELDS_OF_LAW)[code]
    return FieldOfLaw.objects.get_or_create(code=code, defaults={"name": name})[0]


class VideoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Video

    title = factory.Sequence(lambda n: f"普法视频{n}")
    summary = "欠薪怎么办？"
    field = factory.LazyFunction(field)
    region_code = "439001000000"


def ready_video(published=True, **kw):
    """A video in state ready with one tiny (fake) rendition, without running the pipeline."""
    video = VideoFactory(**kw)
    Video.objects.filter(pk=video.pk).update(
        status=ProcessingStatus.READY, is_published=published,
        published_at=timezone.now() if published else None, duration=2.0,
    )
    rendition = Rendition(video=video, name="low", label="流畅", width=128, height=72, bitrate=132000, order=0)
    rendition.file.save(f"v{video.pk}-low.mp4", ContentFile(b"fake"), save=True)
    video.refresh_from_db()
    return video


def question(video, text="单位拖欠工资，劳动者可以向哪里投诉？", kind="single", answers=(("劳动保障监察机构", True),
                                                                                ("居委会", False))):
    q = VideoQuestion.objects.create(video=video, text=text, kind=kind, explanation="可以向劳动保障监察机构投诉。",
                                     article="《劳动合同法》第三十条")
    for i, (t, ok) in enumerate(answers):
        Choice.objects.create(question=q, text=t, is_correct=ok, order=i)
    return q


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseExplanation

    title = factory.Sequence(lambda n: f"以案释法{n}")
    field = factory.LazyFunction(field)
    body = "**案情**：某公司拖欠工资。"
    body_html = "<p><strong>案情</strong>：某公司拖欠工资。</p>"
    region_code = "439001000000"


@pytest.fixture
def tiny_renditions(settings):
    settings.PUFA_RENDITIONS = TINY_RENDITIONS
    settings.PUFA_X264_PRESET = "ultrafast"
    return settings


@pytest.fixture
def clip(tmp_path):
    """A real 2-second 256×144 H.264/AAC clip made with PyAV (index at the end, as cameras write)."""
    return processing.generate_clip(tmp_path / "clip.mp4", seconds=2, width=256, height=144, title="Test")

"""Every write of pufa_media: one function per use-case (STYLE.md §1–2).

Processing status changes only through the FSM transitions on Video, called from here;
Celery tasks, admin actions and views are thin callers.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from grid import chunked, permissions, uploads
from grid.files import local_path, private_storage
from pufa_media import citations, conf, processing
from pufa_media.models import (
    Answer,
    CaseExplanation,
    ProcessingStatus,
    QuestionKind,
    Rendition,
    Subtitle,
    UploadSession,
    Video,
    VideoQuestion,
)

log = logging.getLogger(__name__)


class PufaMediaError(Exception):
    """A refusal of a legal-education use-case (upload, processing, publishing, answers), with
    Chinese messages shown as they are. ``messages`` lists every reason (a text with three bad
    statute references gives three); ``field`` names the form field it belongs to, if any.
    Views and the admin turn it into a message, a JSON error or a form error."""

    def __init__(self, message, *, messages=None, field: str | None = None):
        self.messages = [str(m) for m in messages] if messages else [str(message)]
        self.message = "；".join(self.messages)
        self.field = field
        super().__init__(self.message)

    @classmethod
    def from_validation(cls, exc: ValidationError, field: str | None = None) -> PufaMediaError:
        """A refusal of a shared check (the upload gate, the citation check) as this app's error."""
        return cls(exc.messages[0] if exc.messages else "", messages=exc.messages, field=field)


class PufaMediaPermissionError(PufaMediaError):
    """The person may not manage legal-education content or this upload (named for the app so
    it never shadows ``django.core.exceptions.PermissionDenied``)."""


def _check_citations(text: str) -> None:
    try:
        citations.validate(text)
    except ValidationError as exc:
        raise PufaMediaError.from_validation(exc) from exc


def can_edit(user) -> bool:
    """Editors are centre staff and leaders (and the administrator), as for the admin."""
    return permissions.is_admin(user) or (permissions.is_centre(user) and user.is_staff)


def _require_editor(user) -> None:
    if not can_edit(user):
        raise PufaMediaPermissionError(_("只有综治中心工作人员可以管理普法内容。"))


def _enqueue(video_id: int) -> None:
    from pufa_media.tasks import process_video

    def send():
        try:
            process_video.delay(video_id)
        except Exception:  # noqa: BLE001 — broker down: the upload is saved; staff press 重新处理 later
            log.warning("could not queue video %s for processing (broker down?)", video_id, exc_info=True)

    transaction.on_commit(send)


def default_region_code(user) -> str:
    unit = getattr(user, "unit", None) if user is not None else None
    return unit.region_code if unit is not None else ""


# ------------------------------------------------------------------ upload and processing

def attach_source(*, video: Video, user, file) -> Video:
    """A new source file for the video: back to pending, unpublished, processing queued.
    The file passes the upload gate (policy "video_source": FFmpeg must find a video stream)."""
    _require_editor(user)
    try:
        clean = uploads.ensure(file, policy="video_source")
    except ValidationError as exc:
        raise PufaMediaError.from_validation(exc, field="source") from exc
    with transaction.atomic():
        video = Video.objects.select_for_update().get(pk=video.pk)
        if not can_proceed(video.reset):  # being processed
            raise PufaMediaError(_("视频正在处理中，请等处理结束后再上传新文件。"))
        old = video.source.name if video.source else None
        video.source.save(clean.storage_name, clean.content, save=False)
        video.reset()
        video.attempts = 0
        video.save()
        _enqueue(video.pk)
    if old and old != video.source.name:
        transaction.on_commit(lambda: video.source.storage.delete(old))
    return video


def save_video(*, video: Video, user, new_source=None, poster_chosen: bool = False) -> Video:
    """The editor's save of a video (the admin's add and change forms): a new video records
    its author and belongs to the editor's region; a poster the editor chose is kept (the
    pipeline will not replace it with a frame); a new source file goes through
    ``attach_source`` (back to pending, processing queued). The row is saved first, so a
    refused file (raised as ``PufaMediaError``) loses nothing else typed."""
    if poster_chosen:
        video.poster_uploaded = True
    if video.pk is None:
        video.created_by = user
        video.region_code = default_region_code(user)
    if new_source is not None:
        # The row keeps its current file until attach_source has checked and stored the new one.
        video.source = Video.objects.filter(pk=video.pk).values_list("source", flat=True).first() or ""
    video.save()
    if new_source is not None:
        attach_source(video=video, user=user, file=new_source)
    return video


def queue_processing(*, video: Video, user) -> Video:
    """Staff retry (重新处理): a failed or finished video goes back to the queue."""
    _require_editor(user)
    with transaction.atomic():
        video = Video.objects.select_for_update().get(pk=video.pk)
        if not can_proceed(video.reset):  # being processed
            raise PufaMediaError(_("视频正在处理中，无需重试。"))
        if not video.source:
            raise PufaMediaError(_("还没有上传视频文件。"))
        video.reset()
        video.attempts = 0
        video.save()
        _enqueue(video.pk)
    return video


def process_video(video_id: int) -> str:
    """Run the pipeline for one pending video. Idempotent: anything not pending is left alone.

    The attempt number taken when processing starts is a token: a run that was declared
    stuck and requeued cannot later overwrite the newer run's result.
    """
    with transaction.atomic():
        video = Video.objects.select_for_update().filter(pk=video_id).first()
        if video is None or not can_proceed(video.start_processing):
            return "skipped"
        if not video.source:
            video.mark_failed(_("还没有上传视频文件。"))
            video.save()
            return "failed"
        video.start_processing()
        video.save()
        attempt = video.attempts
        source_name = video.source.name

    workdir = Path(tempfile.mkdtemp(prefix="pufa-"))
    try:
        with _local_source(source_name, workdir) as src_path:
            result = processing.process_file(
                src_path, workdir / "out",
                specs=conf.rendition_specs(),
                max_duration=conf.get("PUFA_MAX_DURATION_SECONDS"),
                keyframe_seconds=conf.get("PUFA_KEYFRAME_SECONDS"),
                preset=conf.get("PUFA_X264_PRESET"),
            )
        return _finish(video_id, attempt, result)
    except processing.MediaRejected as exc:
        return _fail(video_id, attempt, str(exc))
    except Exception as exc:  # noqa: BLE001 - any crash must become a visible failure for staff
        log.exception("pufa_media: processing video %s failed", video_id)
        return _fail(video_id, attempt, _("处理时发生错误：%(error)s") % {"error": exc})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def _local_source(name: str, workdir: Path):
    """A path FFmpeg can open for the stored source: the file itself on a file-system
    storage; otherwise (an object store) a copy downloaded into the work directory, which
    is removed with it. Renditions and the poster are written there too and go back
    through the storage API (``_finish``)."""
    storage = private_storage()
    path = local_path(storage, name)
    if path is not None and os.path.exists(path):
        yield Path(path)
        return
    dst = workdir / "source"
    with storage.open(name, "rb") as src, open(dst, "wb") as out:
        shutil.copyfileobj(src, out, 1024 * 1024)
    yield dst


def _fail(video_id: int, attempt: int, message: str) -> str:
    with transaction.atomic():
        video = Video.objects.select_for_update().get(pk=video_id)
        if not video.run_is_current(attempt):
            return "stale"
        video.mark_failed(message)
        video.save()
    return "failed"


def _finish(video_id: int, attempt: int, result: processing.ProcessResult) -> str:
    with transaction.atomic():
        video = Video.objects.select_for_update().get(pk=video_id)
        if not video.run_is_current(attempt):
            return "stale"
        old_files = [r.file.name for r in video.renditions.all()]
        video.renditions.all().delete()
        stem = f"v{video.pk}-{attempt}-{timezone.now():%Y%m%d%H%M%S}"
        for order, r in enumerate(result.renditions):
            with open(r.path, "rb") as fh:
                rendition = Rendition(video=video, name=r.name, label=r.label, width=r.width, height=r.height,
                                      bitrate=r.bitrate, size=r.size, order=order)
                rendition.file.save(f"{stem}-{r.name}.mp4", File(fh), save=False)
                rendition.save()
        if result.poster and not video.poster_uploaded:
            if video.poster:
                old_files.append(video.poster.name)
            with open(result.poster, "rb") as fh:
                video.poster.save(f"{stem}-poster.jpg", File(fh), save=False)
        for subtitle in video.subtitles.all():
            _convert_subtitle(subtitle)
        video.duration = result.probe.duration
        video.width = result.probe.width
        video.height = result.probe.height
        video.mark_ready()
        video.save()
    transaction.on_commit(lambda: [default_storage.delete(n) for n in old_files if n])
    return "ready"


def requeue_stuck(now=None) -> list[int]:
    """Videos left in processing by a dead worker go back to the queue (or fail after N tries)."""
    now = now or timezone.now()
    cutoff = now - timezone.timedelta(seconds=conf.get("PUFA_STUCK_AFTER_SECONDS"))
    requeued = []
    ids = list(Video.objects.filter(status=ProcessingStatus.PROCESSING, processing_started_at__lt=cutoff)
               .values_list("pk", flat=True)[:100])
    for pk in ids:
        with transaction.atomic():
            video = Video.objects.select_for_update().get(pk=pk)
            if not can_proceed(video.requeue) or video.processing_started_at >= cutoff:
                continue
            if video.attempts >= conf.get("PUFA_MAX_ATTEMPTS"):
                video.mark_failed(_("处理多次超时未完成，请检查文件后点击“重新处理”。"))
                video.save()
                continue
            video.requeue()
            video.save()
            _enqueue(video.pk)
            requeued.append(pk)
    return requeued


# ------------------------------------------------------------------ subtitles

def _convert_subtitle(subtitle: Subtitle) -> None:
    with subtitle.srt.open("rb") as fh:
        vtt = processing.srt_to_vtt(fh.read())
    if subtitle.vtt:
        subtitle.vtt.delete(save=False)
    subtitle.vtt.save(f"v{subtitle.video_id}-{subtitle.language}.vtt", ContentFile(vtt.encode("utf-8")), save=False)
    subtitle.save()


def save_subtitles(*, video: Video, user, subtitles, deleted=()) -> None:
    """The subtitle rows of a video's form: removed ones deleted, each new or changed SRT
    stored and converted (``save_subtitle``)."""
    _require_editor(user)
    with transaction.atomic():
        for subtitle in deleted:
            subtitle.delete()
        for subtitle in subtitles:
            subtitle.video = video
            save_subtitle(subtitle=subtitle, user=user)


def save_subtitle(*, subtitle: Subtitle, user) -> Subtitle:
    """Store an uploaded SRT and convert it to WebVTT at once; an unreadable file is refused."""
    _require_editor(user)
    with transaction.atomic():
        subtitle.save()
        try:
            _convert_subtitle(subtitle)
        except processing.MediaRejected as exc:
            raise PufaMediaError(str(exc), field="srt") from exc
    return subtitle


# ------------------------------------------------------------------ publishing

def publish_video(*, video: Video, user) -> Video:
    """Only a ready video with correct law references may be published."""
    _require_editor(user)
    with transaction.atomic():
        video = Video.objects.select_for_update().get(pk=video.pk)
        if not video.is_ready:
            raise PufaMediaError(_("视频处理完成（状态为“可播放”）后才能发布。"))
        _check_citations(video.summary)
        video.is_published = True
        video.published_at = video.published_at or timezone.now()
        video.save(update_fields=["is_published", "published_at"])
        citations.record(video, video.summary)
    return video


def unpublish_video(*, video: Video, user) -> Video:
    _require_editor(user)
    Video.objects.filter(pk=video.pk).update(is_published=False)
    video.is_published = False
    citations.forget(video)
    return video


# ------------------------------------------------------------------ articles

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "strong", "em", "b", "i", "u", "s", "blockquote", "code", "pre",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "figure", "figcaption", "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}


def render_body(body: str, body_format: str) -> str:
    """Markdown or staff HTML → sanitised HTML (nh3): no scripts, styles or event handlers."""
    import markdown  # here, not at module level: a web worker serving other pages never needs it

    html = markdown.markdown(body, extensions=["tables", "sane_lists"]) if body_format == "markdown" else body
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


def save_article(*, article: CaseExplanation, user) -> CaseExplanation:
    """Save an article with its sanitised HTML; a published article must cite real articles."""
    _require_editor(user)
    article.body_html = render_body(article.body, article.body_format)
    if not article.region_code:
        article.region_code = default_region_code(user)
    if article.author_id is None:
        article.author = user
    if article.is_published:
        _check_citations(article.body)
        article.published_at = article.published_at or timezone.now()
    article.save()
    if article.is_published:
        citations.record(article, article.body)
    else:
        citations.forget(article)
    return article


def publish_article(*, article: CaseExplanation, user) -> CaseExplanation:
    """A case explanation is published only when every statute it cites is real."""
    _require_editor(user)
    _check_citations(article.body)
    article.is_published = True
    article.published_at = article.published_at or timezone.now()
    article.body_html = render_body(article.body, article.body_format)
    article.save()
    citations.record(article, article.body)
    return article


# ------------------------------------------------------------------ questions

def record_answer(*, question: VideoQuestion, choice_ids: list[int], user, viewer: str) -> Answer:
    """A viewer's answer; the first answer per viewer counts (later ones return it unchanged)."""
    valid = {c.pk: c for c in question.choices.all()}
    chosen = [valid[i] for i in choice_ids if i in valid]
    if not chosen:
        raise PufaMediaError(_("请选择答案。"))
    if question.kind == QuestionKind.SINGLE and len(chosen) > 1:
        raise PufaMediaError(_("这是单选题，只能选一个答案。"))
    correct = {pk for pk, c in valid.items() if c.is_correct}
    is_correct = {c.pk for c in chosen} == correct
    existing = Answer.objects.filter(question=question, viewer=viewer).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            answer = Answer.objects.create(
                question=question, viewer=viewer, is_correct=is_correct,
                user=user if user is not None and user.is_authenticated else None,
            )
            answer.choices.set(chosen)
    except IntegrityError:
        return Answer.objects.get(question=question, viewer=viewer)
    return answer


def correct_choice_ids(question: VideoQuestion) -> list[int]:
    return [c.pk for c in question.choices.all() if c.is_correct]



# ------------------------------------------------------------------ chunked, resumable upload
# The mechanism lives in grid.chunked (a session recording of mediation uses it too).

@contextmanager
def _chunked_refusals():
    """grid.chunked refuses with Django's exceptions; callers of this app get its own."""
    try:
        yield
    except PermissionDenied as exc:
        raise PufaMediaPermissionError(str(exc) or _("这不是您的上传。")) from exc
    except ValidationError as exc:
        raise PufaMediaError.from_validation(exc) from exc


def _upload_path(session: UploadSession) -> Path:
    return chunked.part_path(session)


def start_upload(*, video: Video, user, filename: str, size: int) -> UploadSession:
    """Open (or resume) an upload: the same file to the same video continues where it stopped."""
    _require_editor(user)
    with _chunked_refusals():
        return chunked.resume_or_start(UploadSession, user=user, filename=filename, size=size,
                                       max_bytes=conf.get("PUFA_UPLOAD_MAX_BYTES"), default_name="video.mp4",
                                       video=video)


def receive_chunk(*, session_id, user, offset: int, data: bytes) -> UploadSession:
    """Append one chunk at its offset; a repeated or out-of-order chunk only reports the offset."""
    with _chunked_refusals():
        return chunked.receive_chunk(UploadSession, upload_id=session_id, user=user, offset=offset, data=data)


def finish_upload(*, session_id, user) -> Video:
    """All bytes arrived: the file becomes the video's source and processing is queued."""
    with _chunked_refusals(), chunked.completed(UploadSession, upload_id=session_id, user=user) as (session, fh):
        return attach_source(video=session.video, user=user, file=File(fh, name=session.filename))


def purge_stale_uploads(now=None, days: int = 2) -> int:
    """Unfinished uploads older than ``days`` are abandoned: drop their partial files."""
    return chunked.purge_stale(UploadSession, now=now, days=days)

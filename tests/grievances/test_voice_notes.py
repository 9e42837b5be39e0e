"""按住说话 on the server: a voice note through the upload gate (policy "voice", at most three
minutes) makes the text boxes optional; the speech-to-text seam fills a transcript."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grievances import services
from grievances.models import Attachment, StagedRef
from grievances.services import TransitionRefused
from tests.uploads_corpus import jpeg, wav

pytestmark = pytest.mark.django_db


def _voice(seconds=2.0):
    return SimpleUploadedFile("语音.wav", wav(seconds), content_type="audio/wav")


def _stage_voice(citizen, **kw):
    return StagedRef(services.stage_upload(actor=citizen, file=_voice(**kw), voice=True).pk)


def test_appeal_by_voice_alone(world, citizen):
    g = services.submit_grievance(actor=citizen, kind="livelihood", region=world.east_village, title="",
                                  description="", files=[_stage_voice(citizen)])
    assert g.title == "语音反映" and "请收听录音" in g.description
    note = Attachment.objects.get(grievance=g)
    assert note.kind == "audio" and note.content_type == "audio/wav"


def test_without_text_or_voice_the_appeal_is_refused(world, citizen):
    with pytest.raises(TransitionRefused, match="按住说话"):
        services.submit_grievance(actor=citizen, kind="livelihood", region=world.east_village, title="",
                                  description="")
    # A photo is not a voice note.
    photo = StagedRef(services.stage_upload(actor=citizen, file=SimpleUploadedFile("a.jpg", jpeg())).pk)
    with pytest.raises(TransitionRefused):
        services.submit_grievance(actor=citizen, kind="livelihood", region=world.east_village, title="路灯",
                                  description="", files=[photo])


def test_the_voice_gate_refuses_long_recordings_and_non_audio(world, citizen, monkeypatch):
    from grid import uploads

    monkeypatch.setitem(uploads.POLICIES, "voice", uploads.Policy(kinds=frozenset({uploads.AUDIO}), max_seconds=1))
    with pytest.raises(TransitionRefused, match="超过"):
        services.stage_upload(actor=citizen, file=_voice(seconds=3.0), voice=True)
    with pytest.raises(TransitionRefused):
        services.stage_upload(actor=citizen, file=SimpleUploadedFile("a.jpg", jpeg()), voice=True)


def transcribe_stub(data, *, content_type, language):
    assert data[:4] == b"RIFF" and content_type == "audio/wav" and language == "zh-CN"
    return "楼道的灯坏了一个月"


def test_the_city_speech_service_seam_keeps_a_transcript(world, citizen, settings, django_capture_on_commit_callbacks):
    settings.SPEECH_TO_TEXT_BACKEND = "tests.grievances.test_voice_notes.transcribe_stub"
    with django_capture_on_commit_callbacks(execute=True):
        g = services.submit_grievance(actor=citizen, kind="livelihood", region=world.east_village, title="",
                                      description="", files=[_stage_voice(citizen)])
    assert Attachment.objects.get(grievance=g).transcript == "楼道的灯坏了一个月"


def test_no_speech_service_no_transcript(world, citizen, settings, django_capture_on_commit_callbacks):
    settings.SPEECH_TO_TEXT_BACKEND = ""
    with django_capture_on_commit_callbacks(execute=True):
        g = services.submit_grievance(actor=citizen, kind="livelihood", region=world.east_village, title="",
                                      description="", files=[_stage_voice(citizen)])
    assert Attachment.objects.get(grievance=g).transcript == ""

"""The upload gate decides by content, per door, and keeps only clean bytes."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from grid import uploads
from tests.uploads_corpus import has_exif


def _verdict(sample, policy):
    try:
        return uploads.check(sample.upload(), policy=policy)
    except ValidationError as exc:
        return exc


@pytest.mark.parametrize("policy", sorted(uploads.POLICIES))
def test_every_policy_gives_the_right_verdict_on_the_hostile_corpus(policy, hostile_corpus):
    wrong = []
    for sample in hostile_corpus:
        result = _verdict(sample, policy)
        accepted = isinstance(result, uploads.CleanFile)
        if accepted != sample.accepted_by(policy):
            wrong.append((sample.key, "accepted" if accepted else result.messages))
        elif not accepted:
            assert all(m and not m.isascii() for m in result.messages), (sample.key, result.messages)
    assert wrong == []


def test_stored_images_carry_no_exif_gps_or_trailing_payload(hostile_corpus):
    by_key = {s.key: s for s in hostile_corpus}
    for key in ("gps_jpeg", "jpeg_html", "jpeg_zip"):
        clean = uploads.check(by_key[key].upload(), policy="appeal")
        data = clean.content.read()
        assert not has_exif(data)
        assert b"<script" not in data and b"PK\x03\x04" not in data
        assert data.endswith(b"\xff\xd9")  # a JPEG that ends where the image ends
        Image.open(io.BytesIO(data)).verify()


def test_the_original_name_is_display_text_only(hostile_corpus):
    by_key = {s.key: s for s in hostile_corpus}
    clean = uploads.check(by_key["name_traversal"].upload(), policy="appeal")
    assert clean.name == "passwd" and "/" not in clean.storage_name
    clean = uploads.check(by_key["name_nul_rtl"].upload(), policy="appeal")
    assert "\x00" not in clean.name and "\u202e" not in clean.name
    assert clean.storage_name.endswith(".jpg") and len(clean.storage_name) == 36


@pytest.mark.parametrize("raw, shown", [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\张三\\身份证.jpg", "身份证.jpg"),
    ("a\x00b\u202egpj.exe", "abgpj.exe"),
    ("\u200b", "file"),
    ("报告<script>.pdf", "报告_script_.pdf"),
])
def test_display_name_strips_paths_and_invisible_characters(raw, shown):
    assert uploads.display_name(raw) == shown


def test_too_many_files_are_refused_with_the_limit():
    with pytest.raises(ValidationError, match="最多上传9个"):
        uploads.check_all([object()] * 10, policy="appeal")


def test_oversize_is_refused_before_decoding():
    big = io.BytesIO(b"\xff\xd8\xff\xe0" + b"\0" * (5 * 1024 * 1024 + 1))
    big.name, big.size = "big.jpg", len(big.getvalue())
    with pytest.raises(ValidationError, match="超过5MB"):
        uploads.check(big, policy="qa")


def test_a_recording_longer_than_the_limit_is_refused():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.uploads_corpus import wav

    with pytest.raises(ValidationError, match="3分钟"):
        uploads.check(SimpleUploadedFile("long.wav", wav(200)), policy="qa")

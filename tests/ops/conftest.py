from tests.pufa_media.factories import clip, tiny_renditions  # noqa: F401  (tests/ops/test_storage_backend.py)

from tests.pufa_media.factories import clip, tiny_renditions  # noqa: F401

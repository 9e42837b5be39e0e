"""The two file storages on an S3-compatible object store (docs/deployment.md, "Files in an
object store"): built here so the settings and the tests that prove the switch use one table."""

from __future__ import annotations

S3_BACKEND = "storages.backends.s3.S3Storage"


def s3_storages(*, bucket: str, public_bucket: str = "", public_domain: str | None = None,
                expire: int = 60) -> dict:
    """``STORAGES["default"]`` (published media, fetched by browsers without a signature,
    under ``media/``) and ``STORAGES["private"]`` (every other upload, under ``private/``;
    presigned URLs valid ``expire`` seconds, handed only to nginx). The connection settings
    (endpoint, region, addressing style, overwrite rule) are the ``AWS_*`` settings."""
    return {
        "default": {"BACKEND": S3_BACKEND, "OPTIONS": {
            "bucket_name": public_bucket or bucket, "location": "media", "querystring_auth": False,
            "custom_domain": public_domain or None}},
        "private": {"BACKEND": S3_BACKEND, "OPTIONS": {
            "bucket_name": bucket, "location": "private", "querystring_auth": True,
            "querystring_expire": expire}},
    }

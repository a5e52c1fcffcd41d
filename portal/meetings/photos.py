"""Photos taken during a meeting: bounded, checked to be images, stored by their hash.

A photo is uploaded over HTTP (a socket message is no place for megabytes),
then posted as a ``photo`` item naming its SHA-256; the audit entry of that
item carries the same hash, so the file on disk can be checked against the log.
"""
import hashlib
from pathlib import Path

from flask import current_app

from portal.core.db import transaction
from portal.core.errors import NotFound, ValidationError
from portal.meetings.models import MeetingPhoto

MAX_PHOTO_BYTES = 5 * 1024 * 1024
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def _sniff(data):
    for magic, content_type, _ in SIGNATURES:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def photo_dir():
    path = Path(current_app.config["INSTANCE_DIR"]) / "meeting_photos"
    path.mkdir(parents=True, exist_ok=True)
    return path


def photo_path(photo):
    return photo_dir() / f"{photo.sha256}.{EXTENSIONS[photo.content_type]}"


def store_photo(meeting, data):
    """Keep an uploaded image for a meeting; returns its MeetingPhoto (same bytes: same row)."""
    if not data:
        raise ValidationError("missing_photo", "请选择一张照片。")
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError("too_large", "照片不能超过5MB。", 413)
    content_type = _sniff(data)
    if content_type is None:
        raise ValidationError("bad_photo", "只能上传JPEG、PNG或WebP图片。")
    digest = hashlib.sha256(data).hexdigest()
    existing = MeetingPhoto.get_or_none((MeetingPhoto.meeting == meeting) & (MeetingPhoto.sha256 == digest))
    if existing:
        return existing
    photo = MeetingPhoto(meeting=meeting, sha256=digest, content_type=content_type, size=len(data))
    target = photo_path(photo)
    if not target.exists():
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
    with transaction():
        photo.save(force_insert=True)
    return photo


def require_photo(meeting, digest):
    photo = MeetingPhoto.get_or_none((MeetingPhoto.meeting == meeting) & (MeetingPhoto.sha256 == digest))
    if photo is None:
        raise ValidationError("bad_photo", "照片须先通过上传接口提交。")
    return photo


def find_photo(meeting_id, digest):
    photo = MeetingPhoto.get_or_none((MeetingPhoto.meeting == meeting_id) & (MeetingPhoto.sha256 == digest))
    if photo is None:
        raise NotFound()
    return photo

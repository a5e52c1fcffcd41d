"""Uploaded files every domain accepts: bounded, typed from their bytes, images re-encoded.

A file whose content is not an allowed type, or whose name claims another type
than its content, is refused: a renamed HTML page must never be served as a
"PDF". Images must decode; what is shown publicly is re-encoded from the pixels
(``public_image``, ``thumbnail_of``), which drops EXIF data such as a phone's
GPS position and the camera's serial number. The original's SHA-256 is what an
audit entry vouches for.
"""
import hashlib
import io
import re
from pathlib import PurePath

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from portal.core.errors import ValidationError
from portal.core.personal_data import mask

MAGIC = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
EXTENSIONS = {"application/pdf": (".pdf",), "image/png": (".png",), "image/jpeg": (".jpg", ".jpeg")}
MAX_PIXELS = 50_000_000
THUMB_SIZE = (480, 480)
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def sniff(data):
    """The MIME type the bytes really are, or None."""
    for magic, mime in MAGIC:
        if data.startswith(magic):
            return mime
    return None


def safe_filename(name, mime):
    """A display name without paths or control characters, with the content's extension."""
    stem = PurePath(str(name or "").replace("\\", "/")).name
    stem = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", stem).strip(" .") or "附件"
    suffix = PurePath(stem).suffix.lower()
    if suffix and suffix not in EXTENSIONS[mime]:
        raise ValidationError("disguised_file", "文件名是%(suffix)s，内容却是%(mime)s：请上传真实的文件。",
                              suffix=suffix, mime=mime)
    if not suffix:
        stem += EXTENSIONS[mime][0]
    return mask(stem[-120:])


def thumbnail_of(data):
    """A JPEG thumbnail; ValidationError when the image does not decode."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError("image_too_large", "图片像素过大（超过5000万像素）。")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image = image.convert("RGB")
            image.thumbnail(THUMB_SIZE)
            out = io.BytesIO()
            image.save(out, "JPEG", quality=80)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError("broken_image", "图片文件已损坏或无法识别。") from None


def max_bytes():
    try:
        return int(current_app.config.get("MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))
    except RuntimeError:
        return DEFAULT_MAX_BYTES


def check_file(filename, data, limit=None, allowed=None):
    """Validate an upload; returns (safe name, mime, thumbnail or None)."""
    limit = limit or max_bytes()
    if not data:
        raise ValidationError("empty_file", "请选择要上传的文件。")
    if len(data) > limit:
        raise ValidationError("file_too_large", "附件不能超过%(mb)sMB（%(bytes)s字节）。",
                              mb=limit // (1024 * 1024) or 1, bytes=limit)
    mime = sniff(data)
    if mime is None or (allowed is not None and mime not in allowed):
        raise ValidationError("bad_file_type", "只能上传PDF、JPEG或PNG文件（按文件内容识别）。")
    name = safe_filename(filename, mime)
    thumb = thumbnail_of(data) if mime.startswith("image/") else None
    return name, mime, thumb




def public_image(data, max_side=2048):
    """The image re-encoded from its pixels (JPEG, no EXIF or location), turned upright and bounded."""
    check_image(data)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((max_side, max_side))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError("broken_image", "图片文件已损坏或无法识别。") from None


def check_image(data):
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError("image_too_large", "图片像素过大（超过5000万像素）。")
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError("broken_image", "图片文件已损坏或无法识别。") from None


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()

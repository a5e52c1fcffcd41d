"""Attachments (附件): PDF, JPEG and PNG, their type read from the bytes.

A file whose content is not one of the three, or whose name claims another
type than its content, is refused: a renamed HTML page must never be served
as a "PDF". Images must decode; a thumbnail is re-encoded from the pixels,
which also drops EXIF data such as a phone's GPS position.
"""
import hashlib
import io
import re
from pathlib import PurePath

from flask import current_app
from PIL import Image, UnidentifiedImageError

from portal.core.db import transaction
from portal.core.errors import Conflict, ValidationError
from portal.core.permissions import require
from portal.publications.audit_trail import audit
from portal.publications.categories import EDITABLE_STATUSES
from portal.core.personal_data import mask
from portal.publications.models import Attachment

MAGIC = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
EXTENSIONS = {"application/pdf": (".pdf",), "image/png": (".png",), "image/jpeg": (".jpg", ".jpeg")}
MAX_PIXELS = 50_000_000
MAX_PER_PUBLICATION = 20
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
        raise ValidationError("disguised_file", f"文件名是{suffix}，内容却是{mime}：请上传真实的文件。")
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


def check_file(filename, data, limit=None):
    """Validate an upload; returns (safe name, mime, thumbnail or None)."""
    limit = limit or max_bytes()
    if not data:
        raise ValidationError("empty_file", "请选择要上传的文件。")
    if len(data) > limit:
        raise ValidationError("file_too_large", f"附件不能超过{limit // (1024 * 1024) or 1}MB（{limit}字节）。")
    mime = sniff(data)
    if mime is None:
        raise ValidationError("bad_file_type", "只能上传PDF、JPEG或PNG文件（按文件内容识别）。")
    name = safe_filename(filename, mime)
    thumb = thumbnail_of(data) if mime.startswith("image/") else None
    return name, mime, thumb


def add_attachment(actor, pub, filename, data):
    """Attach a file to a draft; its SHA-256 goes into the audit entry."""
    require(actor, "publication.draft", pub.village)
    if pub.status not in EDITABLE_STATUSES:
        raise Conflict("not_editable", "只能给草稿添加附件。")
    if pub.attachments.count() >= MAX_PER_PUBLICATION:
        raise Conflict("too_many_attachments", f"每条公开最多{MAX_PER_PUBLICATION}个附件。")
    name, mime, thumb = check_file(filename, data)
    digest = hashlib.sha256(data).hexdigest()
    with transaction():
        att = Attachment.create(publication=pub, filename=name, mime=mime, size=len(data), sha256=digest,
                                data=data, thumbnail=thumb, uploaded_by=actor)
        audit(actor, "publication.attach", pub,
              {"id": pub.id, "attachment": att.id, "filename": name, "mime": mime, "size": len(data),
               "sha256": digest}, files=[(name, data)])
    return att


def remove_attachment(actor, att):
    pub = att.publication
    require(actor, "publication.draft", pub.village)
    if pub.status not in EDITABLE_STATUSES:
        raise Conflict("not_editable", "只能删除草稿的附件。")
    with transaction():
        audit(actor, "publication.detach", pub, {"id": pub.id, "attachment": att.id, "sha256": att.sha256})
        att.delete_instance()

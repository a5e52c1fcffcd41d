"""Attachments: type from content, size bound, SHA-256 in the audit entry, thumbnails; refusals write nothing."""
import hashlib
import io

import pytest
from PIL import Image

from portal.core.errors import Conflict, ValidationError
from portal.publications import attachments, services


def png_bytes(size=(800, 600)):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def draft(people):
    return services.create_draft(people.clerk, people.village, {"title": "附件测试", "category": "village"})


def test_png_gets_thumbnail_and_sha_in_audit(people, draft):
    from audit.models import AuditEntry
    data = png_bytes()
    att = attachments.add_attachment(people.clerk, draft, "../../现场照片.png", data)
    assert att.mime == "image/png" and att.filename == "现场照片.png"
    assert att.sha256 == hashlib.sha256(data).hexdigest()
    thumb = Image.open(io.BytesIO(att.thumbnail))
    assert thumb.format == "JPEG" and max(thumb.size) <= 480
    entry = AuditEntry.select().order_by(AuditEntry.idx.desc()).first()
    assert entry.action == "publication.attach" and att.sha256 in bytes(entry.entry).decode()


def test_pdf_named_without_extension(people, draft):
    att = attachments.add_attachment(people.clerk, draft, "决议", PDF)
    assert att.mime == "application/pdf" and att.filename == "决议.pdf" and att.thumbnail is None


@pytest.mark.parametrize("name,data,code", [
    ("notice.pdf", b"<html><script>alert(1)</script></html>", "bad_file_type"),
    ("photo.jpg", PDF, "disguised_file"),
    ("scan.pdf", png_bytes((10, 10)), "disguised_file"),
    ("empty.pdf", b"", "empty_file"),
    ("broken.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "broken_image"),
    ("tool.exe", b"MZ\x90\x00" + b"\x00" * 100, "bad_file_type"),
])
def test_bad_files_are_refused(people, draft, unchanged, name, data, code):
    with unchanged(), pytest.raises(ValidationError) as exc:
        attachments.add_attachment(people.clerk, draft, name, data)
    assert exc.value.code == code


def test_oversized_file_is_refused(app, people, draft, unchanged):
    app.config["MAX_UPLOAD_BYTES"] = 1000
    with app.app_context(), unchanged(), pytest.raises(ValidationError) as exc:
        attachments.add_attachment(people.clerk, draft, "big.pdf", PDF + b"0" * 2000)
    assert exc.value.code == "file_too_large"


def test_no_attachments_after_publication(people, draft, unchanged):
    services.approve(people.supervisor, draft)
    services.publish(people.clerk, draft)
    with unchanged(), pytest.raises(Conflict):
        attachments.add_attachment(people.clerk, draft, "late.pdf", PDF)


def test_upload_over_api_and_served_with_its_type(app, client, people, draft):
    from portal.accounts.services import create_token
    token = create_token(people.clerk)
    r = client.post(f"/api/v1/publications/{draft.id}/attachments", headers={"Authorization": f"Bearer {token}"},
                    data={"file": (io.BytesIO(png_bytes()), "photo.png")}, content_type="multipart/form-data")
    assert r.status_code == 201 and r.json["mime"] == "image/png"
    app.config["MAX_UPLOAD_BYTES"] = 500
    r = client.post(f"/api/v1/publications/{draft.id}/attachments", headers={"Authorization": f"Bearer {token}"},
                    data={"file": (io.BytesIO(PDF + b"x" * 600), "big.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 400 and r.json["error"]["code"] == "file_too_large"
    services.approve(people.supervisor, draft)
    services.publish(people.clerk, draft)
    att_id = draft.attachments[0].id
    assert client.get(f"/p/{draft.id}/attachments/{att_id}").mimetype == "image/png"
    assert client.get(f"/p/{draft.id}/attachments/{att_id}/thumb").mimetype == "image/jpeg"

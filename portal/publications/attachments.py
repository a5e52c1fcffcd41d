"""Attachments (附件) of a publication draft: PDF, JPEG and PNG (checked by ``portal.core.files``)."""
import hashlib

from portal.core.db import transaction
from portal.core.errors import Conflict
from portal.core.files import check_file, max_bytes
from portal.core.permissions import require
from portal.publications.audit_trail import audit
from portal.publications.categories import EDITABLE_STATUSES
from portal.publications.models import Attachment

MAX_PER_PUBLICATION = 20


def add_attachment(actor, pub, filename, data):
    """Attach a file to a draft; its SHA-256 goes into the audit entry."""
    require(actor, "publication.draft", pub.village)
    if pub.status not in EDITABLE_STATUSES:
        raise Conflict("not_editable", "只能给草稿添加附件。")
    if pub.attachments.count() >= MAX_PER_PUBLICATION:
        raise Conflict("too_many_attachments", "每条公开最多%(limit)s个附件。", limit=MAX_PER_PUBLICATION)
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

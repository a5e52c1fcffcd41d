"""Ended meetings as search documents: their archived record, masked, linking to the replay."""
from portal.meetings.archive import archive_record
from portal.core.clock import aware
from portal.meetings.models import Meeting
from portal.core.personal_data import mask


def document_for_meeting(meeting):
    record = archive_record(meeting)
    lines = [a["title"] for a in record["agenda"]]
    lines += [v["motion"] + " " + v["result_name"] for v in record["votes"]]
    lines += [b["bidder"] + " " + b["price"] for b in record["bid_prices"]]
    lines += [q["text"] for q in record["questions"]]
    lines += [t["text"] for t in record["transcript"]] + [n["text"] for n in record["notices"]]
    return {"type": "meeting", "id": str(meeting.id), "title": mask(meeting.title),
            "body": mask("\n".join(lines)), "village": meeting.village_id,
            "township": meeting.village.parent_id, "category": "village",
            "published_at": aware(meeting.ended_at),
            "url": f"/meetings/{meeting.id}/replay"}  # no url_for: rebuilds run outside requests


def iter_documents():
    for meeting in Meeting.select().where(Meeting.status == "ended").iterator():
        yield document_for_meeting(meeting)


def document_for(object_id):
    meeting = Meeting.get_or_none(Meeting.id == int(object_id)) if str(object_id).isdigit() else None
    if meeting is None or meeting.status != "ended":
        return None
    return document_for_meeting(meeting)

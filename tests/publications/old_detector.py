"""Records as the portal wrote them before its personal-data detector was fixed.

The old detector knew neither ID numbers with a wrong check digit, nor 15-digit
ones, nor numbers split by separators or typed in full-width digits.
``old_detector()`` puts it back for the block: every masking in the process
(services, objections, attachment names, the audit payloads built from the rows)
then lets those through, exactly as the old code stored them.

Run as a script on an instance (``python -m tests.publications.old_detector
INSTANCE``) it writes the records a real server is then started on, and prints
their ids as JSON.
"""
import contextlib
import datetime
import json
import sys

from portal.core import personal_data

MISTYPED = "350502199001011234"  # region 35, born 1990-01-01, check digit wrong (should be 6)
OLD15 = "350502900101123"  # the 15-digit form
SPLIT = "3505 0219 8502 0211 36"  # split by spaces (a valid-shaped number)
FULLWIDTH = "３５０５０２１９８８０３０３１２３４"  # full-width digits
SECRETS = [MISTYPED, OLD15, SPLIT, FULLWIDTH, SPLIT.replace(" ", ""), "350502198803031234"]


def _old_find(find):
    def old(text):
        kept = []
        for f in find(text):
            span = text[f["start"]:f["end"]]
            if f["kind"] == "id15" or (f["kind"] == "id18" and not f["checksum_ok"]) or not span.isascii() \
                    or not span.isalnum():
                continue
            kept.append(f)
        return kept
    return old


@contextlib.contextmanager
def old_detector():
    """Masking as it was before the fix, for everything the block writes."""
    real = personal_data.find_personal_data
    personal_data.find_personal_data = _old_find(real)
    try:
        yield
    finally:
        personal_data.find_personal_data = real


def write_records():
    """Inside an app context on the demo county: a published record holding every form, with an
    attachment, an objection (shown, answered) and a correction, and a withdrawn one; their ids."""
    from portal.accounts.models import User
    from portal.core.clock import today
    from portal.publications import attachments, objections, services
    from portal.units.models import Unit
    get = lambda name: User.get(User.username == name)  # noqa: E731
    clerk, supervisor, resident = get("clerk_houxi"), get("supervisor_houxi"), get("resident_houxi")
    village = Unit.get(Unit.code == "350528100200")
    period = {"period_start": today().isoformat(), "period_end": (today() + datetime.timedelta(days=7)).isoformat()}
    with old_detector():
        pub = services.create_draft(clerk, village, dict(
            title=f"低保对象（{MISTYPED}）评议结果公示", category="result", power="QY-12",
            body=f"申请人身份证 {MISTYPED}，旧证 {OLD15}，配偶 {SPLIT}，子女 {FULLWIDTH}。电话 13905951234。",
            **period))
        attachments.add_attachment(clerk, pub, f"名单{MISTYPED}.pdf", b"%PDF-1.4\n% old detector\n")
        services.approve(supervisor, pub)
        pub = services.publish(clerk, pub)
        obj = objections.lodge(resident, pub, f"我的身份证是{MISTYPED}，评议有误")
        objections.moderate(supervisor, obj, True)
        objections.answer(clerk, obj, f"已核对 {OLD15} 的材料")
        fixed = services.correct(clerk, pub, {"title": pub.title, "body": pub.body + "\n\n补充说明。",
                                             "category": "result", "power": "QY-12", **period,
                                             "correction_note": f"补正 {SPLIT} 的姓名"})
        services.approve(supervisor, fixed)
        fixed = services.publish(clerk, fixed)
        gone = services.create_draft(clerk, village, dict(title="临时救助名单", category="village",
                                                          body=f"户主 {MISTYPED}"))
        services.approve(supervisor, gone)
        gone = services.publish(clerk, gone)
        gone = services.withdraw(clerk, gone, f"误登 {OLD15}，撤回")
        meeting = _old_meeting(clerk, resident)
    return {"publication": pub.id, "correction": fixed.id, "withdrawn": gone.id, "objection": obj.id,
            "meeting": meeting.id, "meeting_publication": meeting.publication_id}


def _old_meeting(clerk, resident):
    """A live meeting whose transcript line and approved question hold the number, ended and archived."""
    from portal.core.clock import local, utcnow
    from portal.meetings import services as meetings
    starts = local(utcnow()).strftime("%Y-%m-%dT%H:%M")
    meeting = meetings.create_meeting(clerk, "350528100200", "低保评议议事会", "council", starts, "村委会二楼会议室",
                                      [{"step": "deliberate", "title": f"评议 {MISTYPED} 户的申请"}])
    meetings.start_meeting(clerk, meeting)
    meetings.post_item(clerk, meeting, "transcript", {"speaker": "村主任", "text": f"申请人身份证 {OLD15}，核对无误"})
    question = meetings.ask_question(resident, meeting, f"{SPLIT} 这户为什么能评上？")
    meetings.moderate_question(clerk, meeting, question.id, "approve")
    return meetings.end_meeting(clerk, meeting)


def main(instance):
    from portal import create_app
    from portal.core.db import connection
    app = create_app(instance=instance)
    with app.app_context(), connection():
        print(json.dumps(write_records()))


if __name__ == "__main__":
    main(sys.argv[1])

"""Service tests: every transition, every refusal, and that a refusal writes nothing."""
import datetime

import pytest

from portal.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from portal.publications import objections, powers, services
from portal.core.clock import today
from portal.publications.models import Publication


def day(n):
    return (today() + datetime.timedelta(days=n)).isoformat()


def draft(p, **extra):
    data = {"title": "后溪村村道路灯改造结果公示", "category": "result", "body": "联系人身份证号 350528196304123028。",
            "period_start": day(-1), "period_end": day(5)}
    data.update(extra)
    return services.create_draft(p.clerk, p.village, data)


def published(p, **extra):
    pub = draft(p, **extra)
    services.approve(p.supervisor, pub)
    return services.publish(p.clerk, pub)


def test_draft_approve_publish_is_audited_and_masked(people):
    from audit.models import AuditEntry
    pub = draft(people)
    assert pub.status == "draft" and pub.series == pub.id
    assert "3505**********3028" in pub.body_masked and pub.masked_count == 1
    services.approve(people.supervisor, pub)
    assert pub.status == "approved"
    services.publish(people.clerk, pub)
    assert pub.status == "published" and pub.audit_index is not None
    actions = [e.action for e in AuditEntry.select().where((AuditEntry.object_type == "publication") &
                                                            (AuditEntry.object_id == str(pub.id)))]
    assert actions == ["publication.draft", "publication.approve", "publication.publish"]
    assert all("350528196304123028" not in e.payload for e in AuditEntry.select())


def test_send_back_then_edit_then_approve(people):
    pub = draft(people)
    services.send_back(people.supervisor, pub, "请补充工程量清单。")
    assert pub.status == "returned" and pub.review_note == "请补充工程量清单。"
    with pytest.raises(Conflict) as exc:
        services.approve(people.supervisor, pub)
    assert exc.value.code == "bad_state"
    services.update_draft(people.clerk, pub, {"title": pub.title, "category": "result", "body": "已补充。",
                                              "period_start": day(0), "period_end": day(5)})
    assert pub.status == "draft"
    services.approve(people.supervisor, pub)
    assert pub.status == "approved"


@pytest.mark.parametrize("change,code", [
    ({"title": "  "}, "missing_title"),
    ({"period_start": day(5), "period_end": day(1)}, "period_end_before_start"),
    ({"period_start": "", "period_end": ""}, "missing_period"),
    ({"period_end": ""}, "incomplete_period"),
    ({"period_start": "2026-13-01"}, "bad_period_start"),
    ({"category": "gossip"}, "bad_category"),
    ({"power": "NOPE"}, "bad_power"),
    ({"title": "长" * 201}, "title_too_long"),
])
def test_bad_drafts_are_refused_and_write_nothing(people, unchanged, change, code):
    with unchanged(), pytest.raises(ValidationError) as exc:
        draft(people, **change)
    assert exc.value.code == code


def test_wrong_people_are_refused(people, unchanged):
    pub = draft(people)
    with unchanged():
        with pytest.raises(PermissionDenied):
            services.create_draft(people.other_clerk, people.village, {"title": "x", "category": "village"})
        with pytest.raises(PermissionDenied):
            services.approve(people.clerk, pub)
        with pytest.raises(PermissionDenied):
            services.create_draft(people.resident, people.village, {"title": "x", "category": "village"})


def test_publishing_without_approval_is_refused(people, unchanged):
    pub = draft(people)
    with unchanged(), pytest.raises(Conflict) as exc:
        services.publish(people.clerk, pub)
    assert exc.value.code == "bad_state"


def test_approving_ones_own_draft_is_refused(people, unchanged):
    pub = draft(people)
    people.clerk.role = "supervisor"  # the former clerk now sits on the supervision committee
    people.clerk.save()
    with unchanged(), pytest.raises(Conflict) as exc:
        services.approve(people.clerk, pub)
    assert exc.value.code == "own_draft"
    with unchanged(), pytest.raises(Conflict):
        services.send_back(people.clerk, pub, "自己退回")


def test_correction_supersedes_and_both_stay_readable(people):
    old = published(people)
    new = services.correct(people.clerk, old, {"body": "更正后的正文。", "correction_note": "金额写错了。"})
    assert new.version == 2 and new.status == "draft" and old.status == "published"
    services.approve(people.supervisor, new)
    services.publish(people.clerk, new)
    old = Publication.get_by_id(old.id)
    assert old.status == "superseded" and new.status == "published"
    assert old.body_masked != new.body_masked  # the old row was not edited
    assert services.visible_publication(None, old.id) and services.visible_publication(None, new.id)


def test_withdrawal_is_recorded_and_readable(people):
    pub = published(people)
    services.withdraw(people.clerk, pub, "公示对象材料有误。")
    pub = Publication.get_by_id(pub.id)
    assert pub.status == "withdrawn" and pub.withdraw_reason == "公示对象材料有误。"
    assert pub.withdraw_audit_index > pub.audit_index
    assert services.visible_publication(None, pub.id).id == pub.id


def test_refusals_after_publication_write_nothing(people, unchanged):
    pub = published(people)
    with unchanged():
        with pytest.raises(Conflict):
            services.update_draft(people.clerk, pub, {"title": "改标题", "category": "village"})
        with pytest.raises(ValidationError):
            services.withdraw(people.clerk, pub, "")
        with pytest.raises(ValidationError):
            services.correct(people.clerk, pub, {"correction_note": ""})
    services.withdraw(people.clerk, pub, "错误公示。")
    with unchanged(), pytest.raises(Conflict) as exc:
        services.correct(people.clerk, pub, {"body": "x", "correction_note": "改"})
    assert exc.value.code == "bad_state" and "已撤回" in exc.value.message
    with unchanged(), pytest.raises(Conflict):
        services.withdraw(people.clerk, pub, "再撤一次")


def test_correction_of_a_record_withdrawn_meanwhile_cannot_publish(people, unchanged):
    pub = published(people)
    new = services.correct(people.clerk, pub, {"body": "新", "correction_note": "补充。"})
    services.approve(people.supervisor, new)
    services.withdraw(people.clerk, pub, "整体撤回。")
    with unchanged(), pytest.raises(Conflict) as exc:
        services.publish(people.clerk, new)
    assert exc.value.code == "previous_not_published"


def test_drafts_are_invisible_to_the_public(people):
    pub = draft(people)
    with pytest.raises(NotFound):
        services.visible_publication(None, pub.id)
    with pytest.raises(NotFound):
        services.visible_publication(people.resident, pub.id)
    assert services.visible_publication(people.supervisor, pub.id).id == pub.id


def test_objections_during_the_period_only(people, unchanged):
    pub = published(people)
    obj = objections.lodge(people.resident, pub, "我的电话13905951299，请核实工程量。")
    assert obj.text_masked == "我的电话139****1299，请核实工程量。"
    assert objections.public_objections(pub) == []
    with pytest.raises(PermissionDenied):
        objections.lodge(people.other_resident, pub, "外村的人也想说两句。")
    objections.moderate(people.supervisor, obj, True)
    assert [o.id for o in objections.public_objections(pub)] == [obj.id]
    assert objections.outcome(pub)["unanswered"] == 1
    objections.answer(people.clerk, obj, "已复核，工程量无误。")
    assert objections.outcome(pub)["unanswered"] == 0
    ended = published(people, period_start=day(-9), period_end=day(-1))
    with unchanged(), pytest.raises(Conflict) as exc:
        objections.lodge(people.resident, ended, "期满后才看到，提个意见。")
    assert exc.value.code == "period_ended"
    upcoming = published(people, period_start=day(2), period_end=day(9))
    with unchanged(), pytest.raises(Conflict):
        objections.lodge(people.resident, upcoming, "还没开始就提意见。")
    with unchanged(), pytest.raises(ValidationError):
        objections.lodge(people.resident, pub, "短")


def test_rejected_objection_stays_hidden(people):
    pub = published(people)
    obj = objections.lodge(people.resident, pub, "这是一条辱骂他人的内容。")
    with pytest.raises(ValidationError):
        objections.moderate(people.supervisor, obj, False, "")
    objections.moderate(people.supervisor, obj, False, "含人身攻击。")
    assert objections.public_objections(pub) == []
    with pytest.raises(Conflict):
        objections.answer(people.clerk, obj, "答复")


def test_power_steps_flowchart(people):
    pub = published(people, power="QY-01", category="village", period_start="", period_end="")
    steps = powers.steps_of(pub.power_id)
    powers.record_step(people.clerk, pub, steps[0].id, day(-30))
    powers.record_step(people.clerk, pub, steps[1].id, day(-10))   # limit 7 days -> late by 13
    powers.record_step(people.clerk, pub, steps[3].id, day(-5))    # step 3 skipped -> missing
    states = [f["state"] for f in powers.flow_for(pub)]
    assert states == ["done", "late", "missing", "done", "pending", "pending"]
    assert powers.flow_for(pub)[1]["late_by"] == 13
    with pytest.raises(Conflict):
        powers.record_step(people.clerk, pub, steps[0].id, day(-1))
    with pytest.raises(ValidationError):
        powers.record_step(people.clerk, pub, steps[4].id, day(3))


def test_system_record_is_published_directly_and_idempotent(people):
    pub = services.publish_system_record(people.village, "village", "QY-01", "村民代表会议直播记录",
                                         "议题：村道硬化。发言人电话13905951234。", None, "meeting", "42")
    assert pub.status == "published" and pub.audit_index is not None and "139****1234" in pub.body_masked
    again = services.publish_system_record(people.village.code, "village", None, "x", "y", None, "meeting", "42")
    assert again.id == pub.id

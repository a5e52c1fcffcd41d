"""Red flags of publications (issue #17): a duty overdue for a village, an objection left unanswered past the
days allowed. Each is raised and cleared after commit, and the after-commit table equals a full scan."""
import datetime
import re

import requests

from portal.core.clock import today, utcnow
from portal.publications import duties, flags, objections, services
from portal.publications.models import Objection
from tests.publications.test_lifecycle import published
from tests.conftest import http_login


def _open(code):
    from portal.redflags.models import RedFlag
    rows = RedFlag.select().where((RedFlag.code == code) & RedFlag.cleared_at.is_null())
    return {(r.object_type, r.object_id): r for r in rows}


def _scanned(code):
    from portal.core import registry
    rule = registry.of().flag_rules[code]
    return {(f.object_type, int(f.object_id)): f for f in rule.scan() if f.evidence is not None}


def test_a_duty_overdue_raises_a_flag_per_village_and_publishing_clears_it(people):
    village = people.village.code
    # a monthly duty (tender results) the village met neither last month nor this (grace 0 days)
    duties.add_rule(None, "测试每月公开", "result", "monthly", grace_days=0, power_category="tender")
    flagged = _open(flags.DUTY_CODE)
    assert ("village_duties", int(village)) in flagged
    row = flagged[("village_duties", int(village))]
    import json
    evidence = json.loads(row.evidence)
    assert "测试每月公开" in evidence["duties"] and evidence["url"] == f"/v/{village}/duties"
    assert evidence["template"] == flags.DUTY_TEXT and evidence["params"]["n"] == len(evidence["duties"])
    assert set(flagged) == set(_scanned(flags.DUTY_CODE))  # check == scan
    # the village page says the same: overdue
    states = {s["rule"].name: s["state"] for s in duties.duty_status(people.village)}
    assert states["测试每月公开"] == "overdue"
    # publishing for the current period meets every duty of the category: the flag clears (other overdue
    # duties of the village keep it open, without this one)
    published(people, power="QY-02")
    states = {s["rule"].name: s["state"] for s in duties.duty_status(people.village)}
    assert states["测试每月公开"] == "met"
    after = _open(flags.DUTY_CODE)
    key = ("village_duties", int(village))
    if [s for s in states.values() if s == "overdue"]:
        assert "测试每月公开" not in json.loads(after[key].evidence)["duties"]
    else:
        assert key not in after
    assert set(after) == set(_scanned(flags.DUTY_CODE))


def test_an_objection_unanswered_past_the_days_raises_and_answering_clears(people, app):
    pub = published(people)
    days = flags.answer_days()
    assert days == app.config["PUBLICATIONS_OBJECTION_ANSWER_DAYS"] == flags.DEFAULT_ANSWER_DAYS
    fresh = Objection.create(publication=pub, author=people.resident, text="公示金额与合同不一致。",
                             text_masked="公示金额与合同不一致。")
    old = Objection.create(publication=pub, author=people.resident, text="工程没有按期完工。",
                           text_masked="工程没有按期完工。", created_at=utcnow() - datetime.timedelta(days=days + 1))
    objections.moderate(people.supervisor, fresh, True)
    assert ("publication", pub.id) not in _open(flags.OBJECTION_CODE)  # shown, but within the days allowed
    objections.moderate(people.supervisor, old, True)
    flagged = _open(flags.OBJECTION_CODE)
    assert ("publication", pub.id) in flagged
    import json
    evidence = json.loads(flagged[("publication", pub.id)].evidence)
    assert evidence["unanswered"] == 1 and evidence["answer_days"] == days
    assert set(flagged) == set(_scanned(flags.OBJECTION_CODE))  # check == scan
    objections.answer(people.clerk, Objection.get_by_id(old.id), "已责成施工方按期完工。")
    assert ("publication", pub.id) not in _open(flags.OBJECTION_CODE)
    assert set(_open(flags.OBJECTION_CODE)) == set(_scanned(flags.OBJECTION_CODE))


def test_the_days_allowed_are_configurable(people, app):
    pub = published(people)
    obj = Objection.create(publication=pub, author=people.resident, text="公示金额与合同不一致。",
                           text_masked="公示金额与合同不一致。", status="shown",
                           created_at=utcnow() - datetime.timedelta(days=2))
    assert pub.id not in flags.unanswered_by_publication([pub.id])
    app.config["PUBLICATIONS_OBJECTION_ANSWER_DAYS"] = 1
    assert flags.unanswered_by_publication([pub.id])[pub.id][1] == 1
    Objection.update(status="pending").where(Objection.id == obj.id).execute()  # not public: not counted
    assert pub.id not in flags.unanswered_by_publication([pub.id])




def test_the_inspectors_inbox_lists_both_kinds(module_server):
    import sqlite3
    server, url = module_server, module_server.url
    houxi = "350528100200"
    pub = requests.get(f"{url}/api/v1/publications", params={"village": houxi}, timeout=60).json()["publications"][0]
    old = (utcnow() - datetime.timedelta(days=30)).isoformat(sep=" ")
    with sqlite3.connect(next(server.instance.glob("*.db")), timeout=30) as conn:  # time passing, in the database
        author = conn.execute("SELECT id FROM user WHERE username = 'resident_houxi'").fetchone()[0]
        conn.execute("INSERT INTO objection (publication_id, author_id, text, text_masked, created_at, status, "
                     "moderation_note, answer) VALUES (?, ?, ?, ?, ?, 'shown', '', '')",
                     (pub["id"], author, "公示的金额不对。", "公示的金额不对。", old))
        conn.execute("INSERT INTO duty_rule (name, category, power_category, frequency, grace_days, kind, active) "
                     "VALUES ('测试每月公开', 'result', 'tender', 'monthly', 0, 'periodic', 1)")
    result = server.cli("redflags", "rebuild")
    assert result.returncode == 0, result.stderr
    s = http_login(url, "inspector_county")
    for code, lang, words in ((flags.DUTY_CODE, "zh", "公开责任逾期未公开"), (flags.OBJECTION_CODE, "zh", "公示异议超期未答复"),
                              (flags.DUTY_CODE, "en", "Publication duty overdue"),
                              (flags.OBJECTION_CODE, "en", "Objection to a notice left unanswered")):
        page = s.get(f"{url}/inspect/flags", params={"code": code, "lang": lang}, timeout=60)
        assert page.status_code == 200 and words in page.text, (code, lang)
        assert "template" not in page.text.split('<span class="evidence">', 1)[-1][:2000]
    page = s.get(f"{url}/inspect/flags", params={"code": flags.OBJECTION_CODE, "lang": "en"}, timeout=60).text
    assert "shown objections to the notice have gone unanswered" in page
    # Every link the inspector is offered on these flags leads somewhere: a duty flag is on a village's
    # duties, no record, so it links to the duties page and offers no follow-up of a record.
    import re
    for code in (flags.DUTY_CODE, flags.OBJECTION_CODE):
        page = s.get(f"{url}/inspect/flags", params={"code": code}, timeout=60).text
        main = page.split("<main", 1)[-1]
        links = set(re.findall(r'href="(/(?:r|v|p|followups|inspect)/[^"#]*)"', main))
        assert links, code
        for link in links:
            assert s.get(url + link.replace("&amp;", "&"), timeout=60).status_code == 200, (code, link)


def test_only_changes_that_can_move_a_duty_recompute_the_villages_duties(people, monkeypatch):
    """A draft or an approval is not public: no periodic duty counts it, so the village's eleven duty
    queries are not run again for it; a publish is, and so is a draft of a category with an amount rule
    (its matter counts from the decision date, drafts too). check == scan throughout."""
    from tests.publications.test_lifecycle import draft
    from portal.publications.models import DutyRule
    assert {r.kind for r in DutyRule.select().where(DutyRule.active & (DutyRule.category == "party"))} == {"periodic"}
    recomputed = []
    real = flags.overdue_by_village
    monkeypatch.setattr(flags, "overdue_by_village", lambda codes, on=None: recomputed.append(list(codes))
                        or real(codes, on))
    pub = services.create_draft(people.clerk, people.village, {"title": "第四季度党务公开", "category": "party",
                                                               "body": "本季度党员大会两次。"})
    services.approve(people.supervisor, pub)
    assert recomputed == []
    services.publish(people.clerk, pub)
    assert recomputed == [[people.village.code]]
    assert set(_open(flags.DUTY_CODE)) == set(_scanned(flags.DUTY_CODE))
    recomputed.clear()
    assert "amount" in {r.kind for r in DutyRule.select().where(DutyRule.active & (DutyRule.category == "result"))}
    big = draft(people, power="QY-02", amount="50000", decided_on=(today() - datetime.timedelta(days=30)).isoformat())
    recomputed.clear()
    services.approve(people.supervisor, big)  # not public yet, but its matter is overdue since its decision
    assert recomputed == [[people.village.code]]
    assert set(_open(flags.DUTY_CODE)) == set(_scanned(flags.DUTY_CODE))

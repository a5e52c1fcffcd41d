"""Demo follow-ups: one campaign in 南岭镇 and follow-ups on demo publications — answered, overdue, concluded."""
import datetime

from portal.core import registry
from portal.core.clock import today
from portal.followups import campaigns, services
from portal.followups.models import Followup


def _publications(village):
    rt = registry.of().record_types.get("publication")
    if rt is None:
        return []
    return list(rt.model.select().where((rt.model.village == village) & rt.model.status.in_(list(rt.public_states)))
                .order_by(rt.model.id))


def load(ctx):
    inspector = ctx.users["inspector_100"]
    now = today()
    campaign = campaigns.open_campaign(inspector, {
        "title": "2026年南岭镇农村集体“三资”管理点题整治", "theme": "capitals", "unit": ctx.townships["350528100000"].code,
        "starts_on": now - datetime.timedelta(days=30), "ends_on": now + datetime.timedelta(days=150),
        "description": "聚焦村级财务公开不及时、大额支出未经“四议两公开”、集体资产资源发包不规范等问题，逐村见底。"})
    plan = [("houxi", "clerk_houxi", "请说明该事项的资金来源、支出明细及是否经村民代表会议表决，并上传会议记录。",
             "已补充上传村民代表会议记录，支出明细见附件清单，资金来自上级以奖代补资金。", "rectified"),
            ("shicheng", "clerk_shicheng", "请说明公示期内群众反映的问题是否已核实答复。", None, None),
            ("yangping", "clerk_yangping", "该笔支出的审批人与经办人为同一人，请说明审批流程。",
             "经核实审批流程存在瑕疵，已由村务监督委员会复核并重新履行审批。", None)]
    for slug, clerk, question, reply, finding in plan:
        pubs = _publications(ctx.villages[slug])
        if not pubs:
            continue
        row = services.open_followup(inspector, "publication", pubs[0].id, clerk, question,
                                     now + datetime.timedelta(days=10), "public", campaign.id)
        if reply:
            services.answer(ctx.users[clerk], row.id, reply)
        if finding:
            services.conclude(inspector, row.id, finding, "经查，问题已整改到位，相关材料已补充公开。")
        if slug == "shicheng":  # an overdue one: opened earlier, its deadline passed, escalated to 南岭镇
            Followup.update(due_on=now - datetime.timedelta(days=3)).where(Followup.id == row.id).execute()
            services.escalate_overdue()
    donghu = _publications(ctx.villages["donghu"])
    if donghu:
        services.open_followup(ctx.users["inspector_001"], "publication", donghu[0].id, "clerk_donghu",
                               "请补充该事项的合同文本和验收材料。", now + datetime.timedelta(days=7), "internal")

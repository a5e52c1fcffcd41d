"""Demo content: the power list, duty rules and realistic notices for the demo county.

Includes notices with ID and phone numbers (masked when public), a 公示 that is
running with objections (one answered, one not yet, one awaiting moderation),
one whose period has ended, a correction and a withdrawal, and drafts waiting
in the clerk's and supervisor's queues.
"""
import datetime

from portal.publications import duties, objections, powers, services
from portal.core.clock import today
from portal.publications.models import PowerStep
from portal.publications.powers_catalog import DUTY_RULES, POWERS


def _days(n):
    return (today() + datetime.timedelta(days=n)).isoformat()


def _published(clerk, supervisor, village, data, steps=()):
    pub = services.create_draft(clerk, village, data)
    for position, offset in steps:
        step = PowerStep.get((PowerStep.power == data["power"]) & (PowerStep.position == position))
        powers.record_step(clerk, pub, step.id, _days(offset))
    services.approve(supervisor, pub)
    return services.publish(clerk, pub)


FINANCE_BODY = """本月村级财务收支情况公开如下，欢迎村民监督。

| 凭证号 | 日期 | 摘要 | 收入（元） | 支出（元） |
|---|---|---|---|---|
| 记-031 | 3月2日 | 村道路灯电费 | | 1,286.40 |
| 记-032 | 3月8日 | 集体店面租金（第一季度） | 18,000.00 | |
| 记-033 | 3月15日 | 环境卫生保洁劳务费 | | 4,500.00 |
| 记-034 | 3月22日 | 上级转移支付（村级组织运转经费） | 60,000.00 | |

本月收入合计 78,000.00 元，支出合计 5,786.40 元。保洁劳务费已转入承包人黄某某银行卡 6217001234567890122。

如有疑问，请联系村报账员（手机 13905951288）或村务监督委员会。"""

TENDER_BODY = """经村党组织提议、村“两委”联席会议商议、党员大会审议和村民代表会议决议，后溪村拟对**村道硬化工程**（溪边段，长约1.2公里）进行公开招标，现将有关事项公示如下：

1. 项目预算：人民币 38.6 万元，资金来源为上级“一事一议”奖补资金和村集体自筹；
2. 招标方式：在镇公共资源交易平台公开招标，开标过程在本平台直播；
3. 投标人资格：具有市政公用工程施工总承包三级以上资质；
4. 报名联系人：村委会李明辉，电话 138-0595-1207。

公示期内如有异议，请登录本平台提出，或向村务监督委员会书面反映。"""

RELIEF_BODY = """经本人申请、入户调查、民主评议，以下家庭拟纳入2026年度最低生活保障，现予公示：

| 户主 | 身份证号 | 家庭人口 | 拟保障类别 |
|---|---|---|---|
| 陈某某 | 350528195509233023 | 2 | 一类 |
| 林某某 | 350528197811052150 | 4 | 二类 |
| 王某某 | 350528200106301187 | 1 | 一类 |

公示期7天，如有异议请向村务监督委员会或镇民政办（0595-22880101）反映。"""


def load(ctx):
    for order, (code, name, category, basis, steps) in enumerate(POWERS):
        powers.define_power(None, code, name, category, basis, steps, sort_order=order)
    for name, category, frequency, grace, power_category in DUTY_RULES:
        duties.add_rule(None, name, category, frequency, grace, power_category)
    duties.add_rule(None, "集体资产资源处置3万元以上事项7日内公开", "result", "", power_category="asset_disposal",
                    kind="amount", threshold="30000", within_days=7)

    houxi = ctx.villages["houxi"]
    clerk, supervisor, resident = (ctx.users["clerk_houxi"], ctx.users["supervisor_houxi"],
                                   ctx.users["resident_houxi"])
    _published(clerk, supervisor, houxi, {
        "title": "后溪村2026年3月财务收支公开", "category": "finance", "power": "QY-08", "body": FINANCE_BODY},
        steps=[(1, -30), (2, -28), (3, -27), (4, -20), (5, -2)])

    tender = _published(clerk, supervisor, houxi, {
        "title": "关于后溪村村道硬化工程（溪边段）公开招标的事前公示", "category": "pre", "power": "QY-02",
        "body": TENDER_BODY, "period_start": _days(-2), "period_end": _days(5)}, steps=[(1, -12), (2, -3)])
    answered = objections.lodge(resident, tender, "预算38.6万元是否包含排水沟？去年溪边段积水严重，建议一并设计。")
    objections.moderate(supervisor, answered, True)
    objections.answer(clerk, answered, "预算已包含两侧排水沟（约0.9公里），设计图纸可在村委会查阅。")
    open_question = objections.lodge(resident, tender, "希望开标时邀请村民代表到场监督，并公布评标专家的抽取方式。")
    objections.moderate(supervisor, open_question, True)
    objections.lodge(resident, tender, "施工期间车辆如何通行？请提前公告绕行路线，我的电话13805951234。")

    _published(clerk, supervisor, houxi, {
        "title": "后溪村2026年度最低生活保障对象评议结果公示", "category": "result", "power": "QY-14",
        "body": RELIEF_BODY, "period_start": _days(-12), "period_end": _days(-5)},
        steps=[(1, -40), (2, -33), (3, -20), (4, -12)])

    pond = _published(clerk, supervisor, houxi, {
        "title": "后溪村集体鱼塘承包结果公示", "category": "result", "power": "QY-05",
        "body": "经公开竞价，村集体鱼塘（约12亩）由苏国荣以年租金 **6,800元** 承包，期限5年。",
        "period_start": _days(-1), "period_end": _days(6), "amount": "43000", "decided_on": _days(-2)},
        steps=[(1, -60), (2, -45), (4, -10), (5, -2)])
    correction = services.correct(clerk, pond, {
        "body": "经公开竞价，村集体鱼塘（约12亩）由苏国荣以年租金 **8,600元** 承包，期限5年。",
        "correction_note": "原公示年租金误写为6,800元，实际成交价为8,600元，特此更正。"})
    services.approve(supervisor, correction)
    services.publish(clerk, correction)

    _published(clerk, supervisor, houxi, {  # an amount duty met late: decided 40 days ago
        "title": "后溪村老村部闲置房屋出售结果公开", "category": "result", "power": "QY-06",
        "body": "老村部闲置房屋经评估后公开竞价出售，成交价 **61,500元**，价款已入村集体账户。",
        "period_start": _days(0), "period_end": _days(7), "amount": "61500", "decided_on": _days(-40)})

    withdrawn = _published(clerk, supervisor, houxi, {
        "title": "关于确定陈某为入党积极分子的公示", "category": "party", "power": "QY-21",
        "body": "经本人申请、党小组推荐、支委会研究，拟确定陈某为入党积极分子，公示期5天。",
        "period_start": _days(-3), "period_end": _days(2)})
    services.withdraw(clerk, withdrawn, "公示对象材料尚需补充，按镇党委要求暂缓公示，补齐后重新公示。")

    homestead = _published(clerk, supervisor, houxi, {
        "title": "后溪村2026年第一批宅基地审批批后公开", "category": "village", "power": "QY-12",
        "body": "经乡镇联审，以下农户宅基地申请已获批准：第二网格黄某某，面积120平方米。"},
        steps=[(1, -50), (2, -45), (4, -4), (5, -1)])
    assert homestead.status == "published"

    services.create_draft(clerk, houxi, {
        "title": "后溪村2026年第一季度村务工作公开", "category": "village",
        "body": "一季度完成村道路灯改造、开展环境整治三次，受理群众诉求21件，办结19件。"})
    returned = services.create_draft(clerk, houxi, {
        "title": "村级公章使用情况公开（3月）", "category": "village", "power": "QY-19",
        "body": "3月共用章14次，详见附表。经办人联系电话13905951288。"})
    services.send_back(supervisor, returned, "请补充附表，并注明每次用章的审批人。")

    for slug in ("shicheng", "yangping", "donghu", "shuangluan"):
        village = ctx.villages[slug]
        _published(ctx.users[f"clerk_{slug}"], ctx.users[f"supervisor_{slug}"], village, {
            "title": f"{village.name}2026年3月财务收支公开", "category": "finance", "power": "QY-08",
            "body": "本月收入合计 42,300.00 元，支出合计 12,560.00 元，明细见村务公开栏。"})

    _published(clerk, supervisor, houxi, {  # residents search 公章; the notice says 印章 and 用章
        "title": "后溪村2026年2月村级印章使用情况公开", "category": "village", "power": "QY-19",
        "body": "2月共用章9次：出具居住证明5次、收入证明3次，集体鱼塘承包合同签章1次，均经村党支部书记审批并登记。"})

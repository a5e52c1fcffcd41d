"""A generator of realistic Chinese village records for the search benchmarks.

Sentences come from the seed articles in ``shared/seeds/`` (real texts on
grassroots governance, mixing Simplified and some Traditional characters);
titles, categories and the structured details (voucher numbers, amounts,
percentages, dates, masked names) follow the portal's publication categories.
Records are deterministic for a given seed so runs are comparable.
"""
import random
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parents[3] / "shared" / "seeds"
if not SEEDS_DIR.exists():
    SEEDS_DIR = Path("/work/shared/seeds")

CATEGORIES = {
    "用章": ["公章使用登记公示", "村委会公章使用情况公示", "印章使用审批结果公开"],
    "低保/救助": ["低保户审核结果公示", "临时救助名单公示", "特困供养人员公示"],
    "招投标": ["修路工程招标公告", "村道硬化项目中标结果公示", "小微工程招投标结果公告"],
    "财务": ["月度财务收支公开", "村集体资金收支明细公开", "季度财务公开报表"],
    "重大事项决策": ["四议两公开决议公示", "村民代表大会决议公告", "重大事项决策结果公开"],
    "集体资产资源处置": ["集体土地流转结果公示", "集体资产出租招标公告", "山林承包合同公示"],
    "宅基地": ["宅基地审批结果公示", "农村建房审批公示", "宅基地使用权确认公示"],
    "党务": ["党员发展对象公示", "党费收缴情况公开", "主题党日活动通报"],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董"
GIVEN = "建国秀英志强丽华海燕伟明春梅国庆桂兰德胜玉珍永福金花"
DETAILS = {
    "用章": "经{approver}审批，{applicant}申请使用村委会公章{count}次，用于出具{purpose}，经办人{handler}。",
    "低保/救助": "经村民代表评议，{applicant}家庭纳入{year}年度低保，每月补助{amount}元，公示期七天。",
    "招投标": "{project}项目预算{budget}元，共{bidders}家单位投标，中标单位为{company}，中标价{amount}元，下浮率{rate}%。",
    "财务": "凭证号JZ-{year}-{voucher:04d}，摘要：{summary}，金额{amount}元，审批人{approver}。",
    "重大事项决策": "按照四议两公开程序，{project}事项经党支部提议、两委商议、党员大会审议、村民代表会议决议，赞成率{rate}%。",
    "集体资产资源处置": "{area}亩集体土地流转给{company}，期限{term}年，年租金{amount}元。",
    "宅基地": "{applicant}申请宅基地{area}平方米，经村民小组讨论同意，报乡镇审批。",
    "党务": "{applicant}同志列为发展对象，培养联系人{handler}，公示期五个工作日。",
}
PURPOSES = ["居住证明", "收入证明", "亲属关系证明", "土地确权材料", "工程验收单", "贫困证明"]
PROJECTS = ["村道硬化", "饮水安全", "路灯安装", "河道清淤", "文化礼堂修缮", "垃圾分类站", "修路"]
COMPANIES = ["县建工集团", "顺达建筑公司", "青山农业合作社", "宏远工程公司", "绿源生态农场"]
SUMMARIES = ["购买办公用品", "支付保洁费", "发放误工补贴", "收到土地租金", "支付工程款", "慰问困难党员"]


def seed_sentences():
    """Sentences of 12–80 characters from the seed articles."""
    out = []
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="ignore")
        for sentence in re.split(r"(?<=[。！？；])", text):
            sentence = " ".join(sentence.split())
            if 12 <= len(sentence) <= 80 and re.search("[\u4e00-\u9fff]", sentence):
                out.append(sentence)
    return out


def _name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def units(n_townships=12, villages_per=15):
    """(township code, village code, village name) for a synthetic county."""
    out = []
    for t in range(n_townships):
        for v in range(villages_per):
            out.append((f"3301{t:02d}000000", f"3301{t:02d}{v + 1:03d}000", f"第{t + 1}镇{v + 1}村"))
    return out


def records(n, seed=1, target_chars=400):
    """Yield ``n`` search documents (dicts in the portal's document shape)."""
    rng = random.Random(seed)
    sentences = seed_sentences()
    places = units()
    start = datetime(2019, 1, 1, tzinfo=timezone.utc)
    for i in range(n):
        category = rng.choice(list(CATEGORIES))
        township, village, village_name = rng.choice(places)
        year = rng.choice(range(2019, 2026))
        values = {
            "approver": _name(rng), "applicant": _name(rng), "handler": _name(rng),
            "count": rng.randint(1, 5), "purpose": rng.choice(PURPOSES), "year": year,
            "amount": f"{rng.randint(100, 900000):,}.{rng.randint(0, 99):02d}", "budget": rng.randint(50000, 2000000),
            "bidders": rng.randint(1, 6), "company": rng.choice(COMPANIES), "rate": f"{rng.uniform(50, 100):.2f}",
            "project": rng.choice(PROJECTS), "voucher": rng.randint(1, 9999), "summary": rng.choice(SUMMARIES),
            "area": rng.randint(1, 300), "term": rng.randint(3, 30),
        }
        title = f"{village_name}{year}年{rng.choice(CATEGORIES[category])}"
        parts = [DETAILS[category].format(**values)]
        length = len(parts[0])
        while length < target_chars:
            sentence = rng.choice(sentences)
            parts.append(sentence)
            length += len(sentence)
        yield {
            "type": "publication", "id": str(i + 1), "title": title, "body": "".join(parts),
            "village": village, "township": township, "category": category,
            "published_at": start + timedelta(minutes=rng.randint(0, 7 * 365 * 24 * 60)),
            "url": f"/p/{i + 1}",
        }

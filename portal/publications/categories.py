"""The fixed vocabularies: disclosure categories (公开类别) and micro-power categories (小微权力类别).

A publication's ``category`` says which kind of openness it serves (the five
columns of a village notice board); its power item says which micro-power it
exercises, and each power item belongs to one micro-power category.
"""
CATEGORIES = {
    "party": "党务公开",
    "village": "村务公开",
    "finance": "财务公开",
    "pre": "事前公示",
    "result": "结果公示",
}
# A 公示 (public notice with an objection period) must carry its period.
PERIOD_CATEGORIES = {"pre", "result"}

POWER_CATEGORIES = {
    "major_decision": "重大事项决策",
    "tender": "招投标",
    "asset_disposal": "集体资产资源处置",
    "finance_flow": "财务收支",
    "homestead": "宅基地",
    "relief": "低保与救助",
    "seal": "用章",
    "personnel": "村务人事与组织",
    "service": "便民服务",
}

STATUSES = {
    "draft": "草稿",
    "returned": "已退回",
    "approved": "已审核",
    "published": "已公开",
    "superseded": "已更正（旧版本）",
    "withdrawn": "已撤回",
}
# Statuses anyone may read: a published record stays readable for ever.
PUBLIC_STATUSES = ("published", "superseded", "withdrawn")
EDITABLE_STATUSES = ("draft", "returned")


def category_name(code):
    return CATEGORIES.get(code, code)


def power_category_name(code):
    return POWER_CATEGORIES.get(code, code)

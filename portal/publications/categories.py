"""The fixed vocabularies: disclosure categories (公开类别) and micro-power categories (小微权力类别).

A publication's ``category`` says which kind of openness it serves (the five
columns of a village notice board); its power item says which micro-power it
exercises, and each power item belongs to one micro-power category.
"""
from portal.core.i18n import N_

CATEGORIES = {
    "party": N_("党务公开"),
    "village": N_("村务公开"),
    "finance": N_("财务公开"),
    "pre": N_("事前公示"),
    "result": N_("结果公示"),
}
# A 公示 (public notice with an objection period) must carry its period.
PERIOD_CATEGORIES = {"pre", "result"}

POWER_CATEGORIES = {
    "major_decision": N_("重大事项决策"),
    "tender": N_("招投标"),
    "asset_disposal": N_("集体资产资源处置"),
    "finance_flow": N_("财务收支"),
    "homestead": N_("宅基地"),
    "relief": N_("低保与救助"),
    "seal": N_("用章"),
    "personnel": N_("村务人事与组织"),
    "service": N_("便民服务"),
}

STATUSES = {
    "draft": N_("草稿"),
    "returned": N_("已退回"),
    "approved": N_("已审核"),
    "published": N_("已公开"),
    "superseded": N_("已更正（旧版本）"),
    "withdrawn": N_("已撤回"),
}
# Statuses anyone may read: a published record stays readable for ever.
PUBLIC_STATUSES = ("published", "superseded", "withdrawn")
EDITABLE_STATUSES = ("draft", "returned")


def category_name(code):
    return CATEGORIES.get(code, code)


def power_category_name(code):
    return POWER_CATEGORIES.get(code, code)

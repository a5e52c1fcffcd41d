"""The seal domain's fixed vocabularies: kinds of seal, states, matters that need a vote first."""
from portal.core.i18n import N_

SEAL_KINDS = {
    "committee": N_("村（居）民委员会章"),
    "party": N_("党组织章"),
    "supervision": N_("村务监督委员会章"),
    "finance": N_("财务专用章"),
    "cooperative": N_("股份经济合作社章"),
    "other": N_("其他印章"),
}
SEAL_STATES = {"in_use": N_("在用"), "suspended": N_("暂停使用"), "lost": N_("已遗失"), "destroyed": N_("已销毁")}
USE_STATES = {"out": N_("印章外带未归还"), "recorded": N_("已登记")}

# 用印事项: loans, guarantees, works contracts, asset disposal and land matters need a
# 村民(代表)会议 decision before the seal is applied (四议两公开).
MATTERS = {
    "routine": N_("日常事务"),
    "certificate": N_("开具证明"),
    "loan": N_("借款"),
    "guarantee": N_("担保"),
    "works": N_("工程项目合同"),
    "asset": N_("集体资产处置"),
    "land": N_("土地事项"),
}
VOTE_MATTERS = ("loan", "guarantee", "works", "asset", "land")
# Words in the purpose or document that mean a vote matter even when the clerk chose 日常事务.
VOTE_WORDS = {"借款": "loan", "贷款": "loan", "担保": "guarantee", "工程": "works", "施工合同": "works",
              "资产处置": "asset", "拍卖": "asset", "出售": "asset", "土地": "land", "流转": "land",
              "征收": "land", "宅基地": "land"}
# Meetings whose vote is a decision of the villagers (meetings.models.KINDS).
VOTE_MEETING_KINDS = ("representatives", "villagers")
OUT_LIMIT_HOURS = 24  # a seal out of the office longer than this is flagged
LATE_AFTER_DAYS = 1  # a use recorded more than this many days after it happened is flagged

"""The demo county's reports: every demo inspector has a report key, three reports wait in the inboxes.

Demo-only: the passphrase below and the receipt of the first report are printed
in the README so the demo can be walked through; a real county never has either.
"""
from portal.reports import filing, inspection, keys

DEMO_PASSPHRASE = "sunlight-report-2026"
DEMO_RECEIPT = "2026120200000001"


def load(ctx):
    for username, user in ctx.users.items():
        if user.role == "inspector":
            keys.set_passphrase(user, DEMO_PASSPHRASE)
    filing.file_report(ctx.villages["houxi"].code,
                       "后溪村村委会在2026年10月修村道时，把工程交给村主任的亲戚施工，没有公开招标，"
                       "村民代表大会也没开。路面不到两个月就开裂。", receipt=DEMO_RECEIPT)
    filing.file_report(ctx.villages["shicheng"].code,
                       "石埕村低保名单里有两户家里开着小卖部、有新车，真正困难的老人却没有评上。",
                       identity={"name": "石埕村村民", "contact": "请通过回执码联系"})
    filing.seal_pending(everything=True)
    inspector = ctx.users.get("inspector_100")
    if inspector is None:
        return
    private = keys.unlock(inspector, DEMO_PASSPHRASE)
    rows, _held, _total = inspection.inbox(inspector)
    first = min(rows, key=lambda r: r.id)
    inspection.reply(inspector, first.id, "您反映的问题已收到，镇纪委已安排人员到后溪村核查，核查结果将在这里告知您。",
                     private)

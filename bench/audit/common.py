"""Shared by the audit benchmarks: a log database of N synthetic entries, made fast."""
import datetime
import os
import random
import time

from audit import log
from audit.log import open_log  # noqa: F401  (the benchmarks' way in)

ACTIONS = ["publication.publish", "ledger.import", "seal.use", "bid.award", "appeal.reply"]


def payload(i, rng):
    """A payload shaped like a publication's: title, village, amounts, a body excerpt."""
    return {"title": f"第{i}号 村务公开：{rng.choice(['道路硬化', '低保名单', '集体资产出租'])}",
            "village": f"3505{rng.randrange(10**8):08d}", "amount": f"{rng.randrange(10**7) / 100:.2f}",
            "body": "依据四议两公开程序，经村民代表会议表决通过。" * rng.randrange(1, 4)}


def item(i, rng, when):
    """The arguments of one synthetic ``log.append`` call."""
    return {"actor": f"clerk{i % 40}", "action": ACTIONS[i % 5], "object_type": "publication",
            "object_id": str(i), "payload": payload(i, rng), "files": [os.urandom(8)] if i % 7 == 0 else (),
            "time": when}


def fill(database, count, per_txn=1000, seed=1, many=True):
    """Append ``count`` entries, ``per_txn`` per transaction; returns entries per second.

    ``many``: one ``log.append_many`` call per transaction (the bulk-import path);
    otherwise one ``log.append`` call per entry (what services do).
    """
    rng = random.Random(seed)
    when = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    start = time.perf_counter()
    done = 0
    while done < count:
        batch = [item(i, rng, when) for i in range(done, min(done + per_txn, count))]
        with database.atomic():
            if many:
                log.append_many(batch)
            else:
                for args in batch:
                    log.append(**args)
        done += len(batch)
    return count / (time.perf_counter() - start)

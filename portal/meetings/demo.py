"""Demo meetings: an upcoming 议事会 in 后溪村 and a finished 开标会 in 石埕村 with its replay.

The finished meeting is played as it would have happened two hours ago: the
service's clock is stepped through the meeting (items a minute or two apart)
so the replay has real timing, and the viewer counter saw a crowd.
"""
import contextlib
import datetime

from portal.meetings import services

HOUXI_AGENDA = [
    {"step": "collect", "title": "汇总村民反映的村道路灯损坏问题"},
    {"step": "decide_topic", "title": "村道路灯维修与节能改造"},
    {"step": "deliberate", "title": "协商维修方案与费用分摊"},
    {"step": "implement", "title": "明确施工责任人与完成时限"},
    {"step": "review", "title": "村务监督委员会监督验收"},
]
# Seconds before each post of the bid opening: reading the notice, opening envelopes, the vote.
PACE = [30, 95, 140, 75, 60, 70, 110, 180, 65]
BID_AGENDA = [
    {"step": "decide_topic", "title": "宣读石埕村排水沟改造工程招标公告"},
    {"step": "deliberate", "title": "当众开启投标文件并唱标"},
    {"step": "review", "title": "监委会核对开标记录"},
]


def load(ctx):
    now = datetime.datetime.now(datetime.timezone.utc)
    houxi_clerk = ctx.users["clerk_houxi"]
    services.create_meeting(houxi_clerk, ctx.villages["houxi"].code, "后溪村2026年第二季度议事会", "council",
                            now + datetime.timedelta(days=3), "后溪村村委会二楼会议室", HOUXI_AGENDA)
    clerk = ctx.users["clerk_shicheng"]
    meeting = services.create_meeting(
        clerk, ctx.villages["shicheng"].code, "石埕村排水沟改造工程开标会", "bid_opening",
        now - datetime.timedelta(hours=2), "石埕村便民服务中心", BID_AGENDA,
        links=[{"type": "bid", "id": "SC-2026-003", "title": "排水沟改造工程"}])
    with _meeting_clock(now.replace(tzinfo=None) - datetime.timedelta(hours=2)) as clock:
        _hold_meeting(clerk, meeting, clock)


@contextlib.contextmanager
def _meeting_clock(start):
    """Replace the meetings service's clock with one the demo advances by hand (demo loading only)."""
    state = {"now": start}

    def advance(seconds):
        state["now"] += datetime.timedelta(seconds=seconds)

    real = services.utcnow
    services.utcnow = lambda: state["now"]
    try:
        yield advance
    finally:
        services.utcnow = real


def _hold_meeting(clerk, meeting, advance):
    services.start_meeting(clerk, meeting)
    services.record_peak(meeting.id, 23)
    posts = [
        ("agenda", {"index": 0}),
        ("transcript", {"speaker": "村委会主任陈建华", "text": "本工程预算18.6万元，共收到3份投标文件。"}),
        ("agenda", {"index": 1}),
        ("bid_price", {"bidder": "泉州市清源建筑工程有限公司", "price": "176500.00"}),
        ("bid_price", {"bidder": "南岭镇顺达水利工程队", "price": "169800.00"}),
        ("bid_price", {"bidder": "清源县宏基市政工程有限公司", "price": "181200.00"}),
        ("agenda", {"index": 2}),
        ("vote", {"motion": "确认本次开标记录", "for": 7, "against": 0, "abstain": 0, "result": "passed"}),
        ("notice", {"text": "评标结果将在村务公开栏和本平台公示5天。"}),
    ]
    for seconds, (kind, data) in zip(PACE, posts):
        advance(seconds)
        services.post_item(clerk, meeting, kind, data)
    advance(120)
    services.end_meeting(clerk, meeting)

"""A join keeps the new high of viewers in memory; the counter's tick writes it, once, whatever the number of
joins since (3,000 viewers joining at once were 3,000 writers of the meeting's row: SQLite refused their joins)."""
from portal.meetings.hub import Hub


def test_joins_write_no_peak_the_tick_writes_the_highest_once():
    written = []
    hub = Hub(None, "test", on_count=lambda meeting, total: written.append((meeting, total)))
    for total in range(1, 3001):
        hub.note_count(7, total)
    hub.note_count(7, 12)  # a lower count later changes nothing
    assert written == []
    assert hub.peak(7) == 3000
    hub.save_peaks()
    assert written == [(7, 3000)]
    hub.save_peaks()  # nothing new since: nothing written
    assert written == [(7, 3000)]


def test_a_refused_peak_write_is_kept_for_the_next_tick():
    written, refuse = [], [True]

    def on_count(meeting, total):
        if refuse and refuse.pop():
            raise RuntimeError("database is locked")
        written.append((meeting, total))

    hub = Hub(None, "test", on_count=on_count)
    hub.note_count(7, 40)
    hub.save_peaks()  # refused: logged, not raised into the ticker, not forgotten
    assert written == []
    hub.save_peaks()
    assert written == [(7, 40)]

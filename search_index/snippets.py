"""Highlighted snippets computed from stored text with offsets we control.

Whoosh's highlighter works from the analyzer's token offsets; with a Chinese
analyzer that emits overlapping tokens (jieba's search mode) it wraps the same
characters twice or cuts words apart. Here the highlight strings are searched
in the normalised text (same length as the original for ordinary text), the
hit intervals are merged, and the original characters are HTML-escaped piece by
piece around ``<mark>`` tags, so the result is safe to insert as HTML.
"""
from bisect import bisect_left

from markupsafe import Markup

from search_index.analysis import normalise

# markupsafe.escape's entities, applied with one str.translate per piece
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})
WINDOW = 120
LEAD = 24


def _intervals(norm, needles):
    spans = []
    for needle in needles:
        start = norm.find(needle)
        while start != -1:
            spans.append((start, start + len(needle)))
            start = norm.find(needle, start + len(needle))
    spans.sort()
    merged = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _best_start(spans, length):
    """Start of the window holding the most highlighted characters.

    For each hit, the window starting LEAD characters before it; spans are
    sorted and disjoint, so its score is a prefix-sum difference, only the last
    span inside being possibly cut by the window's end.
    """
    starts = [s for s, _ in spans]
    prefix = [0]
    for s, e in spans:
        prefix.append(prefix[-1] + e - s)
    best, best_score = 0, -1
    for i, start in enumerate(starts):
        lo = max(0, start - LEAD)
        hi = lo + WINDOW
        j = bisect_left(starts, hi, i)
        score = prefix[j] - prefix[i] - max(0, spans[j - 1][1] - hi)
        if score > best_score:
            best, best_score = lo, score
    return min(best, max(0, length - WINDOW))


def snippet(text, needles, window=WINDOW):
    """Markup: up to ``window`` characters of ``text`` around its best hits, hits in <mark>."""
    text = " ".join((text or "").split())
    norm = normalise(text)
    source = text if len(norm) == len(text) else norm
    spans = _intervals(norm, [n for n in needles if n]) if needles else []
    start = _best_start(spans, len(source)) if spans else 0
    end = min(len(source), start + window)
    out, pos = ["…" if start > 0 else ""], start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out += (source[pos:s].translate(_ESCAPES), "<mark>", source[s:e].translate(_ESCAPES), "</mark>")
        pos = e
    out.append(source[pos:end].translate(_ESCAPES))
    out.append("…" if end < len(source) else "")
    return Markup("".join(out))

"""Highlighted snippets computed from stored text with offsets we control.

Whoosh's highlighter works from the analyzer's token offsets; with a Chinese
analyzer that emits overlapping tokens (jieba's search mode) it wraps the same
characters twice or cuts words apart. Here the highlight strings are searched
in the normalised text (same length as the original for ordinary text), the
hit intervals are merged, and the original characters are HTML-escaped piece by
piece around ``<mark>`` tags, so the result is safe to insert as HTML.
"""
from markupsafe import Markup, escape

from search_index.analysis import normalise

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
    """Start of the window holding the most highlighted characters."""
    best, best_score = 0, -1
    for i, (start, _) in enumerate(spans):
        lo = max(0, start - LEAD)
        score = sum(min(e, lo + WINDOW) - max(s, lo) for s, e in spans[i:] if s < lo + WINDOW)
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
    out, pos = [], start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(source[pos:s]))
        out.append(Markup("<mark>") + escape(source[s:e]) + Markup("</mark>"))
        pos = e
    out.append(escape(source[pos:end]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(source) else ""
    return Markup(prefix) + Markup("").join(out) + Markup(suffix)

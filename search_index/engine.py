"""Query evaluation in bulk over the Whoosh index's segments: numpy instead of per-posting matchers.

Whoosh's matchers visit every matching posting in Python, and ``groupedby``
facets then visit every match again; with common words (社区, 群众) matching
most of a 200,000-record county that costs seconds. This module reads the same
segments differently:

* a term's postings are read block by block straight from the segment's
  postings file (``W3TermInfo`` extent, pickled block data) into numpy arrays,
  and scored with Whoosh's BM25F formula (same idf, average field length and
  quantised document lengths as ``whoosh.scoring.BM25F``);
* queries combine dense per-segment masks and score vectors (AND, OR, NOT);
* filters and facet counts use per-segment arrays of column values (village,
  township, category, type, year, date), loaded once per segment — from the
  sidecar file the bulk builder wrote, or from Whoosh's columns for segments
  Whoosh's own writer made — and counted with ``numpy.bincount``;
* only the page's hits are read from stored fields.

A quoted phrase is matched by all its bigrams (the bigram fields keep no
positions) and then checked against the stored text of its candidates; above
``VERIFY_LIMIT`` candidates per query only the hits shown are checked, and
the total and facet counts are those of the bigram match (an upper bound).
"""
import io
import pickle
import struct
import threading
import zlib
from collections import OrderedDict
from pathlib import Path

import numpy as np
from whoosh import index as windex
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.reading import TermNotFound
from whoosh.util.times import datetime_to_long

from search_index import query as q
from search_index.analysis import PIECE_RE, normalise
from search_index.bulk import _LENGTH_TABLE, SIDECAR_EXT, length_bytes, write_sidecar

K1, B = 1.2, 0.75
VERIFY_LIMIT = 2000
EXACT_VERIFY_LIMIT = 400      # candidates checked for "contains the item as written" (ranking tier only)
SEGMENT_CACHE = 256
_INT = struct.Struct("!i")
_segment_cache = OrderedDict()
_segment_lock = threading.Lock()


def canonical(norm_text):
    """Normalised text as its pieces (see analysis.PIECE_RE) between NUL separators, for phrase checks."""
    return "\x00" + "\x00".join(PIECE_RE.findall(norm_text)) + "\x00"


class SegmentData:
    """Per-segment arrays for scoring, filters and facets (immutable; deletions are kept per snapshot)."""

    def __init__(self, arrays, scorable, facets):
        self.n = len(arrays["published"])
        self.published = arrays["published"]
        self.lengths = {f: _LENGTH_TABLE[arrays[f"len_{f}"]].astype(np.float64) for f in scorable}
        self.facets = {}
        for name in facets:
            labels = [str(x) for x in arrays[f"labels_{name}"]]
            self.facets[name] = (labels, {v: i for i, v in enumerate(labels)}, arrays[f"codes_{name}"])

    @classmethod
    def load(cls, folder, segment, segreader, scorable, facets, date_field):
        key = (str(folder), segment.segment_id())
        with _segment_lock:
            if key in _segment_cache:
                _segment_cache.move_to_end(key)
                return _segment_cache[key]
        path = Path(folder) / segment.make_filename(SIDECAR_EXT)
        try:
            with np.load(path) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except (OSError, ValueError):
            arrays = cls._from_columns(segreader, scorable, facets, date_field)
            try:
                write_sidecar(path, arrays)
            except OSError:
                pass
        data = cls(arrays, scorable, facets)
        with _segment_lock:
            _segment_cache[key] = data
            while len(_segment_cache) > SEGMENT_CACHE:
                _segment_cache.popitem(last=False)
        return data

    @staticmethod
    def _from_columns(segreader, scorable, facets, date_field):
        """The sidecar's arrays computed from a segment Whoosh's own writer made (small ones, usually)."""
        n = segreader.doc_count_all()
        out = {}
        for f in scorable:
            # Whoosh answers None, not the default, for a document whose field is empty (length byte 0):
            # an empty body is an ordinary document and must not break the segment for everyone.
            out[f"len_{f}"] = length_bytes([segreader.doc_field_length(d, f, 0) or 0 for d in range(n)])
        for name in facets:
            values = list(segreader.column_reader(name)) if segreader.has_column(name) else [""] * n
            labels, codes = np.unique(np.asarray([v or "" for v in values], dtype=str), return_inverse=True)
            out[f"labels_{name}"], out[f"codes_{name}"] = labels, codes.astype(np.int32)
        published = segreader.column_reader(date_field, translate=False) if segreader.has_column(date_field) else []
        out["published"] = np.asarray(list(published) or [0] * n, dtype=np.int64)
        return out


def read_postings(segreader, terminfo):
    """(docnums int64, weights) of one term in one segment, decoded a block at a time.

    ``weights`` is a float when every posting has the same one (Existence
    fields), else a float64 array.
    """
    if terminfo.is_inlined():
        ids, weights, _ = terminfo.inlined_postings()
        return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)
    offset, length = terminfo.extent()
    if isinstance(length, tuple):        # W3TermInfo.from_bytes leaves the length as unpack_int's tuple
        length = length[0]
    buf = segreader._terms._postfile.get(offset, length)
    if buf[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError("bad postings block header")
    pos, id_parts, w_parts, consts, previous_last = 4, [], [], set(), 0
    while pos < len(buf):
        size = _INT.unpack_from(buf, pos)[0]
        pos += 4
        last, size = size < 0, abs(size)
        stream = io.BytesIO(buf[pos:pos + size])
        count, last_id, _, comp, _, _ = pickle.load(stream)
        data = stream.read()
        ids, weights, _ = pickle.loads(zlib.decompress(data) if comp else data)
        deltas = np.asarray(ids, dtype=np.int64)
        deltas[0] -= previous_last            # a block's first id is absolute: make it a delta too
        previous_last = last_id
        id_parts.append(deltas)
        if weights is None or isinstance(weights, float):
            consts.add(1.0 if weights is None else weights)
            w_parts.append((count, 1.0 if weights is None else weights))
        else:
            w_parts.append(np.asarray(weights, dtype=np.float64))
        pos += size
        if last:
            break
    ids = np.cumsum(id_parts[0] if len(id_parts) == 1 else np.concatenate(id_parts))
    if len(consts) == 1 and all(isinstance(w, tuple) for w in w_parts):
        return ids, consts.pop()                      # every posting has the same weight
    return ids, np.concatenate([np.full(*w) if isinstance(w, tuple) else w for w in w_parts])


class _Leaf:
    def __init__(self, reader, offset, data, deleted):
        self.reader = reader
        self.offset = offset
        self.data = data
        self.live = np.ones(data.n, dtype=bool)
        if deleted:
            self.live[np.fromiter(deleted, dtype=np.int64)] = False


class Snapshot:
    """One generation of the index, opened for querying (not thread-safe: pooled per thread)."""

    def __init__(self, path, facets, date_field):
        self.ix = windex.open_dir(str(path))
        self.reader = self.ix.reader()
        self.generation = self.reader.generation()
        self.schema = self.ix.schema
        self.scorable = [n for n in self.schema.names() if self.schema[n].scorable]
        self.facets = facets
        self.date_field = date_field
        self.leaves = []
        for segreader, offset in self.reader.leaf_readers():
            segment = segreader.segment() if hasattr(segreader, "segment") else None
            if segment is None:                      # an index without segments: an EmptyReader
                continue
            data = SegmentData.load(path, segment, segreader, self.scorable, facets, date_field)
            deleted = segment.deleted_docs() if segment.has_deletions() else ()
            self.leaves.append(_Leaf(segreader, offset, data, deleted))
        self._tables = {}
        # Facet labels over all segments, and each segment's codes mapped onto them
        self.labels, self._code_maps = {}, []
        for name in facets:
            self.labels[name] = sorted({v for leaf in self.leaves for v in leaf.data.facets[name][0]})
        for leaf in self.leaves:
            index = {name: {v: k for k, v in enumerate(self.labels[name])} for name in facets}
            self._code_maps.append({name: np.asarray([index[name][v] for v in leaf.data.facets[name][0]] or [0],
                                                     dtype=np.int64)
                                    for name in facets})
        self.doc_count_all = self.reader.doc_count_all()
        self.avgfl = {f: (self.reader.field_length(f) / (self.doc_count_all or 1)) or 1 for f in self.scorable}

    def up_to_date(self):
        return self.ix.latest_generation() == self.generation

    def close(self):
        self.reader.close()

    def doc_count(self):
        return self.reader.doc_count()

    # -- evaluation -------------------------------------------------------
    def _term(self, field, text, boost, cache):
        """Per leaf: (docnums, scores) or None, with idf over the whole index (as Whoosh's searcher)."""
        key = (field, text, boost)
        if key in cache:
            return cache[key]
        infos = []
        for leaf in self.leaves:
            try:
                infos.append(leaf.reader.term_info(field, text))
            except (TermNotFound, KeyError):
                infos.append(None)
        df = sum(ti.doc_frequency() for ti in infos if ti is not None)
        out = [None] * len(self.leaves)
        if df:
            idf = np.log(self.doc_count_all / (df + 1)) + 1
            avgfl = self.avgfl.get(field, 1)
            for i, (leaf, ti) in enumerate(zip(self.leaves, infos)):
                if ti is None:
                    continue
                ids, w = read_postings(leaf.reader, ti)
                if field not in leaf.data.lengths:
                    scores = w if isinstance(w, np.ndarray) else np.full(len(ids), w)
                elif isinstance(w, np.ndarray):
                    scores = idf * ((w * (K1 + 1)) / (w + self._norm(i, field, avgfl)[ids])) * boost
                else:                                   # one weight for all: a per-document table
                    scores = self._tf(i, field, avgfl, w)[ids] * (idf * boost)
                out[i] = (ids, scores)
        cache[key] = out
        return out

    def _norm(self, i, field, avgfl):
        """BM25's length normalisation K1·(1−B+B·fl/avgfl) per document of leaf ``i`` (per snapshot)."""
        key = ("norm", i, field)
        if key not in self._tables:
            self._tables[key] = K1 * ((1 - B) + B * self.leaves[i].data.lengths[field] / avgfl)
        return self._tables[key]

    def _tf(self, i, field, avgfl, w):
        """BM25's term-frequency part for a constant weight ``w`` (Existence fields), per document."""
        key = ("tf", i, field, w)
        if key not in self._tables:
            self._tables[key] = (w * (K1 + 1)) / (w + self._norm(i, field, avgfl))
        return self._tables[key]

    def _prefix_terms(self, field, prefix):
        texts = set()
        for leaf in self.leaves:
            texts.update(leaf.reader.expand_prefix(field, prefix))
        return sorted(texts)

    def _eval(self, node, i, state):
        """(mask, score) of ``node`` in leaf ``i`` or None when nothing can match."""
        n = self.leaves[i].data.n
        if isinstance(node, q.Prefix):
            terms = state["prefixes"].setdefault((node.field, node.text), self._prefix_terms(node.field, node.text))
            return self._eval(q.Or([q.Term(node.field, t, node.boost) for t in terms]), i, state)
        if type(node) is q.Term:
            got = self._term(node.field, node.text, node.boost, state["terms"])[i]
            if got is None:
                return None
            mask, score = np.zeros(n, dtype=bool), np.zeros(n)
            mask[got[0]] = True
            score[got[0]] = got[1]
            return mask, score
        if isinstance(node, q.Or):
            mask, score, found = np.zeros(n, dtype=bool), np.zeros(n), False
            for child in node.children:
                if type(child) is q.Term:          # scatter postings straight in (prefixes: many terms)
                    got = self._term(child.field, child.text, child.boost, state["terms"])[i]
                    if got is not None:
                        mask[got[0]] = True
                        score[got[0]] += got[1]
                        found = True
                    continue
                got = self._eval(child, i, state)
                if got is not None:
                    mask |= got[0]
                    score += got[1]
                    found = True
            return (mask, score) if found else None
        if isinstance(node, q.And):
            parts = [self._eval(c, i, state) for c in node.children]
            if not parts or any(p is None for p in parts):
                return None
            mask, score = parts[0][0].copy(), parts[0][1].copy()
            for m, s in parts[1:]:
                mask &= m
                score += s
            score *= mask                      # invariant: no score outside the mask (ORs add scores up)
            return mask, score
        if isinstance(node, q.AndNot):
            pos = self._eval(node.positive, i, state)
            if pos is None:
                return None
            neg = self._eval(node.negative, i, state)
            if neg is not None:
                pos[0][neg[0]] = False
                pos[1][neg[0]] = 0.0
            return pos
        if isinstance(node, q.Phrase):
            got = self._eval(q.Or(node.alternatives), i, state)
            if got is None:
                return None
            if node.verify:
                self._verify(node, i, got[0], state)
            got[1][:] *= got[0]
            return got
        if isinstance(node, q.Bonus):
            got = self._eval(node.child, i, state)
            if got is None:
                return None
            return got[0], got[0] * node.bonus
        raise TypeError(f"unknown query node {node!r}")

    def _verify(self, node, i, mask, state):
        """Drop candidates whose stored text lacks the phrase, within the query's budget."""
        candidates = np.flatnonzero(mask & state["base"][i])
        budget = node.budget
        if len(candidates) > state[budget]:
            if node.required:
                state["unverified"].add(node.needle)
            return
        state[budget] -= len(candidates)
        reader = self.leaves[i].reader
        for d in candidates.tolist():
            if not self.contains(reader.stored_fields(d), node.needle):
                mask[d] = False

    @staticmethod
    def contains(stored, needle):
        return any(needle in canonical(normalise(stored.get(f) or "")) for f in ("title_text", "body_text"))

    def _base(self, filters, date_from, date_to):
        """Per leaf: live documents matching the filters."""
        lo = datetime_to_long(date_from) if date_from else None
        hi = datetime_to_long(date_to) if date_to else None
        out = []
        for leaf in self.leaves:
            mask = leaf.live.copy()
            for name, value in filters.items():
                _, index, codes = leaf.data.facets[name]
                code = index.get(value)
                if code is None:
                    mask[:] = False
                else:
                    mask &= codes == code
            if lo is not None:
                mask &= leaf.data.published >= lo
            if hi is not None:
                mask &= leaf.data.published <= hi
            out.append(mask)
        return out

    def matches(self, node):
        """{global docnum: score} of every live document ``node`` matches (tests compare with Whoosh)."""
        base = self._base({}, None, None)
        state = {"terms": {}, "prefixes": {}, "base": base, "budget": VERIFY_LIMIT, "unverified": set(),
                 "exact_budget": EXACT_VERIFY_LIMIT}
        out = {}
        for i, leaf in enumerate(self.leaves):
            got = self._eval(node, i, state)
            if got is not None:
                for d in np.flatnonzero(got[0] & base[i]).tolist():
                    out[d + leaf.offset] = float(got[1][d])
        return out

    def run(self, parsed, filters, date_from, date_to):
        """(total, facets {name: {label: n}}, (leaf, docnum) ranked lazily, unchecked required phrases)."""
        base = self._base(filters, date_from, date_to)
        state = {"terms": {}, "prefixes": {}, "base": base, "budget": VERIFY_LIMIT, "unverified": set(),
                 "exact_budget": EXACT_VERIFY_LIMIT}
        masks, keys = [], []
        for i, leaf in enumerate(self.leaves):
            if parsed.query is None:
                mask, key = base[i], leaf.data.published.astype(np.float64)
            else:
                got = self._eval(parsed.query, i, state)
                if got is None:
                    mask, key = np.zeros(leaf.data.n, dtype=bool), np.zeros(leaf.data.n)
                else:
                    mask, key = got[0] & base[i], got[1]
            masks.append(mask)
            keys.append(key)
        total = 0
        counts = {name: np.zeros(len(self.labels[name]), dtype=np.int64) for name in self.facets}
        for leaf, mask, maps in zip(self.leaves, masks, self._code_maps):
            sel = np.flatnonzero(mask)
            total += len(sel)
            for name in self.facets:
                counts[name] += np.bincount(maps[name][leaf.data.facets[name][2][sel]],
                                            minlength=len(self.labels[name]))
        facets = {name: {self.labels[name][k]: int(c[k]) for k in np.flatnonzero(c).tolist()}
                  for name, c in counts.items()}
        return total, facets, self._ranked(masks, keys), state["unverified"]

    def _ranked(self, masks, keys):
        """Yield (leaf, docnum) by descending key (score or date), ties in index order, fetching lazily."""
        want, done = 16, 0
        while True:
            cands, exhausted = [], True
            for i, (mask, key) in enumerate(zip(masks, keys)):
                idx = np.flatnonzero(mask)
                if len(idx) > want:
                    exhausted = False
                    kth = np.partition(-key[idx], want - 1)[want - 1]
                    idx = idx[-key[idx] <= kth]       # all ties at the cut too, so the order is stable
                offset = self.leaves[i].offset
                cands.extend(zip((-key[idx]).tolist(), (idx + offset).tolist(), [i] * len(idx), idx.tolist()))
            cands.sort()
            for _, _, i, d in (cands[done:] if exhausted else cands[done:want]):
                yield self.leaves[i], d
            if exhausted:
                return
            done, want = want, want * 4

"""Query evaluation in bulk over the Whoosh index's segments: numpy instead of per-posting matchers.

Whoosh's matchers visit every matching posting in Python, and ``groupedby``
facets then visit every match again; with common words (社区, 群众) matching
most of a 200,000-record county that costs seconds. This module reads the same
segments differently:

* a term's postings are read block by block straight from the segment's
  postings file (``W3TermInfo`` extent, pickled block data) into numpy arrays,
  and scored with Whoosh's BM25F formula (same idf, average field length and
  quantised document lengths as ``whoosh.scoring.BM25F``); each segment's
  answer for a term is kept in the process (bounded LRU, keyed by segment):
  a dictionary query reads two to three times the terms a plain one does;
* queries combine per-segment results (AND, OR, NOT): sorted docnums with
  their scores where they are few (a dictionary expansion, the as-written
  tier), dense masks and score vectors where they are many, with the same
  floats either way;
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
POSTINGS_CACHE_BYTES = 64 << 20   # per process: segments' decoded postings (and absent terms) kept between queries
SPARSE_SHARE = 0.1           # a result stays sparse while it holds at most this share of the leaf's documents
SEARCH_RATIO = 4             # an AND looks its few documents up by search in a part at most this many times larger
SPARSE, DENSE = "sparse", "dense"
_INT = struct.Struct("!i")
_segment_cache = OrderedDict()
_segment_lock = threading.Lock()
_postings_cache = OrderedDict()
_postings_bytes = 0
_postings_lock = threading.Lock()


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


def _member(part, ids):
    """Which of the sorted docnums ``ids`` the result ``part`` matches."""
    if part[0] is DENSE:
        return part[1][ids]
    pos = np.searchsorted(part[1], ids)
    pos[pos == len(part[1])] = 0
    return part[1][pos] == ids if len(part[1]) else np.zeros(len(ids), dtype=bool)


def _gather(part, ids):
    """The scores of ``part`` at docnums ``ids`` it matches (a new array)."""
    if part[0] is DENSE:
        return part[2][ids]
    return part[2][np.searchsorted(part[1], ids)]


def _dense(got, n):
    """(mask, score) of a sparse or dense result over a leaf of ``n`` documents."""
    if got[0] is DENSE:
        return got[1], got[2]
    mask, score = np.zeros(n, dtype=bool), np.zeros(n)
    mask[got[1]] = True
    score[got[1]] = got[2]
    return mask, score


def _segment_postings(leaf, field, text):
    """(doc frequency, (docnums, weights) or None) of a term in one segment, kept in a process-wide LRU.

    A segment's files never change, so neither does what it says of a term: entries are keyed by the
    segment, shared by every snapshot holding it (a commit adds segments, the others stay), and dropped
    least recently used first past POSTINGS_CACHE_BYTES. Docnums are kept as int32 (half the memory;
    numpy indexes with them as well).
    """
    key = (leaf.key, field, text)
    with _postings_lock:
        got = _postings_cache.get(key)
        if got is not None:
            _postings_cache.move_to_end(key)
            return got[0], got[1]
    try:
        info = leaf.reader.term_info(field, text)
    except (TermNotFound, KeyError):
        info = None
    if info is None:
        got = (0, None, 150)
    else:
        ids, weights = read_postings(leaf.reader, info)
        ids = ids.astype(np.int32)
        got = (info.doc_frequency(), (ids, weights), 250 + ids.nbytes + getattr(weights, "nbytes", 0))
    global _postings_bytes
    with _postings_lock:
        if key not in _postings_cache:
            _postings_cache[key] = got
            _postings_bytes += got[2]
            while _postings_bytes > POSTINGS_CACHE_BYTES and _postings_cache:
                _postings_bytes -= _postings_cache.popitem(last=False)[1][2]
    return got[0], got[1]


def clear_postings_cache():
    """Forget every kept term (benchmarks timing a query as the first of its kind)."""
    global _postings_bytes
    with _postings_lock:
        _postings_cache.clear()
        _postings_bytes = 0


class _Leaf:
    def __init__(self, reader, offset, data, deleted, key=None):
        self.key = key                    # (index folder, segment id): what the process-wide caches use
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
            self.leaves.append(_Leaf(segreader, offset, data, deleted, (str(path), segment.segment_id())))
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

    def clear_caches(self):
        """Forget the postings kept from earlier queries (benchmarks timing a query as the first of its kind)."""
        clear_postings_cache()

    def up_to_date(self):
        return self.ix.latest_generation() == self.generation

    def close(self):
        self.reader.close()

    def doc_count(self):
        return self.reader.doc_count()

    # -- evaluation -------------------------------------------------------
    #
    # A node's result in one leaf is None (nothing matches) or one of two forms with the same meaning:
    # sparse ``(SPARSE, docnums, scores)`` (sorted unique docnums) or dense ``(DENSE, mask, score)`` (score 0
    # outside the mask). A term's postings are sparse; an OR whose children hold many postings turns dense. Every
    # document's score is summed in the same order as a dense evaluation of the whole tree would (the children's
    # order, from 0.0), so both forms give the same floats, bit for bit; only the work differs: a dictionary
    # expansion or an as-written tier over a few hundred postings costs a few hundred operations, not a pass over
    # every document of the segment. Results are never changed in place (a term's arrays are the query's cache).

    def _postings(self, field, text, cache):
        """(df over the index, per leaf (docnums, weights) or None) of a term, looked up and decoded once a query.

        Each segment's answer (absent, or its postings decoded) is also kept in the process for later
        queries (``_segment_postings``): a dictionary query reads two to three times the terms a plain one
        does (each expansion's words and bigrams in five fields, most of them absent), and each costs a
        lookup in Whoosh's hashed term table on file and, when present, the unpickling of its blocks.
        """
        key = ("postings", field, text)
        got = cache.get(key)
        if got is not None:
            return got
        df, out = 0, []
        for leaf in self.leaves:
            n, postings = _segment_postings(leaf, field, text)
            df += n
            out.append(postings)
        got = cache[key] = (df, out)
        return got

    def _term(self, field, text, boost, cache):
        """Per leaf: (docnums, scores) or None, with idf over the whole index (as Whoosh's searcher).

        The boost-free part of the BM25 formula is kept per (field, text), so the same term under several boosts
        (the item's bigrams at 0.5, an expansion's at 0.2) is decoded and normalised once.
        """
        key = (field, text, boost)
        if key in cache:
            return cache[key]
        df, postings = self._postings(field, text, cache)
        out = [None] * len(self.leaves)
        if df:
            base = cache.get(("base", field, text))
            if base is None:
                idf = np.log(self.doc_count_all / (df + 1)) + 1
                avgfl = self.avgfl.get(field, 1)
                base = [None] * len(self.leaves)
                for i, (leaf, got) in enumerate(zip(self.leaves, postings)):
                    if got is None:
                        continue
                    ids, w = got
                    if field not in leaf.data.lengths:
                        base[i] = (ids, None, w if isinstance(w, np.ndarray) else np.full(len(ids), w))
                    elif isinstance(w, np.ndarray):
                        base[i] = (ids, idf, (w * (K1 + 1)) / (w + self._norm(i, field, avgfl)[ids]))
                    else:                               # one weight for all: a per-document table
                        base[i] = (ids, None, (self._tf(i, field, avgfl, w)[ids], idf))
                cache[("base", field, text)] = base
            for i, got in enumerate(base):
                if got is None:
                    continue
                ids, idf, part = got
                if isinstance(part, tuple):                     # tf[ids] * (idf * boost), as before
                    out[i] = (ids, part[0] * (part[1] * boost))
                elif idf is None:                               # not scorable: the weights as they are
                    out[i] = (ids, part)
                else:                                           # idf * (tf part) * boost, left to right
                    out[i] = (ids, idf * part * boost)
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

    def _checks(self, node, state):
        """True when ``node`` holds a phrase whose text is checked: it must be evaluated even where an AND
        around it cannot match (the checks draw on the query's budget, as they always have)."""
        memo = state["checks"]
        key = id(node)
        if key not in memo:
            if isinstance(node, q.Phrase):
                memo[key] = node.verify
            elif isinstance(node, q.Term):
                memo[key] = False
            elif isinstance(node, q.Bonus):
                memo[key] = self._checks(node.child, state)
            elif isinstance(node, q.AndNot):
                memo[key] = self._checks(node.positive, state) or self._checks(node.negative, state)
            else:
                memo[key] = any(self._checks(c, state) for c in node.children)
        return memo[key]

    def _eval(self, node, i, state):
        """(mask, score) of ``node`` in leaf ``i`` or None when nothing can match (dense, for callers)."""
        got = self._node(node, i, state)
        if got is None:
            return None
        return _dense(got, self.leaves[i].data.n)

    def _node(self, node, i, state):
        """The sparse or dense result of ``node`` in leaf ``i`` (see above), or None."""
        if type(node) is q.Term:
            return self._term_result(node.field, node.text, node.boost, i, state)
        if isinstance(node, q.Prefix):
            terms = state["prefixes"].setdefault((node.field, node.text), self._prefix_terms(node.field, node.text))
            return self._or([q.Term(node.field, t, node.boost) for t in terms], i, state)
        if isinstance(node, q.Or):
            return self._or(node.children, i, state)
        if isinstance(node, q.And):
            return self._and(node.children, i, state)
        if isinstance(node, q.AndNot):
            pos = self._node(node.positive, i, state)
            if pos is None:
                return None
            neg = self._node(node.negative, i, state)
            if neg is None:
                return pos
            if pos[0] is SPARSE:
                ids = pos[1]
                hit = _member(neg, ids)
                return (SPARSE, ids[~hit], pos[2][~hit]) if hit.any() else pos
            excluded = neg[1] if neg[0] is SPARSE else np.flatnonzero(neg[1])
            mask, score = pos[1].copy(), pos[2].copy()
            mask[excluded] = False
            score[excluded] = 0.0
            return DENSE, mask, score
        if isinstance(node, q.Phrase):
            got = self._or(node.alternatives, i, state)
            if got is None:
                return None
            if not node.verify:
                return got
            return self._verify(node, i, got, state)
        if isinstance(node, q.Bonus):
            got = self._node(node.child, i, state)
            if got is None:
                return None
            if got[0] is SPARSE:
                return SPARSE, got[1], np.full(len(got[1]), node.bonus)
            return DENSE, got[1], got[1] * node.bonus
        raise TypeError(f"unknown query node {node!r}")

    def _term_result(self, field, text, boost, i, state):
        """A term's postings in leaf ``i``, sparse (the query's cached arrays)."""
        got = self._term(field, text, boost, state["terms"])[i]
        return None if got is None else (SPARSE, got[0], got[1])

    def _as_dense(self, part, i, state):
        """The dense form of a result: made once a query for a sparse one (a term's postings recur in the tree)."""
        if part[0] is DENSE:
            return part
        memo = state["dense"]
        key = (id(part[1]), id(part[2]))
        got = memo.get(key)
        if got is None or got[0] is not part[1] or got[1] is not part[2]:
            n = self.leaves[i].data.n
            mask, score = np.zeros(n, dtype=bool), np.zeros(n)
            mask[part[1]] = True
            score[part[1]] = part[2]
            got = memo[key] = (part[1], part[2], (DENSE, mask, score))   # holds the arrays: ids stay unique
        return got[2]

    def _or(self, children, i, state):
        """Scores of the children added up in their order: sparse while their postings are few, else one dense
        accumulator the sparse children are scattered into (a term's postings straight in, as before)."""
        parts = [got for got in (self._node(c, i, state) for c in children) if got is not None]
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        n = self.leaves[i].data.n
        if all(p[0] is SPARSE for p in parts) and sum(len(p[1]) for p in parts) <= n * SPARSE_SHARE:
            ids = np.concatenate([p[1] for p in parts])
            scores = np.concatenate([p[2] for p in parts])
            uniq, inverse = np.unique(ids, return_inverse=True)
            # bincount adds each document's scores in array order, starting from 0.0: the children's order
            return SPARSE, uniq, np.bincount(inverse, weights=scores, minlength=len(uniq))
        mask, score = np.zeros(n, dtype=bool), np.zeros(n)
        for kind, a, b in parts:
            if kind is SPARSE:
                mask[a] = True
                score[a] += b
            else:
                mask |= a
                score += b
        return DENSE, mask, score

    def _and(self, children, i, state):
        """Documents every child matches, their scores added in the children's order.

        A child that matches nothing in the leaf ends the evaluation early, unless a later child checks phrases.
        Sparse when its smallest part is (looked up in the others: few postings by search, many by their dense
        form), else dense as before.
        """
        parts = []
        for k, child in enumerate(children):
            got = self._node(child, i, state)
            if got is None or (got[0] is SPARSE and not len(got[1])):
                for rest in children[k + 1:]:
                    if self._checks(rest, state):
                        self._node(rest, i, state)
                return None
            parts.append(got)
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        n = self.leaves[i].data.n
        sparse = [p for p in parts if p[0] is SPARSE]
        small = min(sparse, key=lambda p: len(p[1])) if sparse else None
        if small is None or len(small[1]) > n * SPARSE_SHARE:
            parts = [self._as_dense(p, i, state) for p in parts]
            mask, score = parts[0][1].copy(), parts[0][2].copy()
            for _, m, s in parts[1:]:
                mask &= m
                score += s
            score *= mask
            return DENSE, mask, score
        ids = small[1]
        lookups = []
        for p in parts:
            if p[0] is SPARSE and len(p[1]) > SEARCH_RATIO * len(small[1]) and len(p[1]) > n * SPARSE_SHARE:
                p = self._as_dense(p, i, state)
            lookups.append(p)
            if p[1] is not small[1]:
                ids = ids[_member(p, ids)]
                if not len(ids):
                    return None
        score = _gather(lookups[0], ids)
        for p in lookups[1:]:
            score += _gather(p, ids)
        return SPARSE, ids, score

    def _verify(self, node, i, got, state):
        """Drop candidates whose stored text lacks the phrase, within the query's budget."""
        base = state["base"][i]
        if got[0] is SPARSE:
            candidates = got[1][base[got[1]]]
        else:
            candidates = np.flatnonzero(got[1] & base)
        budget = node.budget
        if len(candidates) > state[budget]:
            if node.required:
                state["unverified"].add(node.needle)
            return got
        state[budget] -= len(candidates)
        reader = self.leaves[i].reader
        failed = [d for d in candidates.tolist() if not self.contains(reader.stored_fields(d), node.needle)]
        if not failed:
            return got
        if got[0] is SPARSE:
            keep = ~np.isin(got[1], failed)
            return SPARSE, got[1][keep], got[2][keep]
        mask = got[1].copy()
        mask[failed] = False
        return DENSE, mask, got[2] * mask

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
                 "exact_budget": EXACT_VERIFY_LIMIT, "checks": {}, "dense": {}}
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
                 "exact_budget": EXACT_VERIFY_LIMIT, "checks": {}, "dense": {}}
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

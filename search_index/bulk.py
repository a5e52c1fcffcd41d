"""Bulk rebuild: whole Whoosh segments written straight through the codec, no posting pool.

Whoosh's ``SegmentWriter`` sends every posting through a pure-Python pool
(pickled runs, a heap merge, one ``doc_field_length`` lookup per posting): at
~490 postings per record that caps a rebuild at a few hundred records a second.
Here each worker process analyses a chunk of documents into per-field arrays
(term id, document, frequency), sorts them once with numpy and writes the
segment's term table and posting blocks in term order with the codec's own
file objects (``W3FieldWriter``'s hash table and postings file,
``W3PerDocWriter`` for stored fields, lengths and columns). The result is an
ordinary Whoosh 2.7 segment: a plain ``whoosh.index.open_dir`` searcher reads it
(``tests/search/test_bulk.py`` compares it with the slow path).

Differences from ``SegmentWriter``'s output, all within the format: posting
blocks hold up to ``BLOCK`` postings (the reader takes any block size), are
not compressed, and their delta-coded ids and weights are ``array`` objects
rather than tuples (the reader iterates and indexes both).
"""
import os
import pickle
import struct
import threading
import zlib
from array import array
from collections import Counter, defaultdict

import numpy as np
from whoosh import formats
from whoosh.analysis import IDTokenizer
from whoosh.fields import ID
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3TermInfo
from whoosh.filedb.filestore import FileStorage
from whoosh.system import pack_ushort
from whoosh.util.numeric import _length_byte_cache
from whoosh.util.times import datetime_to_long

from search_index.analysis import bigram_tokens, word_tokens

BLOCK = 4096
# Blocks are stored uncompressed: zlib was most of a query's time over common terms (the index is
# about 1.5× larger). Set COMPRESS_MIN to compress blocks of at least that many postings.
COMPRESSION = 1
COMPRESS_MIN = 1 << 62
SIDECAR_EXT = ".srch.npz"          # matches Whoosh's segment file pattern: removed with its segment
_LENGTH_TABLE = np.asarray(_length_byte_cache, dtype=np.int64)
_INT = struct.Struct("!i")
_LONG = struct.Struct("!q")
_TERMINFO = W3TermInfo._struct          # flags, weight, doc freq, min/max length bytes, max weight, first/last id

# TEXT fields analysed here (the schema's analyzers run the same functions on the slow path).
TOKENS = {"title": word_tokens, "body": word_tokens, "topic": word_tokens,
          "title_bi": bigram_tokens, "body_bi": bigram_tokens}


def length_bytes(lengths):
    """Vectorised ``whoosh.util.numeric.length_to_byte``."""
    lengths = np.asarray(lengths, dtype=np.int64)
    out = np.searchsorted(_LENGTH_TABLE, lengths, side="left")
    return np.where(lengths >= 106374, 255, out).astype(np.uint8)


class _FieldPostings:
    """Postings of one field for one segment, accumulated document by document."""

    FLUSH = 2000

    def __init__(self):
        self.vocab = defaultdict()
        self.vocab.default_factory = self.vocab.__len__      # a new term gets the next id
        self._tids, self._freqs, self._parts = [], [], []
        self.per_doc = array("i")                           # distinct terms per document

    def add(self, counts):
        self._tids.extend(map(self.vocab.__getitem__, counts))
        self._freqs.extend(counts.values())
        self.per_doc.append(len(counts))
        if len(self.per_doc) % self.FLUSH == 0:
            self._flush()

    def add_set(self, terms):
        """Terms of a document for an Existence field (their frequencies are never read)."""
        self._tids.extend(map(self.vocab.__getitem__, terms))
        self.per_doc.append(len(terms))
        if len(self.per_doc) % self.FLUSH == 0:
            self._flush()

    def _flush(self):
        if self._tids:
            freqs = np.array(self._freqs, dtype=np.int32) if self._freqs else np.ones(len(self._tids), np.int32)
            self._parts.append((np.array(self._tids, dtype=np.int32), freqs))
            self._tids, self._freqs = [], []

    def arrays(self):
        self._flush()
        if not self._parts:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
        return (np.concatenate([t for t, _ in self._parts]), np.concatenate([f for _, f in self._parts]))


def _segment_arrays(schema, docs):
    """Per-field postings and per-document lengths for ``docs`` (lists of Whoosh field dicts)."""
    postings = defaultdict(_FieldPostings)
    lengths = {name: array("i") for name in TOKENS}
    indexed = [(name, schema[name]) for name in schema.names() if schema[name].indexed]
    plain_ids = {name for name, field in indexed
                 if type(field) is ID and type(field.analyzer) is IDTokenizer}
    distinct = {name for name, field in indexed if name in TOKENS and isinstance(field.format, formats.Existence)}
    for fields in docs:
        for name, field in indexed:
            value = fields.get(name)
            if name in distinct:                     # Existence: which terms, each counted once
                terms = set(TOKENS[name](value)) if value else set()
                lengths[name].append(len(terms))
                postings[name].add_set(terms)
            elif name in TOKENS:
                counts = Counter(TOKENS[name](value) if value else ())
                lengths[name].append(counts.total())   # Whoosh's field length: the sum of the frequencies
                postings[name].add(counts)
            elif value is None:
                postings[name].add({})
            elif name in plain_ids:                  # IDTokenizer: the whole value is the one term
                postings[name].add({value: 1})
            else:
                postings[name].add({tbytes: freq for tbytes, freq, _, _ in field.index(value)})
    return postings, lengths


def _blocks(starts):
    """Start and end offsets of every posting block, terms (in id order) cut into BLOCK-sized pieces."""
    df = np.diff(starts)
    nb = (df + BLOCK - 1) // BLOCK
    block_tid = np.repeat(np.arange(len(df)), nb)
    first = np.cumsum(nb) - nb
    bstart = starts[:-1][block_tid] + (np.arange(len(block_tid)) - first[block_tid]) * BLOCK
    bend = np.minimum(bstart + BLOCK, starts[1:][block_tid])
    return first, nb, bstart, bend


def _write_postings(fieldwriter, postfile, name, field, fp, doc_lengths, ndocs):
    """Write one field's terms in byte order, each as blocks of up to BLOCK postings.

    Everything per posting is done with numpy over the whole field; the Python
    loop runs per block (pickle, compress) and per term (term table row).
    """
    tids, freqs = fp.arrays()
    if not len(tids):
        return
    docs = np.repeat(np.arange(ndocs, dtype=np.int64), np.frombuffer(fp.per_doc, dtype=np.int32))
    order = np.argsort(tids, kind="stable")           # documents stay ascending within a term
    docs, freqs = docs[order], freqs[order]
    starts = np.zeros(len(fp.vocab) + 1, dtype=np.int64)
    np.cumsum(np.bincount(tids, minlength=len(fp.vocab)), out=starts[1:])
    first, nblocks, bstart, bend = _blocks(starts)
    fixed = field.format.fixed_value_size()
    if fixed not in (0, 4):
        raise ValueError(f"bulk writer cannot encode the format of field {name}")

    boost = float(field.format.field_boost)
    # Existence reports every posting with the field's boost, whatever the frequency
    weights = (freqs * boost if fixed == 4 else np.full(len(freqs), boost)).astype(np.float32)
    deltas = docs.copy()
    deltas[1:] -= docs[:-1]
    deltas[bstart] = docs[bstart]                     # each block's ids restart from 0
    id_bytes = deltas.astype(np.uint32).tobytes()
    id16_bytes = deltas.astype(np.uint16).tobytes()
    b_small = (np.maximum.reduceat(deltas, bstart) < 65536).tolist()
    w_bytes = weights.tobytes()
    v_bytes = freqs.astype(">u4").tobytes() if fixed == 4 else None
    b_wmax = np.maximum.reduceat(weights, bstart).tolist()
    b_wmin = np.minimum.reduceat(weights, bstart).tolist()
    b_last = docs[bend - 1].tolist()
    t_weight = np.add.reduceat(weights.astype(np.float64), starts[:-1]).tolist()
    t_wmax = np.maximum.reduceat(weights, starts[:-1]).tolist()
    t_first, t_last = docs[starts[:-1]].tolist(), docs[starts[1:] - 1].tolist()
    if doc_lengths is not None:
        lens = doc_lengths[docs]
        lbytes = length_bytes(doc_lengths)[docs]
        b_mnb = np.minimum.reduceat(lbytes, bstart).tolist()
        b_mxb = np.maximum.reduceat(lbytes, bstart).tolist()
        t_mnb = length_bytes(np.minimum.reduceat(lens, starts[:-1])).tolist()
        t_mxb = length_bytes(np.maximum.reduceat(lens, starts[:-1])).tolist()
    else:
        b_mnb = b_mxb = [0] * len(bstart)
        t_mnb = t_mxb = [0] * (len(starts) - 1)
    bstart, bend, first, nblocks = bstart.tolist(), bend.tolist(), first.tolist(), nblocks.tolist()
    df = np.diff(starts).tolist()

    terms = sorted(((t if isinstance(t, bytes) else t.encode("utf-8")), tid) for t, tid in fp.vocab.items())
    fieldwriter.start_field(name, field)
    prefix = pack_ushort(fieldwriter._fieldid)
    tindex_add = fieldwriter._tindex.add
    base = postfile.tell()
    out, pos = [], 0
    dumps, compress = pickle.dumps, zlib.compress
    for btext, tid in terms:
        offset = pos
        out.append(WHOOSH3_HEADER_MAGIC)
        pos += 4
        last_block = first[tid] + nblocks[tid] - 1
        for k in range(first[tid], last_block + 1):
            b0, b1 = bstart[k], bend[k]
            if b_small[k]:
                ids = array("H")
                ids.frombytes(id16_bytes[2 * b0:2 * b1])
            else:
                ids = array("I")
                ids.frombytes(id_bytes[4 * b0:4 * b1])
            wmax = b_wmax[k]
            if wmax == b_wmin[k]:
                wval = None if wmax == 1.0 else wmax
            else:
                wval = array("f")
                wval.frombytes(w_bytes[4 * b0:4 * b1])
            values = v_bytes[4 * b0:4 * b1] if v_bytes is not None else None
            data = dumps((ids, wval, values), 4)
            comp = COMPRESSION if b1 - b0 >= COMPRESS_MIN else 0
            if comp:
                data = compress(data, comp)
            info = dumps((b1 - b0, b_last[k], wmax, comp, b_mnb[k], b_mxb[k]), 2)
            size = len(info) + len(data)
            out.append(_INT.pack(-size if k == last_block else size))
            out.append(info)
            out.append(data)
            pos += 4 + size
        row = _TERMINFO.pack(0, t_weight[tid], df[tid], t_mnb[tid], t_mxb[tid], t_wmax[tid],
                             t_first[tid], t_last[tid])
        tindex_add(prefix + btext, row + _LONG.pack(base + offset) + _INT.pack(pos - offset))
    postfile.write(b"".join(out))
    fieldwriter.finish_field()


def _write_per_doc(codec, storage, segment, schema, docs, lengths):
    """Stored fields, field lengths and columns, as ``SegmentWriter.add_document`` writes them."""
    perdoc = codec.per_document_writer(storage, segment)
    names = sorted({name for fields in docs for name in fields})
    plan = [(name, schema[name], schema[name].stored, schema[name].column_type, lengths.get(name)) for name in names]
    add_field, add_column = perdoc.add_field, perdoc.add_column_value
    for docnum, fields in enumerate(docs):
        perdoc.start_doc(docnum)
        for name, field, stored, column, lens in plan:
            value = fields.get(name)
            if value is None:
                continue
            add_field(name, field, value if stored else None, lens[docnum] if lens is not None else 0)
            if column:
                add_column(name, column, field.to_column_value(value))
        perdoc.finish_doc()
    perdoc.close()


def write_sidecar(path, arrays):
    """Save a segment's query-time arrays (see engine.SegmentData) beside its files, atomically."""
    tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp.npz"    # readers may race to write one
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def _sidecar_arrays(docs, lengths, facets, date_field):
    out = {}
    for name, lens in lengths.items():
        out[f"len_{name}"] = length_bytes(np.frombuffer(lens, dtype=np.int32))
    for name in facets:
        values = [fields.get(name) or "" for fields in docs]
        labels, codes = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
        out[f"labels_{name}"] = labels
        out[f"codes_{name}"] = codes.astype(np.int32)
    out["published"] = np.asarray([datetime_to_long(fields[date_field]) for fields in docs], dtype=np.int64)
    return out


def build_segment(index_dir, indexname, schema, docs, facets, date_field):
    """Write ``docs`` (Whoosh field dicts) as one new segment of the index in ``index_dir``; return it.

    The segment is not in any TOC yet: the caller commits the segments of all
    workers together (``commit_segments``).
    """
    storage = FileStorage(str(index_dir))
    codec = W3Codec()
    segment = codec.new_segment(storage, indexname)
    postings, lengths = _segment_arrays(schema, docs)
    _write_per_doc(codec, storage, segment, schema, docs, lengths)
    fieldwriter = codec.field_writer(storage, segment)
    postfile = fieldwriter._postfile
    for name in sorted(postings):
        doc_lengths = np.frombuffer(lengths[name], dtype=np.int32) if name in lengths else None
        _write_postings(fieldwriter, postfile, name, schema[name], postings[name], doc_lengths, len(docs))
    fieldwriter.close()
    segment.set_doc_count(len(docs))
    write_sidecar(storage.folder + "/" + segment.make_filename(SIDECAR_EXT),
                  _sidecar_arrays(docs, lengths, facets, date_field))
    return segment


def build_chunk(args):
    """Worker entry point: ``(index_dir, indexname, documents[, personal_data])`` → (new segment
    or None, refused).

    Documents are checked here, in the worker, so the parent only hands out
    chunks; ``refused`` lists (position in the chunk, reason) for the caller.
    """
    from search_index.documents import check
    from search_index.schema import DATE_FIELD, FACETS, fields_of, make_schema
    index_dir, indexname, docs = args[:3]
    personal_data = args[3] if len(args) > 3 else None
    fields, refused = [], []
    for position, doc in enumerate(docs):
        try:
            fields.append(fields_of(check(doc, personal_data)))
        except ValueError as exc:
            refused.append((position, str(exc)))
    if not fields:
        return None, refused
    return build_segment(index_dir, indexname, make_schema(), fields, FACETS, DATE_FIELD), refused


def commit_segments(ix, segments):
    """Make ``segments`` the whole index (a new generation); drops the files of the old ones."""
    from whoosh.index import TOC, clean_files
    generation = ix.latest_generation() + 1
    TOC(ix.schema, segments, generation).write(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, generation, segments)

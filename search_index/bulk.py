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
blocks hold up to ``BLOCK`` postings (the reader takes any block size) and
their delta-coded ids and weights are ``array`` objects rather than tuples
(the reader iterates and indexes both).
"""
import os
import pickle
import struct
import zlib
from array import array
from collections import Counter, defaultdict

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3TermInfo
from whoosh.filedb.filestore import FileStorage
from whoosh.system import pack_ushort
from whoosh.util.numeric import _length_byte_cache
from whoosh.util.times import datetime_to_long

from search_index.analysis import bigram_tokens, word_tokens

BLOCK = 1024
COMPRESSION = 1
SIDECAR_EXT = ".srch.npz"          # matches Whoosh's segment file pattern: removed with its segment
_LENGTH_TABLE = np.asarray(_length_byte_cache, dtype=np.int64)
_INT = struct.Struct("!i")

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

    def __init__(self):
        self.vocab = defaultdict()
        self.vocab.default_factory = self.vocab.__len__      # a new term gets the next id
        self.tids = array("i")
        self.freqs = array("i")
        self.per_doc = array("i")                           # distinct terms per document

    def add(self, counts):
        self.tids.extend(map(self.vocab.__getitem__, counts.keys()))
        self.freqs.extend(counts.values())
        self.per_doc.append(len(counts))


def _segment_arrays(schema, docs):
    """Per-field postings and per-document lengths for ``docs`` (lists of Whoosh field dicts)."""
    postings = defaultdict(_FieldPostings)
    lengths = {name: array("i") for name in TOKENS}
    indexed = [(name, schema[name]) for name in schema.names() if schema[name].indexed]
    for fields in docs:
        for name, field in indexed:
            value = fields.get(name)
            if name in TOKENS:
                tokens = TOKENS[name](value) if value else []
                lengths[name].append(len(tokens))
                postings[name].add(Counter(tokens))
            elif value is None:
                postings[name].add({})
            else:
                postings[name].add({tbytes: freq for tbytes, freq, _, _ in field.index(value)})
    return postings, lengths


def _write_postings(fieldwriter, postfile, name, field, fp, doc_lengths, ndocs):
    """Write one field's terms in byte order, each as blocks of up to BLOCK postings."""
    tids = np.frombuffer(fp.tids, dtype=np.int32)
    freqs = np.frombuffer(fp.freqs, dtype=np.int32)
    docs = np.repeat(np.arange(ndocs, dtype=np.int64), np.frombuffer(fp.per_doc, dtype=np.int32))
    order = np.argsort(tids, kind="stable")           # documents stay ascending within a term
    docs, freqs = docs[order], freqs[order]
    starts = np.zeros(len(fp.vocab) + 1, dtype=np.int64)
    np.cumsum(np.bincount(tids, minlength=len(fp.vocab)), out=starts[1:])
    boost = float(field.format.field_boost)
    fixed = field.format.fixed_value_size()
    lens = doc_lengths[docs] if doc_lengths is not None else None
    lbytes = length_bytes(lens) if lens is not None else None
    weights_all = (freqs * boost).astype(np.float32)

    terms = sorted(((t if isinstance(t, bytes) else t.encode("utf-8")), tid) for t, tid in fp.vocab.items())
    fieldwriter.start_field(name, field)
    fieldid = fieldwriter._fieldid
    tindex = fieldwriter._tindex
    for btext, tid in terms:
        lo, hi = int(starts[tid]), int(starts[tid + 1])
        info = W3TermInfo()
        offset = postfile.tell()
        postfile.write(WHOOSH3_HEADER_MAGIC)
        for b0 in range(lo, hi, BLOCK):
            b1 = min(hi, b0 + BLOCK)
            ids = docs[b0:b1]
            weights = weights_all[b0:b1]
            deltas = np.diff(ids, prepend=0)
            id_arr = array("H" if deltas.max() < 65536 else "I", deltas.astype(np.uint32).tolist())
            wmax = float(weights.max())
            if wmax == 1.0 and float(weights.min()) == 1.0:
                wval = None
            elif float(weights.min()) == wmax:
                wval = wmax
            else:
                wval = array("f", weights.tobytes())
            if fixed == 0:
                values = None
            elif fixed == 4:
                values = freqs[b0:b1].astype(">u4").tobytes()
            else:
                raise ValueError(f"bulk writer cannot encode the format of field {name}")
            data = zlib.compress(pickle.dumps((id_arr, wval, values), 4), COMPRESSION)
            if lens is not None:
                mnl, mxl = int(lens[b0:b1].min()), int(lens[b0:b1].max())
                mnb, mxb = int(lbytes[b0:b1].min()), int(lbytes[b0:b1].max())
            else:
                mnl, mxl, mnb, mxb = None, 0, 0, 0
            infobytes = pickle.dumps((b1 - b0, int(ids[-1]), wmax, COMPRESSION, mnb, mxb), 2)
            size = len(infobytes) + len(data)
            postfile.write(_INT.pack(-size if b1 == hi else size))
            postfile.write(infobytes)
            postfile.write(data)
            # Term statistics, as W3TermInfo.add_block would gather them.
            info._weight += float(weights.astype(np.float64).sum())
            info._df += b1 - b0
            if mnl is not None:
                info._minlength = mnl if info._minlength is None else min(info._minlength, mnl)
            info._maxlength = max(info._maxlength, mxl)
            info._maxweight = max(info._maxweight, wmax)
            if info._minid is None:
                info._minid = int(ids[0])
            info._maxid = int(ids[-1])
        info.set_extent(offset, postfile.tell() - offset)
        tindex.add(pack_ushort(fieldid) + btext, info.to_bytes())
    fieldwriter.finish_field()


def _write_per_doc(codec, storage, segment, schema, docs, lengths):
    perdoc = codec.per_document_writer(storage, segment)
    for docnum, fields in enumerate(docs):
        perdoc.start_doc(docnum)
        for name in sorted(fields):
            value = fields[name]
            if value is None:
                continue
            field = schema[name]
            length = lengths[name][docnum] if name in lengths else 0
            perdoc.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
    perdoc.close()


def write_sidecar(path, arrays):
    """Save a segment's query-time arrays (see engine.SegmentData) beside its files, atomically."""
    tmp = str(path) + ".tmp.npz"
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
    """Worker entry point: ``(index_dir, indexname, checked documents)`` → a new segment."""
    from search_index.schema import DATE_FIELD, FACETS, fields_of, make_schema
    index_dir, indexname, docs = args
    return build_segment(index_dir, indexname, make_schema(), [fields_of(d) for d in docs], FACETS, DATE_FIELD)


def commit_segments(ix, segments):
    """Make ``segments`` the whole index (a new generation); drops the files of the old ones."""
    from whoosh.index import TOC, clean_files
    generation = ix.latest_generation() + 1
    TOC(ix.schema, segments, generation).write(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, generation, segments)

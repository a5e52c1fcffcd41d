"""Chinese text analysis: normalisation, word tokens (precision), bigram tokens (recall).

Two views of the same text are indexed:

* **words** — rjieba (the Rust port of jieba, ~50× faster than pure-Python jieba)
  segments Chinese into dictionary words, so 公章 ranks documents about seals,
  not every text containing 办公章程;
* **bigrams** — every overlapping pair of Chinese characters plus the last
  character of each run, so two-character words and names that the dictionary
  splits differently (低保户 → 低保, 张三丰 → 张三) are still found, and a quoted
  phrase is an exact substring match (a sequence of consecutive bigrams).

Latin letters and digits become ``[0-9a-z]+`` pieces in both views: a voucher
number ``JZ-2024-0153`` is ``jz 2024 0153`` and ``99.58%`` is ``99 58``, found as
a phrase. Text is normalised before either view: full-width forms to ASCII,
lower case, Traditional to Simplified (OpenCC ``t2s``), so 雙灤 finds 双滦.
Documents and queries go through the same functions.
"""
import re
from itertools import chain
from operator import add

import opencc
import rjieba
from whoosh.analysis import Token, Tokenizer

_T2S = opencc.OpenCC("t2s")
# Full-width ASCII (！ to ～) and the ideographic space map one-to-one to ASCII,
# which keeps character offsets stable for snippets.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
PIECE_RE = re.compile(f"[{CJK}]+|[0-9a-z]+")
CJK_RE = re.compile(f"[{CJK}]")

# Function words that carry no meaning on their own: dropped from the word view
# (the bigram view keeps them so that quoted phrases stay exact).
STOPWORDS = frozenset(
    "的 了 和 与 及 或 在 是 对 把 被 将 从 向 为 以 于 由 之 其 而 并 等 也 都 就 又 "
    "这 那 这个 那个 一个 有 个 上 下 中 啊 吧 呢 吗 着 过 所 则 且 即 但 该 各 "
    "a an and are as at be by for from in is it of on or the to was with".split())


def normalise(text):
    """The form both documents and queries are indexed in (same length for ordinary text)."""
    if not text:
        return ""
    return _T2S.convert(text.translate(_FULLWIDTH).lower())


def is_cjk(text):
    return bool(CJK_RE.match(text))


class _WordPieces(dict):
    """Memo: a jieba word → its index pieces (stopwords dropped); bounded, the vocabulary repeats."""

    LIMIT = 400_000

    def __missing__(self, word):
        if len(self) > self.LIMIT:
            self.clear()
        pieces = tuple(p for p in PIECE_RE.findall(word) if p not in STOPWORDS)
        self[word] = pieces
        return pieces


_PIECES = _WordPieces()


def word_tokens(norm):
    """Words of normalised text, stopwords dropped, in order."""
    return list(chain.from_iterable(map(_PIECES.__getitem__, rjieba.cut(norm))))


def bigram_tokens(norm):
    """(position-ordered) bigram-view tokens of normalised text.

    A Chinese run c1..cn gives c1c2 … c(n-1)cn and then cn, so every character
    starts exactly one token (single characters are found by prefix) and a run
    of n characters takes n positions.
    """
    out = []
    for piece in PIECE_RE.findall(norm):
        if piece[0] > "z":                      # Chinese (pieces are all-Chinese or all [0-9a-z])
            out.extend(map(add, piece, piece[1:]))
            out.append(piece[-1])
        else:
            out.append(piece)
    return out


class _ListTokenizer(Tokenizer):
    """A Whoosh tokenizer over a function returning the token texts (positions only, no offsets).

    It expects text already passed through :func:`normalise` (the index
    normalises each field once and feeds both views from it).

    Snippets are built from stored text with offsets we compute ourselves, so
    the index does not need character offsets (and the overlapping-token
    highlighting bug of jieba's ChineseAnalyzer cannot arise).
    """

    def __init__(self, tokens_of):
        self.tokens_of = tokens_of

    def __eq__(self, other):
        return type(other) is type(self) and other.tokens_of is self.tokens_of

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        texts = self.tokens_of(value) if tokenize else [value]
        for pos, text in enumerate(texts, start_pos):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = pos
            yield token


def WordAnalyzer():
    return _ListTokenizer(word_tokens)


def BigramAnalyzer():
    return _ListTokenizer(bigram_tokens)

"""From what a resident types to a Whoosh query, with clear refusals.

The syntax is deliberately small: words separated by spaces must all match;
``"…"`` (or “…”) is an exact phrase; ``OR`` between two items matches either;
``-word`` or ``NOT word`` excludes. Each bare word matches in two ways whose
scores add up: its dictionary words (precise, titles boosted) and all of its
bigrams (recall for two-character words and names the dictionary splits
otherwise). A phrase matches its bigrams and is then checked as a substring of
the stored text (the bigram fields keep no positions; see engine).

Residents' words: a bare word also finds what the domain dictionary
(``synonyms``) lists for it (低保 → 最低生活保障), at ``EXPANDED_WEIGHT`` of an
exact match's score. Ranking is tiered: every item a record contains exactly as
written (its bigrams, and for longer items the substring checked against the
stored text) adds ``EXACT_BONUS``, which no BM25 score reaches, so a record
holding 红色物业 ranks above one holding only 红色 and 物业, and a record saying
低保 above one that only says 最低生活保障.

The result is a small tree of the node classes below, evaluated in bulk by
``engine``; ``to_whoosh`` turns it into the equivalent Whoosh query (without
the phrase check), which tests use to compare both paths.
"""
import re
from functools import lru_cache

from whoosh import query as wq
from whoosh.query.compound import DefaultOr

from search_index.analysis import PIECE_RE, is_cjk, normalise, word_tokens
from search_index.synonyms import expansions

# Words residents wrap a search in ("谁家吃低保", "鱼塘包给谁了"): dropped from queries only (the index keeps them).
QUERY_FILLERS = frozenset(
    "谁 谁家 什么 啥 怎么 怎样 如何 哪些 哪里 哪个 多少 几 吗 呢 了 么 我 我们 你 咱 咱们 咱村 村里 请问 有没有 "
    "是不是 查 查询 查看 看看 一下 想 要 给 吃 能 可以 情况 问题 关于 最近".split())
MAX_QUERY_CHARS = 200
MAX_ITEMS = 12
OPERATORS = {"AND", "OR", "NOT", "-", "+", "|", "&"}
_ITEM_RE = re.compile(r'-?"[^"]*"|\S+')
TITLE_BOOST = 3.0
EXACT_BONUS = 1000.0          # per item found as written; BM25 scores here stay far below it
ALL_WORDS_BONUS = 100.0       # per item whose every word is found (apart, or through the dictionary)
EXPANDED_WEIGHT = 0.4         # a dictionary expansion's share of an exact match's score
PARSE_CACHE = 2048            # query strings whose parsed tree is kept (see parse)


class QueryError(ValueError):
    """A query that cannot be run; ``code`` for the API, ``message`` (Chinese) for people."""

    def __init__(self, code, message, **params):
        super().__init__(message % params if params else message)
        self.code = code
        self.template = message  # a %(name)s template the portal translates, then fills with params
        self.params = params
        self.message = message % params if params else message


class Term:
    def __init__(self, field, text, boost=1.0):
        self.field, self.text, self.boost = field, text, boost


class Prefix(Term):
    pass


class And:
    def __init__(self, children):
        self.children = list(children)


class Or(And):
    pass


class AndNot:
    def __init__(self, positive, negative):
        self.positive, self.negative = positive, negative


class Phrase:
    """Bigram matches in title or body (``alternatives``), kept only where ``needle`` is in the text.

    ``needle`` is in ``engine.canonical`` form; ``required`` marks a phrase every
    hit must contain (not under OR or NOT), which hits are checked for when the
    candidates were too many to check all.
    """

    def __init__(self, needle, alternatives, required=False, verify=True):
        self.needle, self.alternatives, self.required = needle, alternatives, required
        self.verify = verify          # False when the bigram match is already exact (one short piece)
        self.budget = "budget"        # the engine's checking budget it draws on ("exact_budget": ranking only)


class Bonus:
    """Every document ``child`` matches scores ``bonus`` (the exact-match tier of an item)."""

    def __init__(self, child, bonus):
        self.child, self.bonus = child, bonus


def to_whoosh(node):
    """The Whoosh query for a node tree (a phrase becomes its bigram match, unchecked).

    ORs are Whoosh's union-matcher trees (``DefaultOr``): on small indexes
    Whoosh would otherwise pick its preloading matcher, whose scores for nested
    ANDs differ from the sum of the parts.
    """
    if isinstance(node, Prefix):
        return wq.Prefix(node.field, node.text, boost=node.boost)
    if isinstance(node, Term):
        return wq.Term(node.field, node.text, boost=node.boost)
    if isinstance(node, Or):
        return DefaultOr([to_whoosh(c) for c in node.children])
    if isinstance(node, And):
        return wq.And([to_whoosh(c) for c in node.children])
    if isinstance(node, AndNot):
        return wq.AndNot(to_whoosh(node.positive), to_whoosh(node.negative))
    if isinstance(node, Bonus):
        return wq.ConstantScoreQuery(to_whoosh(node.child), node.bonus)
    return DefaultOr([to_whoosh(c) for c in node.alternatives])


def phrase_needle(norm):
    """``norm`` in the canonical pieces form the phrase check looks for (see engine.canonical).

    Latin/digit pieces at either end must be whole pieces of the text; Chinese
    ones may continue (a bigram may start or end inside a run of characters).
    """
    pieces = PIECE_RE.findall(norm)
    if not pieces:
        return ""
    left = "" if is_cjk(pieces[0]) else "\x00"
    right = "" if is_cjk(pieces[-1]) else "\x00"
    return left + "\x00".join(pieces) + right


class Parsed:
    """The parsed query: the Whoosh query (None: match everything), the strings to highlight and the
    dictionary words searched besides those typed (shown to the reader: "also searched 最低生活保障")."""

    def __init__(self, query, highlights, expanded=()):
        self.query = query
        self.highlights = highlights
        self.expanded = list(expanded)


def bigram_sequence(field, norm, boost=1.0):
    """All the bigram-field tokens a substring ``norm`` gives (see analysis.bigram_tokens), each once.

    The last Chinese run of the text may continue in the document, so its
    trailing single character is dropped (runs of two or more) or matched as a
    prefix (a run of one: 路 finds 路面 and 修路).
    """
    pieces = PIECE_RE.findall(norm)
    parts = {}
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        if is_cjk(piece) and len(piece) == 1:
            node = Prefix(field, piece, boost) if last else Term(field, piece, boost)
            parts.setdefault((type(node), piece), node)
        elif is_cjk(piece):
            for j in range(len(piece) - 1):
                parts.setdefault((Term, piece[j:j + 2]), Term(field, piece[j:j + 2], boost))
            if not last:
                parts.setdefault((Term, piece[-1]), Term(field, piece[-1], boost))
        else:
            parts.setdefault((Term, piece), Term(field, piece, boost))
    if not parts:
        return None
    parts = list(parts.values())
    return parts[0] if len(parts) == 1 else And(parts)


def _words_query(words, weight):
    """All of ``words`` in title, body or topic (None without words)."""
    if not words:
        return None
    return And([Or([Term("title", w, TITLE_BOOST * weight), Term("body", w, weight), Term("topic", w, weight)])
                for w in dict.fromkeys(words)])


def _plain_query(norm, weight):
    """The word and bigram matches of ``norm``: an Or, or None when it has nothing to match."""
    parts = [q for q in (_words_query(word_tokens(norm), weight),
                         bigram_sequence("title_bi", norm, TITLE_BOOST / 2 * weight),
                         bigram_sequence("body_bi", norm, 0.5 * weight)) if q is not None]
    return Or(parts) if parts else None


def _bigram_exact(norm):
    """True when the bigram match of ``norm`` already means the text contains it (no check needed)."""
    pieces = PIECE_RE.findall(norm)
    return len(pieces) == 1 and (not is_cjk(pieces[0]) or len(pieces[0]) <= 2)


def _item_query(text, phrase):
    """(query, strings to highlight, dictionary words also searched) for one item; query None: only stopwords."""
    norm = normalise(text)
    bigram = [q for q in (bigram_sequence("title_bi", norm, TITLE_BOOST / 2), bigram_sequence("body_bi", norm, 0.5))
              if q is not None]
    if not bigram:
        return None, [], []
    if phrase:
        return Phrase(phrase_needle(norm), bigram), [norm.strip()], []
    words = [w for w in word_tokens(norm) if w not in QUERY_FILLERS] or word_tokens(norm)
    if not words:
        return None, [], []
    highlights = [norm.strip()] + PIECE_RE.findall(norm)
    per_word, also = [], []
    for w in dict.fromkeys(words):
        alternatives = [Term("title", w, TITLE_BOOST), Term("body", w), Term("topic", w)]
        for other in expansions(w):
            expanded = _plain_query(other, EXPANDED_WEIGHT)
            if expanded is not None:
                alternatives.append(expanded)
                highlights.append(other)
                also.append(other)
        per_word.append(Or(alternatives))
    whole = []
    key = "".join(PIECE_RE.findall(norm))
    if [key] != list(dict.fromkeys(words)):            # the item as a whole is a dictionary entry too
        for other in expansions(key):
            expanded = _plain_query(other, EXPANDED_WEIGHT)
            if expanded is not None:
                whole.append(expanded)
                highlights.append(other)
                also.append(other)
    partial = [alt for w, alt in zip(dict.fromkeys(words), per_word) if is_cjk(w) and len(w) >= 2]
    if len(per_word) > 1 and partial:
        # A colloquial item (低保名单, 鱼塘包给谁了): records with every word come first (ALL_WORDS_BONUS),
        # records with some of its Chinese words after them, so a stray word does not empty the result.
        words_q = Or([Bonus(And(per_word), ALL_WORDS_BONUS)] + partial)
    else:
        words_q = And(per_word)
    as_written = Phrase(phrase_needle(norm), bigram, verify=not _bigram_exact(norm))
    as_written.budget = "exact_budget"
    exact = Bonus(as_written, EXACT_BONUS)
    return Or([exact, words_q] + bigram + whole), highlights, also


def _split(text):
    text = text.replace("“", '"').replace("”", '"').replace("＂", '"')
    if text.count('"') % 2:
        raise QueryError("unbalanced_quotes", "引号不成对，请检查搜索词中的引号。")
    return _ITEM_RE.findall(text)


def parse(text):
    """Parse ``text``; raise QueryError for input that cannot mean a search.

    The tree of a query string is kept (the last PARSE_CACHE strings): with the dictionary a word's tree
    holds each expansion's words and bigrams, which take jieba and the normalisation again on every search
    otherwise. The tree is never changed after parsing (the engine keeps its state elsewhere); the lists
    are copied for each caller. Refusals are not kept: they are computed again.
    """
    got = _parsed(text)
    return Parsed(got.query, list(got.highlights), got.expanded)


def clear_cache():
    """Forget the kept trees (benchmarks timing a query as the first of its kind)."""
    _parsed.cache_clear()


@lru_cache(maxsize=PARSE_CACHE)
def _parsed(text):
    return _parse(text)


def _parse(text):
    text = (text or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError("query_too_long", "搜索词太长，请不超过%(limit)s个字。", limit=MAX_QUERY_CHARS)
    if not text:
        return Parsed(None, [])
    raw = _split(text)
    if all(item.upper() in OPERATORS for item in raw):
        raise QueryError("operators_only", "搜索词只有运算符（AND、OR、NOT、-），请输入要查找的词语。")
    if len(raw) > MAX_ITEMS * 2:
        raise QueryError("too_many_words", "搜索词过多，请不超过%(limit)s个词。", limit=MAX_ITEMS)

    groups, negatives, highlights, expanded = [], [], [], []
    negate = join_next = False
    had_words = False
    for item in raw:
        upper = item.upper()
        if upper in ("NOT", "-"):
            negate = True
            continue
        if upper in ("OR", "|"):
            join_next = bool(groups)
            continue
        if upper in ("AND", "+", "&"):
            continue
        if item.startswith("-") and len(item) > 1:
            negate, item = True, item[1:]
        phrase = item.startswith('"')
        body = item.strip('"')
        if not body.strip():
            negate = join_next = False
            continue
        had_words = True
        q, marks, also = _item_query(body, phrase)
        if q is not None:
            if negate:
                negatives.append(q)
            else:
                highlights.extend(marks)
                expanded.extend(also)
                if join_next and groups:
                    groups[-1].append(q)
                else:
                    groups.append([q])
        negate = join_next = False

    if not groups:
        if negatives:
            raise QueryError("only_exclusions", "请至少输入一个要查找的词，不能只有排除词。")
        if had_words:
            raise QueryError("only_stopwords", "搜索词只包含“的、了、和”之类的常用虚词，请换一个更具体的词。")
        raise QueryError("empty_query", "请输入要查找的词语。")
    for group in groups:
        if len(group) == 1 and isinstance(group[0], Phrase):
            group[0].required = True
    positive = groups[0][0] if len(groups) == 1 and len(groups[0]) == 1 else \
        And([g[0] if len(g) == 1 else Or(g) for g in groups])
    if negatives:
        positive = AndNot(positive, Or(negatives))
    return Parsed(positive, sorted(set(h for h in highlights if h), key=len, reverse=True), dict.fromkeys(expanded))

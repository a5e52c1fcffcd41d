"""The judged query set (tests/search/judged_queries.tsv) over the demo county and the seed articles.

The corpus is every public document of the demo county (loaded into a fresh
instance through the portal, as ``run.py`` would) plus the seed articles in
``/work/shared/seeds`` cut into paragraphs, one document each. Relevance is
judged in the TSV by what a record is about, independently of the ranking code:

    query <TAB> judgement [<TAB> note]

``judgement`` is ``|``-separated rules; a document is relevant when any rule
holds: ``title:S`` (its title contains S), ``text:S`` (its title or body
contains S), ``topic:S`` (its topic, the category and micro-power names,
contains S). S is compared after normalisation (Simplified, lower case).

Measures per query: **recall** (relevant documents among all results, up to
200) and **P@5** (relevant among the first five, divided by min(5, relevant
documents)); the means are what the test asserts floors on and the benchmark
prints.
"""
import re
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from search_index.analysis import normalise

ROOT = Path(__file__).resolve().parents[2]
JUDGED_FILE = ROOT / "tests" / "search" / "judged_queries.tsv"
SEEDS_DIR = Path(__file__).resolve().parents[3] / "shared" / "seeds"
if not SEEDS_DIR.exists():
    SEEDS_DIR = Path("/work/shared/seeds")
CJK = re.compile("[\u4e00-\u9fff]")


def seed_documents():
    """Paragraphs (≥ 40 characters) of the seed articles, titled by the heading above them."""
    docs = []
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for f, path in enumerate(sorted(SEEDS_DIR.glob("*.txt"))):
        heading = None
        for n, block in enumerate(re.split(r"\n", path.read_text(encoding="utf-8", errors="ignore"))):
            text = " ".join(block.split())
            if not CJK.search(text):
                continue
            if text.startswith("#") or (len(text) < 40 and "。" not in text):
                heading = text.lstrip("# ")[:60]
                continue
            if len(text) < 40:
                continue
            docs.append({"type": "seed", "id": f"{f + 1}{n:04d}", "title": heading or text[:30], "body": text,
                         "village": "350528100200", "township": "350528100000", "category": "village",
                         "published_at": start + timedelta(days=len(docs)), "url": f"/seed/{f + 1}/{n}"})
    return docs


def demo_documents():
    """Every public search document of the demo county, from a fresh instance."""
    from portal import create_app
    from portal.core.db import database
    from portal.demo import load_demo
    tmp = tempfile.mkdtemp(prefix="judged-demo-")
    app = create_app({"TESTING": True, "INSTANCE_DIR": str(Path(tmp) / "instance"), "SEARCH_NO_CATCH_UP": True})
    with app.app_context():
        database.connect(reuse_if_open=True)
        try:
            load_demo()
            return list(app.extensions["search"].all_documents())
        finally:
            database.close()


def corpus():
    return demo_documents() + seed_documents()


def load_judged(path=JUDGED_FILE):
    """[(query, [(field, needle), …], note)] from the TSV."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        query, rules, *note = line.split("\t")
        parsed = []
        for rule in rules.split("|"):
            field, _, needle = rule.strip().partition(":")
            assert field in ("title", "text", "topic") and needle, f"bad rule {rule!r} in {line!r}"
            parsed.append((field, normalise(needle)))
        out.append((query, parsed, note[0] if note else ""))
    return out


def is_relevant(doc, rules):
    title, body, topic = (normalise(doc.get(k) or "") for k in ("title", "body", "topic"))
    for field, needle in rules:
        if field == "title" and needle in title:
            return True
        if field == "text" and (needle in title or needle in body):
            return True
        if field == "topic" and needle in topic:
            return True
    return False


def evaluate(index, docs, judged, depth=200):
    """{query: (recall, p_at_5, relevant count)} and the means (recall, P@5)."""
    by_key = {(d["type"], d["id"]): d for d in docs}
    scores = {}
    for query, rules, _ in judged:
        relevant = {k for k, d in by_key.items() if is_relevant(d, rules)}
        hits = index.search(query, per_page=50).hits
        page = 2
        result = index.search(query, per_page=50)
        hits, total = result.hits, result.total
        while len(hits) < min(total, depth):
            hits += index.search(query, per_page=50, page=page).hits
            page += 1
        keys = [(h["type"], h["id"]) for h in hits]
        found = len(relevant & set(keys))
        recall = found / len(relevant) if relevant else 0.0
        p5 = sum(k in relevant for k in keys[:5]) / min(5, len(relevant)) if relevant else 0.0
        scores[query] = (recall, p5, len(relevant))
    n = len(scores) or 1
    return scores, sum(s[0] for s in scores.values()) / n, sum(s[1] for s in scores.values()) / n

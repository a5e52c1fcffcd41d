"""The index's schema and how a checked document becomes its fields (shared by both write paths).

Version 3: the bigram fields keep neither positions nor frequencies (most of
the postings are body bigrams; a quoted phrase is checked against stored text
instead, see engine), which makes them cheap to write and to read.
"""
from whoosh import formats
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

from search_index.analysis import BigramAnalyzer, WordAnalyzer, normalise
from search_index.documents import key_of

SCHEMA_VERSION = 3
FACETS = ("type", "township", "village", "category", "year")
FILTERS = ("type", "township", "village", "category")
DATE_FIELD = "published_at"


class BIGRAMS(TEXT):
    """A TEXT field that records only which bigrams a document has (Whoosh's Existence format).

    Bigrams are the recall view: their in-document frequency adds little to
    ranking (the word fields carry it), and without frequencies or positions
    their posting blocks are bare document numbers, the cheapest to write and
    read. Its length is the number of distinct bigrams, as Whoosh counts it.
    """

    def __init__(self, analyzer, field_boost=1.0):
        super().__init__(analyzer=analyzer, phrase=False, field_boost=field_boost)
        self.format = formats.Existence(field_boost=field_boost)


def make_schema():
    words, bigrams = WordAnalyzer(), BigramAnalyzer()
    return Schema(
        key=ID(unique=True, stored=True),            # "type:id", the unit of update and removal
        type=ID(stored=True, sortable=True),
        id=ID(stored=True),
        title=TEXT(analyzer=words, phrase=False, field_boost=2.0),
        body=TEXT(analyzer=words, phrase=False),
        topic=TEXT(analyzer=words, phrase=False, field_boost=1.5),   # the category's words: 用章 finds seal uses
        title_bi=BIGRAMS(analyzer=bigrams, field_boost=1.5),
        body_bi=BIGRAMS(analyzer=bigrams),
        township=ID(stored=True, sortable=True),
        village=ID(stored=True, sortable=True),
        category=ID(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
        published_at=DATETIME(stored=True, sortable=True),
        url=STORED,
        title_text=STORED,                            # the original text, for display and snippets
        body_text=STORED,
    )


def fields_of(doc):
    """Whoosh fields for a checked document (normalised once, fed to both views)."""
    title, body = normalise(doc["title"]), normalise(doc["body"])
    published = doc["published_at"]
    return {
        "key": key_of(doc["type"], doc["id"]), "type": doc["type"], "id": doc["id"],
        "title": title, "title_bi": title, "body": body, "body_bi": body, "topic": normalise(" ".join(filter(None, (doc["category"], doc.get("topic"))))),
        "township": doc["township"], "village": doc["village"], "category": doc["category"],
        "year": str(published.year), "published_at": published.replace(tzinfo=None),
        "url": doc["url"], "title_text": doc["title"], "body_text": doc["body"],
    }

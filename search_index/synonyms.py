"""The domain dictionary of synonyms and abbreviations (``synonyms.txt``), applied to queries.

Residents type 低保, 三资, 修路 and 公章; notices say 最低生活保障, 集体资产资源处置,
村道硬化 and 印章使用. The dictionary is a maintained data file beside this module
(its sources are named at its top); this module only reads it. Expansion is at
query time, so editing the file needs no rebuild of the index.
"""
from functools import lru_cache
from pathlib import Path

from search_index.analysis import normalise

PATH = Path(__file__).with_name("synonyms.txt")


def parse(lines):
    """{word: (other words it also finds, …)} from the file's lines (see its header for the format)."""
    table = {}

    def add(word, others):
        found = table.setdefault(word, [])
        found.extend(o for o in others if o != word and o not in found)

    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=>" in line:
            left, right = line.split("=>", 1)
            targets = [normalise(w) for w in right.split()]
            for word in left.split():
                add(normalise(word), targets)
        else:
            group = [normalise(w) for w in line.split()]
            for word in group:
                add(word, group)
    return {word: tuple(others) for word, others in table.items() if others}


@lru_cache(maxsize=1)
def table():
    return parse(PATH.read_text(encoding="utf-8").splitlines())


def expansions(norm_word):
    """What a normalised word also finds (without itself), in the file's order."""
    return table().get(norm_word, ())

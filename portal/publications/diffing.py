"""Line diff between two versions' masked text, for the version history.

Residents read the diff, so each line is compared as they read it — the
Markdown rendered to plain text (``**6,800元**`` → ``6,800元``, a table row
as its cells) — not as the clerk typed it.
"""
import difflib
import re

from portal.core.markdown import plain_text

_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")


def readable_lines(body):
    """The body's lines as plain text: markup gone, table rows as "a · b · c", rule rows dropped."""
    out = []
    for line in (body or "").splitlines():
        if _TABLE_RULE.match(line):
            continue
        if line.strip().startswith("|"):
            cells = [plain_text(c) for c in line.strip().strip("|").split("|")]
            out.append(" · ".join(c for c in cells if c))
        else:
            text = plain_text(line)
            if text or not line.strip():
                out.append(text)
    return out


def version_diff(old, new):
    """``[{"op": "+"|"-"|" ", "text"}]`` for the title and body of two versions (masked)."""
    old_lines = [f"标题：{old.title_masked}"] + readable_lines(old.body_masked)
    new_lines = [f"标题：{new.title_masked}"] + readable_lines(new.body_masked)
    out = []
    for line in difflib.ndiff(old_lines, new_lines):
        if line.startswith("? "):
            continue
        out.append({"op": line[0], "text": line[2:]})
    return out

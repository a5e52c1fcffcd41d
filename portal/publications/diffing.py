"""Line diff between two versions' masked text, for the version history."""
import difflib


def version_diff(old, new):
    """``[{"op": "+"|"-"|" ", "text"}]`` for the title and body of two versions (masked)."""
    old_lines = [f"标题：{old.title_masked}"] + (old.body_masked or "").splitlines()
    new_lines = [f"标题：{new.title_masked}"] + (new.body_masked or "").splitlines()
    out = []
    for line in difflib.ndiff(old_lines, new_lines):
        if line.startswith("? "):
            continue
        out.append({"op": line[0], "text": line[2:]})
    return out

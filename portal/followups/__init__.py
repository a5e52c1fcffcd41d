"""督办 · 跟办催办 and 点题整治: the discipline inspectors' workbench (issue 17)."""

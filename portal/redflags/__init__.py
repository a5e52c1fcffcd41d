"""Red flags (风险提示): computed from the public rows by the domains' rules, never typed in."""

"""How people's names appear in public: officials in full, applicants by surname only."""


def surname_only(name):
    """``李明辉`` → ``李某``: an applicant is often a resident asking for a certificate."""
    name = (name or "").strip()
    return name[0] + "某" if name else ""

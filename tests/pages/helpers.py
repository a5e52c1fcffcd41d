"""Small helpers for page tests: sign in through the real form, read a page's text."""
import re

from portal.demo import DEMO_PASSWORD

HOUXI = "350528100200"
NANLING = "350528100000"
COUNTY = "350528000000"


def login(client, username):
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def text_of(html):
    """The visible text of the page's <main>, whitespace folded."""
    main = html[html.find("<main"):html.find("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))

"""A service's refusal shown on a reports page is in the reader's language, its values filled in
(docs/i18n.md: ``localized(exc.template, exc.params)``, never ``_(exc.message)``, which looks up
the already-filled Chinese text and so finds no English for any message with parameters)."""
from io import BytesIO

from tests.reports.conftest import pdf_with

HOUXI = "350528100200"


def file_disguised(client, lang):
    return client.post(f"/reports/new?lang={lang}", data={
        "unit": HOUXI, "text": "村主任挪用修路款。",
        "attachments": (BytesIO(pdf_with("marker")), "photo.png")}, content_type="multipart/form-data")


def test_a_refusal_with_values_on_the_filing_page_is_in_english(demo, client):
    english = file_disguised(client, "en").get_data(as_text=True)
    assert "The file is named .png but its content is application/pdf" in english
    assert "内容却是" not in english
    chinese = file_disguised(client, "zh").get_data(as_text=True)
    assert "文件名是.png，内容却是application/pdf" in chinese

"""The access export (B-1) printed on A4: every table within the page's width, nothing cut off at its edge,
for a customer with a row in every table of the policy, every column filled. Chromium lays the page out
for print at the printable width of an A4 sheet (the print stylesheet's margins), and prints it to PDF;
the PDF goes to build/screenshots/."""

import pytest
from django.urls import reverse

from kund.privacy.tests.test_access_export import seeded, staff  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MM = 96 / 25.4  # CSS pixels per millimetre
A4_PRINTABLE = round((210 - 2 * 10) * MM)  # A4's width less the stylesheet's @page margins: 718 px

OVERFLOWING = """() => {
  const page = document.documentElement.clientWidth;
  const wider = [];
  for (const table of document.querySelectorAll("table")) {
    const box = table.getBoundingClientRect();
    if (box.right > page + 1 || table.scrollWidth > table.clientWidth + 1) {
      wider.push([table.closest("section").id, Math.round(box.right), table.scrollWidth]);
    }
  }
  return {page, document: document.documentElement.scrollWidth, wider};
}"""


@pytest.fixture
def browser_locale() -> str:
    return "sv-SE"  # the longest labels of the three languages


def test_b1_every_table_of_the_export_fits_an_a4_page(live_server, page, seeded, staff, screenshot_dir):  # noqa: F811
    # given a signed-in user on the export of a customer with every table filled
    page.goto(live_server.url + reverse("login"))
    page.fill('input[name="username"]', staff.get_username())
    page.fill('input[name="password"]', "pw")
    page.click('#login-form button[type="submit"]')
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + reverse("access_export_html", args=[seeded.pk]))
    assert page.locator('link[rel="stylesheet"][media="print"]').count() == 1

    # when it is laid out for print on the printable width of an A4 sheet
    page.set_viewport_size({"width": A4_PRINTABLE, "height": 1000})
    page.emulate_media(media="print")
    layout = page.evaluate(OVERFLOWING)

    # then no table reaches past the page's edge, and nothing makes the page wider
    assert layout["page"] == A4_PRINTABLE
    assert layout["wider"] == []
    assert layout["document"] <= A4_PRINTABLE

    # and it prints to A4
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=False)
    (screenshot_dir / "access-export-a4.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")

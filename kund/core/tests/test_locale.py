"""The committed translations (B-10): compiled catalogs match their sources, and the erasure pages'
strings are translated into Swedish and German."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.LOCALE_PATHS[0])
LANGUAGES = ("sv", "en", "de")


def _catalog(mo: Path) -> dict:
    with mo.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


@pytest.mark.parametrize("language", LANGUAGES)
def test_b10_the_compiled_catalog_is_up_to_date_with_its_po_file(language, tmp_path):
    # A .mo file is committed so that a fresh machine needs no gettext; it must say what the .po says.
    if not shutil.which("msgfmt"):
        pytest.skip("gettext's msgfmt is not installed")
    source = LOCALE / language / "LC_MESSAGES" / "django.po"
    fresh = tmp_path / "django.mo"

    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(source)], check=True)

    assert _catalog(LOCALE / language / "LC_MESSAGES" / "django.mo") == _catalog(fresh), (
        f"run `kund compilemessages` after editing {source.relative_to(settings.BASE_DIR)}"
    )


@pytest.mark.parametrize("language", ["sv", "de"])
@pytest.mark.parametrize(
    "text",
    [
        "I have read the information about deletion and anonymization",
        "Delete permanently — cannot be undone",
        "Anonymize permanently — cannot be undone",
        "Kept free text to review by hand",
        "The customer cannot be anonymized yet.",
        "anonymized customer",
    ],
)
def test_b10_the_erasure_pages_are_translated(language, text):
    catalog = _catalog(LOCALE / language / "LC_MESSAGES" / "django.mo")

    assert catalog.get(text) not in (None, "", text)

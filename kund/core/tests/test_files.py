"""Uploaded files get names nobody can guess (kund.core.files)."""

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from kund.core.files import RandomName, random_name, safe_extension
from kund.demo.testing.factories import add_owned, make_customer
from kund.documents.models import Document


@pytest.mark.parametrize(
    ("name", "extension"),
    [
        ("Ingrid Lindqvist avtal.PDF", ".pdf"),
        ("kreditupplysning.docx", ".docx"),
        ("scan", ""),
        ("archive.tar.gz", ".gz"),
        ("evil.p hp", ""),
        ("report.p;df", ""),
        ('report.pdf"', ""),
        ("../../etc/passwd", ""),
        ("trailing.", ""),
        ("long.abcdefghijk", ""),
    ],
)
def test_only_a_safe_extension_is_kept(name, extension):
    assert safe_extension(name) == extension


def test_a_random_name_says_nothing_of_the_original():
    # when
    first, second = (
        random_name("documents", "Ingrid Lindqvist 19811218-9876.pdf"),
        random_name("documents", "x.pdf"),
    )

    # then
    assert re.fullmatch(r"documents/[0-9a-f]{32}\.pdf", first)
    assert first != second
    assert "Lindqvist" not in first and "19811218" not in first


def test_upload_to_is_deconstructible_for_migrations():
    path, args, kwargs = RandomName("credit").deconstruct()

    assert (path, args, kwargs) == ("kund.core.files.RandomName", ("credit",), {})
    assert RandomName("credit") == RandomName("credit") != RandomName("documents")


@pytest.mark.django_db
def test_new_uploads_get_random_names():
    # given a customer whose credit report and document are uploaded under telling names
    customer = make_customer()
    owned = add_owned(customer)  # "uc-rapport.pdf", "avtal.pdf"
    document = Document(customer=customer, title="Avtal")
    document.file.save(f"{customer.number} Ingrid Lindqvist.pdf", ContentFile(b"%PDF-1.4"), save=True)

    # then the stored names are random, in their folders, with the extension kept
    assert re.fullmatch(r"documents/[0-9a-f]{32}\.pdf", document.file.name)
    assert re.fullmatch(r"documents/[0-9a-f]{32}\.pdf", owned["document"].file.name)
    assert re.fullmatch(r"credit/[0-9a-f]{32}\.pdf", owned["credit_file"].file.name)
    assert customer.number not in document.file.name
    assert default_storage.exists(document.file.name)

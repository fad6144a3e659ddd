"""`customer_link`: every page shows a customer through it (SPEC A-6, S-4)."""

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from kund.customers.models import Customer


def _render(customer) -> str:
    return Template("{% load kund %}{{ customer|customer_link }}").render(Context({"customer": customer}))


def test_a6_a_customer_is_a_link_to_the_card():
    customer = Customer(pk=42, number="10042", name="Agnes Sjöberg")

    html = _render(customer)

    assert html == '<a href="/customers/10042/" class="kund-customer-link">Agnes Sjöberg</a>'


def test_a6_a_customer_loaded_without_its_number_links_through_the_id_redirect(db, django_assert_num_queries):
    from kund.demo.testing.factories import make_customer

    customer = Customer.objects.only("pk", "name", "anonymized_at").get(pk=make_customer().pk)

    with django_assert_num_queries(0):
        html = _render(customer)

    assert f'href="/customers/id/{customer.pk}/"' in html


def test_a6_an_anonymized_customer_is_a_plain_xxxx_with_a_hint_and_no_link():
    customer = Customer(pk=42, number="10042", name="Xxxx", anonymized_at=timezone.now())

    html = _render(customer)

    assert "<a " not in html and "href" not in html
    assert '<span class="kund-anonymized-customer">Xxxx</span>' in html
    assert "kund-anonymized-hint" in html
    assert "/customers/" not in html and "10042" not in html


@pytest.mark.parametrize(
    ("kind", "stored", "shown"),
    [
        ("private", "Xxxx Xxxx", "Xxxx Xxxx"),
        ("prospect", "Xxxx Xxxx", "Xxxx Xxxx"),
        ("company", "Xxxx", "Xxxx"),
        # a name the engine did not write (hand-made data): the kind decides, the name never shows
        ("private", "Anna Andersson", "Xxxx Xxxx"),
        ("company", "Anderssons Bygg AB", "Xxxx"),
    ],
)
def test_seed001_an_anonymized_person_shows_as_xxxx_xxxx_and_a_company_as_xxxx(kind, stored, shown):
    """Seed 001: "Till exempel Anna Andersson omvandlas till Xxxx Xxxx" — a person's first and last name
    each Xxxx; a company stays "Xxxx"."""
    customer = Customer(pk=42, number="10042", kind=kind, name=stored, anonymized_at=timezone.now())

    html = _render(customer)

    assert f'<span class="kund-anonymized-customer">{shown}</span>' in html
    assert "Andersson" not in html


def test_a6_the_name_is_escaped():
    customer = Customer(pk=7, number="10007", name="Ek & <Son> AB")

    assert "Ek &amp; &lt;Son&gt; AB" in _render(customer)


def test_no_customer_renders_nothing():
    assert _render(None) == ""


@pytest.mark.parametrize("language", ["sv", "en", "de"])
def test_the_hint_is_translated(language):
    customer = Customer(pk=1, number="1", name="Xxxx", anonymized_at=timezone.now())
    with translation.override(language):
        html = _render(customer)

    expected = {"sv": "anonymiserad kund", "en": "anonymized customer", "de": "anonymisierter Kunde"}[
        language
    ]
    assert expected in html

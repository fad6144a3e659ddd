"""Search for what people type (R-2, kund.customers.search): any part of a name, contact person, e-mail,
street or city, without regard to case or diacritics; phone and personal/organisation numbers however
they are written; on the trigram index (SQLite FTS5, PostgreSQL pg_trgm) and kept current by erasure
(A-7)."""

import pytest
from django.db import connection
from django.urls import reverse

from kund.customers import search, selectors
from kund.customers.models import Customer
from kund.customers.tests.register_fixtures import *  # noqa: F403
from kund.customers.tests.register_fixtures import make_user, new_company, new_private


@pytest.fixture
def viewer(db, client):
    user = make_user("view_customer", username="vera.viewer")
    client.force_login(user)
    return user


def numbers(response) -> list[str]:
    return [customer.number for customer in response.context["page"].object_list]


def search_list(client, **params):
    return client.get(reverse("customers:list"), params)


@pytest.fixture
def register(db):
    """Customers as an office manager's register holds them, written the ways people write."""
    return {
        "ingrid": new_private(phone="090-761 11 99", organisation_number="19810807-4884"),
        "åsa": new_private(
            first_name="Åsa",
            last_name="Wahlström",
            email="asa.wahlstrom@spray.se",
            phone="",
            mobile="+46 70 555 12 34",
            organisation_number="",
            invoice_address1="Västra Esplanaden 9",
            invoice_postal_code="903 26",
            invoice_city="Umeå",
        ),
        "öhrlings": new_company(),
        "nordkyl": new_company(
            name="Nordkyl Service AB",
            organisation_number="",
            contact_person="Lena Svensson",
            email="lena.svensson@yahoo.se",
            phone="+46 8 555 123 45",
            invoice_address1="Industrivägen 4",
            invoice_city="Norrköping",
            invoice_country="SE",
        ),
    }


@pytest.mark.parametrize(
    "query,expected",
    [
        ("qvist", ["ingrid"]),  # the middle of a last name
        ("ngrid lind", ["ingrid"]),  # parts of two words
        ("lindqvist ingrid", ["ingrid"]),  # the words in any order
        ("wahlstrom", ["åsa"]),  # without diacritics
        ("WAHLSTRÖM", ["åsa"]),  # with them, in capitals
        ("spray.se", ["åsa"]),  # the end of an e-mail address
        ("yahoo", ["nordkyl"]),
        ("Umeå", ["åsa"]),  # a city
        ("umea", ["åsa"]),
        ("norrkoping", ["nordkyl"]),
        ("esplanaden", ["åsa"]),  # a street
        ("storgatan 12", ["ingrid"]),
        ("byggservice", ["öhrlings"]),  # inside a company name
        ("ÅKESSON", ["öhrlings"]),  # a contact person
        ("nordkyl ab", ["nordkyl"]),  # a short word beside a long one
        ("service", ["öhrlings", "nordkyl"]),
        ("zzq", []),
    ],
)
def test_r2_search_finds_any_part_of_name_contact_email_street_or_city(
    client, viewer, register, query, expected
):
    # when
    response = search_list(client, q=query)

    # then
    assert sorted(numbers(response)) == sorted(register[key].number for key in expected)


@pytest.mark.parametrize(
    "query,expected",
    [
        ("090-761 11 99", "ingrid"),  # as stored
        ("0907611199", "ingrid"),
        ("+46 90 761 11 99", "ingrid"),  # internationally
        ("0046 90-761 11 99", "ingrid"),
        ("090-761", "ingrid"),  # the beginning
        ("070-555 12 34", "åsa"),  # a mobile stored internationally, typed nationally
        ("0705551234", "åsa"),
        ("08-555 123 45", "nordkyl"),
        ("19810807-4884", "ingrid"),  # a personal number, as stored
        ("810807-4884", "ingrid"),  # without the century
        ("8108074884", "ingrid"),
        ("198108074884", "ingrid"),
        ("19810807", "ingrid"),  # the birth date
        ("556036-0793", "öhrlings"),  # an organisation number
        ("5560360793", "öhrlings"),
        ("16556036-0793", "öhrlings"),  # with the "16" prefix some systems add
    ],
)
def test_r2_search_finds_phone_and_identity_numbers_however_written(
    client, viewer, register, query, expected
):
    response = search_list(client, q=query)

    assert numbers(response) == [register[expected].number]


def test_r2_search_by_customer_number_still_finds_that_customer(client, viewer, register):
    # given a customer number that is also a substring and a digit string
    number = register["nordkyl"].number

    # when
    response = search_list(client, q=number)

    # then
    assert register["nordkyl"].number in numbers(response)


def test_r2_search_uses_the_trigram_index_not_a_scan(register):
    # given
    customers = selectors.customer_search(Customer.objects.all(), "qvist")

    # when
    with connection.cursor() as cursor:
        sql, params = customers.query.sql_with_params()
        explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        if connection.vendor == "postgresql":
            # Four customers: reading them all is cheapest. Asked to use indexes, which does it use?
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(explain + sql, params)
        plan = " ".join(str(row) for row in cursor.fetchall())

    # then
    if connection.vendor == "sqlite":
        assert f"SCAN {search.FTS_TABLE} VIRTUAL TABLE INDEX 0:M" in plan  # a MATCH on the FTS5 index
    else:
        assert search.PG_TRIGRAM_INDEX in plan


def test_r2_query_and_stored_text_fold_alike():
    assert search.fold("Wahlström ÅSA Ørjan Bjørn Müller José") == "wahlstrom asa orjan bjorn muller jose"
    assert search.fold("Wahlstro\u0308m") == "wahlstrom"  # typed as o and a combining diaeresis
    assert search.phone_key("090-761 11 99") == search.phone_key("+46 90 761 11 99") == "46907611199"
    assert search.query_phone_key("(090) 761 11 99") == "46907611199"


def test_r2_stored_search_columns_are_computed_by_the_database(register):
    row = Customer.objects.filter(pk=register["åsa"].pk).values(
        "search_text", "search_phone", "search_mobile", "search_identity"
    )[0]

    assert "wahlstrom" in row["search_text"] and "umea" in row["search_text"]
    assert "asa.wahlstrom@spray.se" in row["search_text"]
    assert row["search_mobile"] == "46705551234"
    assert Customer.objects.get(pk=register["ingrid"].pk).search_identity == "198108074884"


# --- the number of hits ---------------------------------------------------------------------------------


def test_r2_list_shows_the_exact_number_of_hits_when_few(client, viewer, register):
    response = search_list(client, q="service")

    html = response.content.decode()
    assert response.context["page"].matches == 2
    assert 'id="match-count"' in html and "2 customers match" in html


def test_r2_list_shows_more_than_n_when_many_without_counting_them_all(
    client, viewer, register, monkeypatch, django_assert_max_num_queries
):
    # given more customers that match than the list counts
    for i in range(6):
        new_company(name=f"Servicebolaget {i} AB", organisation_number="")
    monkeypatch.setattr(selectors, "SEARCH_PROBE", 3)
    monkeypatch.setattr(selectors, "PROBE", 3)

    # when
    response = search_list(client, q="service")

    # then
    page = response.context["page"]
    assert (page.matches, page.more) == (3, True)
    assert "More than 3 customers match" in response.content.decode()
    assert len(numbers(response)) == 8


def test_r2_plain_list_counts_nothing(client, viewer, register):
    response = search_list(client)

    assert response.context["page"].matches is None
    assert 'id="match-count"' not in response.content.decode()


@pytest.mark.parametrize("sort", ["number", "-number", "name", "created"])
def test_r2_wide_search_walked_along_the_order_pages_as_the_narrow_one(client, viewer, monkeypatch, sort):
    """A search the index finds more often than the probe reads is checked row by row along the sort
    order (SQLite); the pages must be those of the plain filter-sort-slice."""
    from kund.customers import views
    from kund.customers.filtersets import SORTS

    # given 9 customers whose names hold "berg", 3 that do not
    for i in range(9):
        new_company(name=f"Bergström {i % 4} Bygg AB", organisation_number="", invoice_city="Gävle")
    for i in range(3):
        new_company(name=f"Alfa {i} AB", organisation_number="", invoice_city="Gävle")
    monkeypatch.setattr(selectors, "SEARCH_PROBE", 4)
    monkeypatch.setattr(selectors, "PROBE", 4)
    monkeypatch.setattr(selectors, "CHUNK", 5)
    monkeypatch.setattr(views, "PER_PAGE", 4)
    expected = list(
        Customer.objects.filter(name__contains="Berg").order_by(*SORTS[sort]).values_list("number", flat=True)
    )

    # when
    pages = [search_list(client, q="berg", sort=sort, page=n) for n in range(1, 4)]

    # then
    assert [number for page in pages for number in numbers(page)] == expected
    assert pages[0].context["page"].more


# --- "No customers match" says what was searched ---------------------------------------------------------


@pytest.mark.parametrize(
    "params,said",
    [
        ({"q": "zzq"}, "Searched for “zzq” anywhere in names, contact persons, e-mail addresses, streets"),
        ({"q": "073-999 99 99"}, "as a customer number and as a phone, personal or organisation number"),
        ({"q": "zq"}, "that begin with “zq”. Type three letters or more"),
        ({"q": "qvist", "kind": "company"}, "With the filters: Kind: Company"),
    ],
)
def test_r2_no_match_message_says_what_was_searched(client, viewer, register, params, said):
    response = search_list(client, **params)

    html = response.content.decode()
    assert numbers(response) == []
    assert "No customers match." in html
    assert said in html


# --- the index follows every write, the erasure's set-based ones included ----------------------------


@pytest.mark.parametrize(
    "query", ["qvist", "lindqvist@example", "090-761 11 99", "810807-4884", "uppsala", "storgatan"]
)
def test_a7_anonymized_customer_is_not_found_by_what_it_was(client, viewer, register, admin_user, query):
    from kund.demo.testing.factories import add_transactions
    from kund.privacy.services import erase_customers

    # given a customer that is found, with a transaction so that it is anonymized
    ingrid = register["ingrid"]
    add_transactions(ingrid)
    assert ingrid.number in numbers(search_list(client, q=query))

    # when the erasure engine anonymizes it (one UPDATE for the chunk)
    result = erase_customers(customer_ids=[ingrid.pk], actor=admin_user)

    # then not even "show anonymized customers" finds it by its former details
    assert len(result.anonymized) == 1
    assert ingrid.number not in numbers(search_list(client, q=query, anonymized="1"))
    assert numbers(search_list(client, q="xxxx", anonymized="1")) == [ingrid.number]


def test_a7_deleted_customer_leaves_the_index(client, viewer, register, admin_user):
    from kund.privacy.services import erase_customers

    # given
    åsa = register["åsa"]

    # when
    result = erase_customers(customer_ids=[åsa.pk], actor=admin_user)

    # then
    assert len(result.deleted) == 1
    assert numbers(search_list(client, q="wahlstrom", anonymized="1")) == []
    _assert_index_matches_the_table()


def _assert_index_matches_the_table():
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # FTS5 compares every entry with the customer table and raises if they differ.
            table = search.FTS_TABLE
            cursor.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")


def test_a7_index_follows_raw_sql_and_bulk_writes(client, viewer, register):
    # given writes that bypass the ORM's save()
    Customer.objects.filter(pk=register["nordkyl"].pk).update(name="Kylteknik Ljungby AB")
    Customer.objects.bulk_create(
        [Customer(number="K-77", kind="company", name="Ljungbergs Måleri AB", invoice_city="Växjö")]
    )

    # then search finds what they wrote, and not what was there before
    assert numbers(search_list(client, q="ljungby")) == [register["nordkyl"].number]
    assert numbers(search_list(client, q="nordkyl")) == []
    assert numbers(search_list(client, q="vaxjo")) == ["K-77"]
    _assert_index_matches_the_table()


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_a7_index_triggers_come_back_after_sqlite_rebuilds_the_table(register):
    # given the triggers lost, as when a migration makes Django rebuild the customer table
    with connection.cursor() as cursor:
        for name in search.SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
    Customer.objects.filter(pk=register["nordkyl"].pk).update(name="Kylteknik Ljungby AB")

    # when the repair a migration that alters the table ends with runs
    repaired = search.ensure_search_index()

    # then the index is whole again and follows writes
    assert repaired
    _assert_index_matches_the_table()
    assert selectors.customer_search(Customer.objects.all(), "ljungby").get() == register["nordkyl"]
    assert search.ensure_search_index() is False  # nothing to do when all is in place


def test_r2_a_wide_search_with_a_filter_counts_what_the_filter_leaves(client, viewer, register, monkeypatch):
    # given a search the index finds more often than the probe, and a filter that leaves one of them
    for i in range(6):
        new_company(name=f"Servicebolaget {i} AB", organisation_number="")
    new_private(first_name="Serviceman", last_name="Berg", organisation_number="")
    monkeypatch.setattr(selectors, "SEARCH_PROBE", 3)
    monkeypatch.setattr(selectors, "PROBE", 3)

    # when
    response = search_list(client, q="service", kind="private")

    # then
    page = response.context["page"]
    assert (page.matches, page.more) == (1, False)
    assert "1 customer matches" in response.content.decode()

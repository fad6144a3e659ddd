"""Erasing a saved selection with the safety of a mass run (SPEC S-2, S-3 with M-4, M-5): the selection's
page lists its customers, its check plans a run and shows the mass run's verification, the run starts
only after the same two confirmations, and afterwards the page tells which run erased it and offers the
erasure again only while customers of it remain. Its runs are among the mass erasure's earlier runs."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from kund.customers.models import Customer
from kund.customers.templatetags.kund import customer_link
from kund.demo.testing.factories import Person, add_transactions, make_customer
from kund.privacy import jobs
from kund.privacy.models import ErasureJob, ErasureJobItem
from kund.privacy.selections import selection_save
from kund.privacy.tests.massdata import company, enable_crm, mass_eraser, order, private, user_with

pytestmark = pytest.mark.django_db

HEDLUND = Person(
    first_name="Maja",
    last_name="Hedlund",
    email="maja.hedlund@telia.se",
    phone="090-761 11 99",
    mobile="070-311 22 33",
    street="Rådhusesplanaden 8",
    postal_code="903 28",
    city="Umeå",
    personal_number="19810807-4884",
)


@pytest.fixture
def admin(db):
    return get_user_model().objects.create_superuser("admin", "admin@kund.test", "pw")


@pytest.fixture
def seller(db):
    return user_with("erik.umea", "view_assigned_customer")


@pytest.fixture
def umea(db, seller):
    """The customers of Umeå's seller, of every sort: one with a settled record in every linked table
    (anonymized), one who never bought (deleted), a company (deleted), one with an undelivered order (left
    out); and a customer of another seller, who is not in the selection."""
    settled = make_customer(person=HEDLUND)
    add_transactions(settled, person=HEDLUND)
    never = private("Oskar", "Ström", created=date(2018, 3, 1), invoice_city="Umeå")
    firm = company("Umeå Rör & Värme AB", created=date(2018, 4, 1))
    blocked = private("Elsa", "Nyström", created=date(2018, 5, 1), invoice_city="Umeå")
    blocking = order(blocked, date(2019, 5, 1), delivered=False)
    other = private("Nils", "Forsberg", created=date(2018, 6, 1), invoice_city="Luleå")
    Customer.objects.filter(pk__in=[settled.pk, never.pk, firm.pk, blocked.pk]).update(responsible=seller)
    return {
        "settled": settled,
        "never": never,
        "firm": firm,
        "blocked": blocked,
        "blocking": blocking,
        "other": other,
    }


def saved(admin, umea):
    ids = [umea[k].pk for k in ("settled", "never", "firm", "blocked")]
    seller = Customer.objects.get(pk=ids[0]).responsible_id
    selection = selection_save(actor=admin, name="Umeå kunder", query=f"responsible={seller}")
    assert sorted(selection.members.values_list("customer_id", flat=True)) == sorted(ids)
    return selection


def link_to(customer) -> str:
    return str(customer_link(Customer.objects.get(pk=customer.pk)))


def page_of(client, selection) -> str:
    return client.get(reverse("mass_erasure:selection", args=[selection.pk])).content.decode()


def row_of(html: str, number: str) -> str:
    return html.split(f'data-customer="{number}"', 1)[1].split("</tr>", 1)[0]


def check(client, selection):
    response = client.post(reverse("mass_erasure:selection_check", args=[selection.pk]))
    assert response.status_code == 302, response
    return response


def confirm_twice(client, job, django_capture_on_commit_callbacks):
    start = reverse("mass_erasure:start", args=[job.pk])
    first = client.post(start, {"understood": "on"})
    assert b'id="confirm-erasure"' in first.content
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(start, {"understood": "on", "confirmed": "yes"})


# --- the member list ----------------------------------------------------------------------------------


def test_s1_the_page_lists_the_customers_by_number_and_name_with_a_link(client, admin, umea):
    # given a saved selection
    selection = saved(admin, umea)
    client.force_login(admin)

    # when its page is opened
    html = page_of(client, selection)

    # then every customer of it is listed by number, named and linked to its card
    for key in ("settled", "never", "firm", "blocked"):
        assert link_to(umea[key]) in row_of(html, umea[key].number)
    assert umea["other"].number not in html
    assert 'id="selection-remaining">4<' in html


def test_s1_names_only_of_the_customers_the_user_may_view(client, admin, umea):
    # given a user with the mass right who may view only the customers assigned to them: one of four
    selection = saved(admin, umea)
    mira = user_with("mira", "mass_erase_customers", "view_assigned_customer")
    Customer.objects.filter(pk=umea["never"].pk).update(responsible=mira)
    client.force_login(mira)

    # when / then: every customer by number, only the assigned one by name and link
    html = page_of(client, selection)
    assert link_to(umea["never"]) in row_of(html, umea["never"].number)
    for key in ("settled", "firm", "blocked"):
        assert f'data-customer="{umea[key].number}"' in html and "href" not in row_of(html, umea[key].number)
    assert "Hedlund" not in html and "Nyström" not in html and "Rör" not in html
    # and no erasure for one who is not an administrator (S-2)
    assert 'id="check-selection"' not in html


def test_s1_the_member_list_is_paged(client, admin, umea, seller):
    # given a selection of more customers than a page holds
    more = [private("Karin", "Ek", created=date(2017, 1, day % 28 + 1)).pk for day in range(55)]
    Customer.objects.filter(pk__in=more).update(responsible=seller)
    selection = selection_save(actor=admin, name="Alla i Umeå", query=f"responsible={seller.pk}")
    client.force_login(admin)

    # when / then: 50 on the first page, the rest on the second
    first = page_of(client, selection)
    assert first.count('data-state="active"') == 50 and "Page 1 of 2" in first
    second = client.get(reverse("mass_erasure:selection", args=[selection.pk]), {"page": 2}).content.decode()
    assert second.count('data-state="active"') == selection.size - 50


# --- the check, the verification and the two confirmations ----------------------------------------------


def test_s2_m4_the_check_plans_a_run_and_shows_the_mass_runs_verification(client, admin, umea):
    # given a saved selection
    selection = saved(admin, umea)
    client.force_login(admin)
    assert 'id="check-selection"' in page_of(client, selection)

    # when the administrator has it checked
    response = check(client, selection)

    # then a run is planned, nothing erased, and its verification shows the counts and the ignored reasons
    job = ErasureJob.objects.get()
    assert job.kind == "selection" and job.state == "planned" and job.selection == selection
    assert response["Location"] == reverse("mass_erasure:job", args=[job.pk])
    assert Customer.objects.filter(anonymized_at__isnull=True).count() == 5
    html = client.get(response["Location"]).content.decode()
    assert 'id="count-selected">4<' in html and 'id="count-delete">2<' in html
    assert 'id="count-anonymize">1<' in html and 'id="count-ignored">1<' in html
    assert f"{umea['blocking'].ref} is not delivered" in row_of(html, umea["blocked"].number)
    assert link_to(umea["blocked"]) in row_of(html, umea["blocked"].number)
    assert 'id="download-to-erase"' in html and 'id="start-form"' in html
    assert f'href="{reverse("mass_erasure:selection", args=[selection.pk])}"' in html  # the way back
    # and the filter stays until the run starts
    selection.refresh_from_db()
    assert selection.query.startswith("responsible=")


def test_s2_m5_the_run_starts_only_after_both_confirmations(
    client, admin, umea, django_capture_on_commit_callbacks
):
    # given a checked selection
    selection = saved(admin, umea)
    client.force_login(admin)
    check(client, selection)
    job = ErasureJob.objects.get()
    start = reverse("mass_erasure:start", args=[job.pk])

    # when the box is not ticked: its error, nothing started
    response = client.post(start, {})
    assert b'data-field-error="understood"' in response.content
    # when ticked: the confirmation page, still nothing started
    response = client.post(start, {"understood": "on"})
    assert b'id="confirm-erasure"' in response.content
    job.refresh_from_db()
    assert job.state == "planned" and Customer.objects.count() == 5

    # when confirmed the second time: the run starts and ends
    with django_capture_on_commit_callbacks(execute=True):
        client.post(start, {"understood": "on", "confirmed": "yes"})
    job.refresh_from_db()
    assert job.state == "done" and (job.deleted, job.anonymized, job.ignored, job.failed) == (2, 1, 1, 0)
    # and the selection's filter, which may name a person, is gone
    selection.refresh_from_db()
    assert selection.query == ""


# --- the state after the run ----------------------------------------------------------------------------


def test_s3_after_the_run_the_page_says_which_run_erased_what_and_offers_the_rest_again(
    client, admin, umea, django_capture_on_commit_callbacks
):
    # given a selection erased by a run that had to leave one customer out (an undelivered order)
    selection = saved(admin, umea)
    client.force_login(admin)
    check(client, selection)
    job = ErasureJob.objects.get()
    confirm_twice(client, job, django_capture_on_commit_callbacks)

    # when its page is opened
    html = page_of(client, selection)

    # then the run with its result, each customer's state and what the run did, by number where deleted
    run = html.split(f'data-run="{job.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Done" in run and ">2<" in run and ">1<" in run
    assert 'data-state="deleted"' in row_of(html, umea["never"].number)
    assert 'data-state="deleted"' in row_of(html, umea["firm"].number)
    settled = row_of(html, umea["settled"].number)
    assert 'data-state="anonymized"' in settled and "Hedlund" not in settled and "anonymized" in settled
    blocked = row_of(html, umea["blocked"].number)
    assert f"{umea['blocking'].ref} is not delivered" in blocked and 'data-state="active"' in blocked
    assert 'id="selection-remaining">1<' in html
    # and, one customer remaining, the erasure is offered again
    assert 'id="check-selection"' in html and 'id="selection-erased"' not in html

    # when the order is delivered and the rest is erased by a second run
    type(umea["blocking"]).objects.filter(pk=umea["blocking"].pk).update(delivered=True)
    check(client, selection)
    second = ErasureJob.objects.latest("pk")
    confirm_twice(client, second, django_capture_on_commit_callbacks)

    # then the page says the second run erased it, and offers no erasure any more
    html = page_of(client, selection)
    erased = html.split('id="selection-erased"', 1)[1].split("</div>", 1)[0]
    assert f"Erased by run #{second.pk}: 0 deleted, 1 anonymized, 3 ignored, 0 failed." in erased
    assert 'id="selection-remaining">0<' in html
    assert 'id="check-selection"' not in html and "Erase the whole selection" not in html
    # and a check asked for anyway is refused with the reason, nothing planned
    response = client.post(reverse("mass_erasure:selection_check", args=[selection.pk]), follow=True)
    assert "Every customer of this selection has been erased." in response.content.decode()
    assert ErasureJob.objects.count() == 2


@pytest.mark.parametrize("state", ["planned", "queued", "running"])
def test_s2_no_erasure_is_offered_while_a_run_of_the_selection_is_open(client, admin, umea, state):
    # given a selection with a run checked, or under way
    selection = saved(admin, umea)
    client.force_login(admin)
    check(client, selection)
    job = ErasureJob.objects.get()
    ErasureJob.objects.filter(pk=job.pk).update(state=state)

    # when / then: the page leads to that run and offers no other
    html = page_of(client, selection)
    assert 'id="selection-open-run"' in html
    assert f'href="{reverse("mass_erasure:job", args=[job.pk])}"' in html
    assert 'id="check-selection"' not in html
    response = client.post(reverse("mass_erasure:selection_check", args=[selection.pk]), follow=True)
    assert "A run of this selection is already verified or under way." in response.content.decode()
    with pytest.raises(jobs.JobRefused):
        jobs.plan_selection_job(actor=admin, selection=selection)
    assert ErasureJob.objects.count() == 1


def test_s2_a_checked_run_left_unstarted_can_be_discarded_and_the_selection_checked_again(
    client, admin, umea
):
    # given a selection checked, and its verification left without confirmation
    selection = saved(admin, umea)
    client.force_login(admin)
    check(client, selection)
    job = ErasureJob.objects.get()
    html = client.get(reverse("mass_erasure:job", args=[job.pk])).content.decode()
    assert 'id="discard-run"' in html

    # when it is discarded
    response = client.post(reverse("mass_erasure:discard", args=[job.pk]), follow=True)

    # then the plan is gone with its customers' rows, nothing was erased, and the selection offers the check
    assert response.redirect_chain[-1][0] == reverse("mass_erasure:selection", args=[selection.pk])
    assert f"Verification #{job.pk} discarded: nothing was erased." in response.content.decode()
    assert not ErasureJob.objects.exists() and not ErasureJobItem.objects.exists()
    assert Customer.objects.filter(anonymized_at__isnull=True).count() == 5
    assert 'id="check-selection"' in response.content.decode()
    check(client, selection)
    assert ErasureJob.objects.get().state == "planned"


@pytest.mark.parametrize("state", ["queued", "running", "done"])
def test_s2_a_started_run_cannot_be_discarded(client, admin, umea, state):
    selection = saved(admin, umea)
    client.force_login(admin)
    check(client, selection)
    job = ErasureJob.objects.get()
    ErasureJob.objects.filter(pk=job.pk).update(state=state)

    response = client.post(reverse("mass_erasure:discard", args=[job.pk]), follow=True)

    assert "This run has already been started: it can no longer be discarded." in response.content.decode()
    assert ErasureJob.objects.get().items.count() == 4


def test_m4_a_mass_verification_is_discarded_by_whoever_may_run_it(client, umea):
    # given a mass run planned by one user with the right, and another with it, and one without it
    enable_crm()
    planner, colleague = mass_eraser("malin"), mass_eraser("jonas")
    job = jobs.plan_mass_job(actor=planner, criteria="both", through=date(2020, 12, 31))
    client.force_login(user_with("kim", "view_customer"))
    assert client.post(reverse("mass_erasure:discard", args=[job.pk])).status_code == 403
    assert ErasureJob.objects.filter(pk=job.pk).exists()

    # when the colleague discards it
    client.force_login(colleague)
    response = client.post(reverse("mass_erasure:discard", args=[job.pk]))

    # then it is gone, and the mass erasure's page is where they land
    assert response["Location"] == reverse("mass_erasure:index")
    assert not ErasureJob.objects.exists() and Customer.objects.count() == 5


def test_m5_a_start_that_meets_a_discard_made_meanwhile_says_so(client, umea, monkeypatch):
    # given a mass verification, discarded by a colleague while its confirmation page was open
    enable_crm()
    planner = mass_eraser("malin")
    job = jobs.plan_mass_job(actor=planner, criteria="both", through=date(2020, 12, 31))
    start = jobs.start_job

    def discarded_first(*, actor, job, **kwargs):
        jobs.discard_job(actor=actor, job=job)
        return start(actor=actor, job=job, **kwargs)

    monkeypatch.setattr(jobs, "start_job", discarded_first)
    client.force_login(planner)

    # when the second confirmation is sent
    response = client.post(
        reverse("mass_erasure:start", args=[job.pk]), {"understood": "on", "confirmed": "yes"}, follow=True
    )

    # then the mass erasure's page says why, and nothing was erased
    assert response.redirect_chain[-1][0] == reverse("mass_erasure:index")
    assert "This verification has been discarded: nothing was erased." in response.content.decode()
    assert Customer.objects.count() == 5


# --- the earlier runs -----------------------------------------------------------------------------------


def test_s2_the_selections_runs_are_among_the_earlier_runs(
    client, admin, umea, django_capture_on_commit_callbacks
):
    # given a selection erased, and a mass run
    enable_crm()
    selection = saved(admin, umea)
    client.force_login(admin)
    check(client, selection)
    run = ErasureJob.objects.get()
    confirm_twice(client, run, django_capture_on_commit_callbacks)

    # when the administrator opens the mass erasure page
    html = client.get(reverse("mass_erasure:index")).content.decode()

    # then the selection's run is listed, with the selection and its result
    row = html.split(f'data-run="{run.pk}"', 1)[1].split("</tr>", 1)[0]
    assert f'href="{reverse("mass_erasure:job", args=[run.pk])}"' in row
    assert "Umeå kunder" in row and "admin" in row and "Done" in row

    # and to a user who may mass-erase but not erase selections, it is not (its page is not theirs)
    client.force_login(user_with("malin", "mass_erase_customers", "view_customer"))
    html = client.get(reverse("mass_erasure:index")).content.decode()
    assert f'data-run="{run.pk}"' not in html


def test_the_selection_page_takes_a_fixed_number_of_queries(
    client, admin, umea, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    selection = saved(admin, umea)
    client.force_login(admin)
    check(client, selection)
    confirm_twice(client, ErasureJob.objects.get(), django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(16):
        page_of(client, selection)

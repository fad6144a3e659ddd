"""The Django admin is a back office for administrators, never a back door (SPEC R-9, R-5, R-6, A-3, A-4,
A-7): the site opens only to rules.may_use_admin(), its lists go through rules.restrict(), and a record the
register's services would refuse is refused here as a form error, with nothing saved or logged."""

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.urls import reverse

from kund.audit.models import ChangeRecord
from kund.core import rules
from kund.core.rights import ADMINISTRATOR_GROUP, KUND_APP_LABELS
from kund.crm.models import Activity
from kund.customers.models import Customer
from kund.customers.services import customer_assign, customer_set_status
from kund.customers.tests.register_fixtures import anonymize, make_user, new_company, new_private
from kund.demo.testing.admin_forms import AdminForm
from kund.demo.testing.factories import add_owned, add_transactions
from kund.documents.models import Document
from kund.sales.models import Order, Quote
from kund.service.models import FaultReport


def _staff(*rights: str, username: str, administrator: bool = False):
    user = make_user(*rights, username=username)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    if administrator:
        user.groups.add(Group.objects.get(name=ADMINISTRATOR_GROUP))
    return user


@pytest.fixture
def administrator(db):
    return _staff(username="astrid.admin", administrator=True)


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def _changelists(apps=None) -> list[str]:
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
        if apps is None or model._meta.app_label in apps
    ]


def _add(client, model, **values):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    form = AdminForm(client.get(url), model._meta.model_name).set(**values)
    return client.post(url, form.data())


def _form_errors(response) -> dict:
    assert response.status_code == 200, "expected the form again, with its errors"
    return response.context["adminform"].form.errors


# --- who may use it --------------------------------------------------------------------------------


def test_r9_staff_who_sees_only_assigned_customers_cannot_use_the_admin(client, db):
    # given: a staff user with the view-only-assigned right, who is not an administrator
    seller = _staff("view_assigned_customer", username="sara.seller")
    customer = new_private()
    customer_assign(customer=customer, actor=None, responsible=seller)
    client.force_login(seller)

    # when / then: the index and every model's list send the user to the admin's sign-in page
    for url in ["/admin/", *_changelists()]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url


def test_r9_staff_holding_model_rights_but_not_an_administrator_cannot_use_the_admin(client, db):
    # given: staff with Django's view right on orders and the full view right on customers
    clerk = _staff("view_customer", username="kim.clerk")
    clerk.user_permissions.add(Permission.objects.get(content_type__app_label="sales", codename="view_order"))
    client.force_login(clerk)

    # when
    responses = [client.get(url) for url in ("/admin/", "/admin/customers/customer/", "/admin/sales/order/")]

    # then
    assert [r.status_code for r in responses] == [302, 302, 302]


@pytest.mark.parametrize("kind", ["administrator group", "superuser"])
def test_r9_an_administrator_uses_the_admin(client, db, kind):
    # given
    if kind == "superuser":
        user = make_user(username="root")
        user.is_staff = user.is_superuser = True
        user.save()
    else:
        user = _staff(username="astrid.admin", administrator=True)
    client.force_login(user)

    # when / then: every list of Kund's records (the group holds Kund's rights, not Django's own)
    for url in ["/admin/", *_changelists(KUND_APP_LABELS)]:
        assert client.get(url).status_code == 200, url


def test_r9_admin_lists_go_through_the_rules_even_if_the_admin_were_opened(client, db, monkeypatch):
    # given: the administrator-only policy relaxed, and a staff seller who sees only assigned customers
    # and holds Django's view right on orders
    monkeypatch.setattr(rules, "may_use_admin", lambda user: True)
    seller = _staff("view_assigned_customer", username="sara.seller")
    seller.user_permissions.add(
        Permission.objects.get(content_type__app_label="sales", codename="view_order")
    )
    own, other = new_private(), new_company()
    customer_assign(customer=own, actor=None, responsible=seller)
    own_order = add_transactions(own)["order"]
    other_order = add_transactions(other)["order"]
    client.force_login(seller)

    # when
    customers = client.get(reverse("admin:customers_customer_changelist"))
    orders = client.get(reverse("admin:sales_order_changelist"))
    someone_elses = client.get(reverse("admin:sales_order_change", args=[other_order.pk]))

    # then: only the assigned customer and its records
    assert [c.pk for c in customers.context["cl"].result_list] == [own.pk]
    assert [o.pk for o in orders.context["cl"].result_list] == [own_order.pk]
    assert someone_elses.status_code == 302  # "does not exist", as for an unknown id
    assert someone_elses.url == reverse("admin:index")


# --- new records and the register's rules ------------------------------------------------------------


def test_a4_a_quote_cannot_be_added_for_an_anonymized_customer(admin_client):
    # given
    customer = anonymize(new_private())

    # when
    response = _add(admin_client, Quote, customer=customer.pk, number=7001, date="2025-03-01")

    # then
    assert "cannot be chosen for anything new" in " ".join(_form_errors(response)["customer"])
    assert not Quote.objects.exists()
    assert LogEntry.objects.count() == 0


@pytest.mark.parametrize(
    "state, message",
    [("anonymized", "cannot be chosen for anything new"), ("inactive", "cannot be chosen for new orders")],
)
def test_a4_r5_an_order_cannot_be_added_for_an_anonymized_or_inactive_customer(admin_client, state, message):
    # given
    customer = new_private()
    if state == "anonymized":
        customer = anonymize(customer)
    else:
        customer_set_status(customer=customer, actor=None, status=Customer.Status.INACTIVE)

    # when
    response = _add(admin_client, Order, customer=customer.pk, date="2025-03-01", invoice_name="Ingrid")

    # then
    assert message in " ".join(_form_errors(response)["customer"])
    assert not Order.objects.exists()
    assert LogEntry.objects.count() == 0


def test_r5_a_quote_is_new_business_but_an_activity_is_not(admin_client):
    # given: an inactive customer
    customer = new_company()
    customer_set_status(customer=customer, actor=None, status=Customer.Status.INACTIVE)

    # when
    quote = _add(admin_client, Quote, customer=customer.pk, number=7002, date="2025-03-01")
    activity = _add(
        admin_client,
        Activity,
        customer=customer.pk,
        number=7003,
        kind=Activity.Kind.CALL,
        date_0="2025-03-01",
        date_1="10:30:00",
        subject="Frågade om faktura",
    )

    # then: what is already done stays and can be followed up; nothing new is sold
    assert "cannot be chosen for new orders" in " ".join(_form_errors(quote)["customer"])
    assert activity.status_code == 302
    assert Activity.objects.get(customer=customer).subject == "Frågade om faktura"


def test_r6_an_order_added_in_the_admin_goes_through_the_order_service(admin_client, administrator):
    # given: a customer with a responsible technician
    technician = make_user(username="tove.tekniker")
    customer = new_private()
    customer_assign(customer=customer, actor=None, responsible=technician)

    # when
    response = _add(admin_client, Order, customer=customer.pk, date="2025-03-01", total="1250.00")

    # then: numbered, assigned to the customer's technician and addressed as the customer
    assert response.status_code == 302
    order = Order.objects.get(customer=customer)
    assert order.responsible == technician
    assert order.invoice_city == "Uppsala"
    assert str(order.total) == "1250.00"
    entry = LogEntry.objects.get()
    assert (entry.object_id, entry.object_repr) == (str(order.pk), order.ref)


def test_r6_a_fault_report_added_in_the_admin_goes_to_the_customers_technician(admin_client):
    # given
    technician = make_user(username="tove.tekniker")
    customer = new_private()
    customer_assign(customer=customer, actor=None, responsible=technician)

    # when
    response = _add(
        admin_client,
        FaultReport,
        customer=customer.pk,
        reported_at_0="2025-03-01",
        reported_at_1="08:15:00",
        description="Pumpen låter",
    )

    # then
    assert response.status_code == 302
    report = FaultReport.objects.get(customer=customer)
    assert (report.responsible, report.description) == (technician, "Pumpen låter")


def test_a4_an_order_cannot_be_moved_to_an_anonymized_customer(admin_client):
    # given
    order = add_transactions(new_company(), settled=False)["order"]
    anonymized = anonymize(new_private())
    url = reverse("admin:sales_order_change", args=[order.pk])
    form = AdminForm(admin_client.get(url), "order")

    # when
    response = admin_client.post(url, form.set(customer=anonymized.pk).data())

    # then
    assert "cannot be chosen for anything new" in " ".join(_form_errors(response)["customer"])
    assert Order.objects.get(pk=order.pk).customer_id == order.customer_id
    assert LogEntry.objects.count() == 0


def test_a4_the_records_of_an_anonymized_customer_are_read_only(admin_client):
    # given
    customer = new_private()
    order = add_transactions(customer)["order"]
    anonymize(customer)
    url = reverse("admin:sales_order_change", args=[order.pk])

    # when
    shown = admin_client.get(url)
    posted = admin_client.post(url, {"customer_reference": "Ingrid Lindqvist"})

    # then
    assert shown.status_code == 200
    assert shown.context["title"].startswith("View")
    assert posted.status_code == 403
    assert Order.objects.get(pk=order.pk).customer_reference == order.customer_reference


# --- vouchers (A-3) ----------------------------------------------------------------------------------


def test_a3_invoices_are_not_issued_or_altered_in_the_admin_only_marked_paid(admin_client):
    # given: an unpaid invoice
    invoice = add_transactions(new_private(), settled=False)["invoice"]
    url = reverse("admin:billing_invoice_change", args=[invoice.pk])
    form = AdminForm(admin_client.get(url), "invoice")

    # when: the back office tries to issue one, and to rewrite the legal copy while marking it paid
    issued = admin_client.get(reverse("admin:billing_invoice_add"))
    changed = admin_client.post(url, form.set(paid="on", customer_name="Someone Else", total="1").data())

    # then
    assert issued.status_code == 403
    assert changed.status_code == 302
    invoice.refresh_from_db()
    assert invoice.paid
    assert (invoice.customer_name, invoice.total) == ("Ingrid Lindqvist", 1000)


# --- the admin log (A-7) -----------------------------------------------------------------------------


def test_a7_a_deleted_document_is_logged_by_reference_not_by_title(admin_client):
    # given: a document whose title names the person
    customer = new_private()
    document = add_owned(customer)["document"]
    Document.objects.filter(pk=document.pk).update(title="Pass Ingrid Lindqvist")
    document.refresh_from_db()

    # when
    response = admin_client.post(
        reverse("admin:documents_document_delete", args=[document.pk]), {"post": "yes"}
    )

    # then: deleted, and the log entry (which no erasure will find any more) names no one
    assert response.status_code == 302
    assert not Document.objects.filter(pk=document.pk).exists()
    entry = LogEntry.objects.get()
    assert entry.object_repr == document.ref
    assert not LogEntry.objects.filter(object_repr__contains="Lindqvist").exists()
    # and the card's history has the deletion, by reference, as when deleted from the card
    record = ChangeRecord.objects.get(customer=customer, event=ChangeRecord.Event.DOCUMENT_DELETED)
    assert (record.old_value, record.new_value) == (document.ref, "")


def test_r4_a_document_added_in_the_admin_is_in_the_cards_history(admin_client, administrator):
    customer = new_private()
    url = reverse("admin:documents_document_add")
    form = AdminForm(admin_client.get(url), "document")
    data = form.set(customer=customer.pk, title="Pass", uploaded_at_0="2025-03-01", uploaded_at_1="10:00")

    response = admin_client.post(url, {**data.data(), "file": ContentFile(b"%PDF-1.4 pass", name="pass.pdf")})

    assert response.status_code == 302
    document = Document.objects.get(customer=customer)
    record = ChangeRecord.objects.get(customer=customer, event=ChangeRecord.Event.DOCUMENT_ADDED)
    assert (record.new_value, record.actor) == (document.ref, administrator)


def test_a4_a_document_cannot_be_uploaded_for_an_anonymized_customer(admin_client):
    # given
    customer = anonymize(new_private())
    url = reverse("admin:documents_document_add")
    form = AdminForm(admin_client.get(url), "document")
    upload = ContentFile(b"%PDF-1.4 pass", name="pass.pdf")

    # when
    data = form.set(customer=customer.pk, title="Pass", uploaded_at_0="2025-03-01", uploaded_at_1="10:00")
    response = admin_client.post(url, {**data.data(), "file": upload})

    # then
    assert "cannot be chosen for anything new" in " ".join(_form_errors(response)["customer"])
    assert not Document.objects.exists()


def test_an_existing_record_of_an_inactive_customer_can_still_be_changed(admin_client):
    # given: an open order of a customer deactivated since (R-5: what is done stays)
    customer = new_private()
    order = add_transactions(customer, settled=False)["order"]
    customer_set_status(customer=customer, actor=None, status=Customer.Status.INACTIVE)
    url = reverse("admin:sales_order_change", args=[order.pk])
    form = AdminForm(admin_client.get(url), "order")

    # when
    response = admin_client.post(url, form.set(delivered="on").data())

    # then
    assert response.status_code == 302
    assert Order.objects.get(pk=order.pk).delivered

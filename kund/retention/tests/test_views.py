"""The retention pages: an administrator defines a rule, writes its dry-run report, reviews it (counts,
ignored with reasons, the review lists) and approves it."""

import pytest
from django.urls import reverse

from kund.customers.models import Customer
from kund.retention.models import RetentionRule, RetentionRun

pytestmark = pytest.mark.django_db

RULE = {
    "name": "Gamla privatkunder",
    "criteria": "both",
    "years": "3",
    "kind": "private",
    "status": "",
    "mode": "approve",
    "limit": "",
    "enabled": "on",
}


def test_define_report_review_and_approve(
    client, admin_user, register, clock, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)

    # when an administrator defines a rule
    response = client.post(reverse("retention:create"), RULE)
    rule = RetentionRule.objects.get()
    assert response.status_code == 302 and (rule.mode, rule.years, rule.limit) == ("approve", 3, None)

    # and writes its dry-run report
    response = client.post(reverse("retention:report", args=[rule.pk]))
    run = RetentionRun.objects.get()
    assert response["Location"] == reverse("retention:run", args=[run.pk])

    # then the report shows the counts, the ignored with the reason, and the review lists
    page = client.get(response["Location"]).content.decode()
    assert 'id="count-selected">5<' in page and 'id="count-ignored">1<' in page
    assert "not delivered" in page and 'id="approve-form"' in page
    assert Customer.objects.filter(pk=register.never.pk).exists()
    to_erase = client.get(reverse("retention:csv", args=[run.pk, "to-erase"])).content.decode()
    assert register.never.number in to_erase and "Astrid Berg" in to_erase
    ignored = client.get(reverse("retention:csv", args=[run.pk, "ignored"])).content.decode()
    assert register.blocked.number in ignored and register.never.number not in ignored

    # when it is approved without ticking the box, nothing happens
    response = client.post(reverse("retention:approve", args=[run.pk]), {})
    assert response.status_code == 200 and 'data-field-error="understood"' in response.content.decode()
    assert Customer.objects.filter(pk=register.never.pk).exists()

    # when it is approved with the box ticked, its customers are erased
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("retention:approve", args=[run.pk]), {"understood": "on"}, follow=True)
    assert "Approved" in response.content.decode()
    assert not Customer.objects.filter(pk=register.never.pk).exists()
    run.refresh_from_db()
    assert run.state == "started" and run.job.deleted == 2 and run.job.anonymized == 2


def test_bad_input_is_shown_beside_the_field(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("retention:create"), {**RULE, "years": "0", "criteria": "sometimes"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-field-error="years"' in page and 'data-field-error="criteria"' in page
    assert not RetentionRule.objects.exists()


def test_edit_a_rule(client, admin_user):
    client.force_login(admin_user)
    client.post(reverse("retention:create"), RULE)
    rule = RetentionRule.objects.get()
    response = client.post(
        reverse("retention:edit", args=[rule.pk]), {**RULE, "mode": "automatic", "years": "5"}
    )
    rule.refresh_from_db()
    assert response.status_code == 302 and (rule.mode, rule.years) == ("automatic", 5)
    assert "Erase automatically" in client.get(reverse("retention:list")).content.decode()

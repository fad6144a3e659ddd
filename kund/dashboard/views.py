"""The start page (SPEC B-11): a dashboard of what needs doing, by what the user may see.

- customers by kind and status, for those who see the register (only their own if they see only
  assigned customers);
- erasures per month (deleted, anonymized) as a chart, for those who may erase, mass-erase or
  administer;
- requests overdue and due within 7 days, for those who handle data-subject requests;
- what each retention rule would catch on its next run (kund.dashboard.retention), for administrators
  and holders of the mass-erasure right.

Every figure links to the list behind it. The page is reached as the URL named "home" (kund.core.views).
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from kund.core import rules
from kund.dashboard import retention, selectors


def sees_erasures(user) -> bool:
    return rules.may_erase_any(user) or rules.may_hold_mass_right(user) or rules.is_administrator(user)


def sees_retention(user) -> bool:
    return rules.is_administrator(user) or rules.may_hold_mass_right(user)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict = {"sections": 0}
    if rules.may_view_register(user):
        context["customers"] = selectors.customers_by_kind_and_status(user)
        context["customers_only_assigned"] = rules.sees_only_assigned(user)
    if sees_erasures(user):
        months = selectors.erasures_per_month()
        context["erasures"] = months
        context["erasure_rows"] = list(zip(months.labels, months.deleted, months.anonymized, strict=True))
        context["erasure_chart"] = {
            "labels": months.labels,
            "months": months.months,
            "datasets": [
                {"key": "deleted", "label": _("Deleted"), "data": months.deleted},
                {"key": "anonymized", "label": _("Anonymized"), "data": months.anonymized},
            ],
        }
        # The erasure log has no page of its own outside the back office; the figure links there for
        # those who may use it, and to nothing for anyone else.
        context["erasure_log_url"] = (
            reverse("admin:audit_erasurelogentry_changelist") if rules.may_use_admin(user) else ""
        )
    if rules.may_handle_requests(user):
        context["requests_due"] = selectors.requests_due(user)
    if sees_retention(user):
        context["show_retention"] = True
        context["retention"] = retention.previews(user)
    context["sections"] = sum(
        key in context for key in ("customers", "erasures", "requests_due", "show_retention")
    )
    return render(request, "dashboard/dashboard.html", context)

"""What retention would catch (SPEC B-6): each rule's customers and the legal copies whose bookkeeping period
is over. Reads only; kund.retention.services writes the reports and starts the erasures.

A rule's verification is mass erasure's (kund.privacy.mass.verify, M-2 and M-4) over the rule's own
selection: the oldest customers that can be erased, at most the rule's limit, and the blocked ones met on
the way to them, each planned by the erasure planner. Its dry run and its real run therefore report the
same counts on the same data.
"""

import calendar
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import DateTimeField, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from kund.core import rules
from kund.customers.models import Customer
from kund.privacy import mass, policy
from kund.privacy.planner import blocked_condition
from kund.retention.models import RetentionRule

Criteria = RetentionRule.Criteria

# "No activity" (B-6): the dates of the linked transactions and events (E-2) that count as activity.
# Records reached through another one (an order's extra information, a dropship order's purchases and
# their inbound deliveries) are dated by that one. Due dates and validity ends are not activity.
ACTIVITY_DATES: dict[str, tuple[str, ...]] = {
    "crm.Activity": ("date",),
    "crm.Agreement": ("started_on", "ended_on"),
    "crm.Project": ("started_on", "ended_on"),
    "crm.ProjectGroupMembership": ("joined_on",),
    "crm.ResellerLink": ("since",),
    "crm.EmailMessage": ("sent_at",),
    "sales.Quote": ("date",),
    "sales.Order": ("date",),
    "sales.Delivery": ("date",),
    "sales.DropshipOrder": ("date",),
    "sales.TradeInvoice": ("date",),
    "billing.Invoice": ("date",),
    "billing.AgreementInvoice": ("date",),
    "billing.Receipt": ("date",),
    "billing.PaymentReminder": ("date",),
    "billing.ReminderFee": ("date",),
    "support.SupportTicket": ("created_at",),
    "service.Installation": ("installed_on",),
    "service.ServiceOrder": ("date",),
    "service.ServiceProtocol": ("date",),
    "service.FaultReport": ("reported_at",),
}


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def through_for(rule: RetentionRule, on: date) -> date:
    """The rule's M-1 date on the day it runs: N years back, inclusive."""
    return years_before(on, rule.years)


def _end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def no_activity_condition(through: date) -> Q:
    """Created on or before `through`, and no linked transaction or event dated after it."""
    condition = Q(created_at__lt=_end_of_day(through))
    for table in policy.TRANSACTION_TABLES:
        names = ACTIVITY_DATES.get(table.model)
        if not names:
            continue
        model = table.model_class
        later = Q()
        for name in names:
            if isinstance(model._meta.get_field(name), DateTimeField):
                later |= Q(**{f"{name}__gte": _end_of_day(through)})
            else:
                later |= Q(**{f"{name}__gt": through})
        condition &= ~Exists(model._default_manager.filter(**{table.link: OuterRef("pk")}).filter(later))
    return condition


def rule_condition(rule: RetentionRule, through: date) -> Q:
    condition = Q(anonymized_at__isnull=True)
    if rule.kind:
        condition &= Q(kind=rule.kind)
    if rule.status:
        condition &= Q(status=rule.status)
    if rule.criteria == Criteria.NO_ACTIVITY:
        return condition & no_activity_condition(through)
    return condition & mass.criteria_condition(rule.criteria, through)


def rule_limit(rule: RetentionRule) -> int:
    return rule.limit or mass.default_limit()


def verify_rule(rule: RetentionRule, *, on: date | None = None) -> mass.Verification:
    """M-2, M-4 for a rule on the day `on`: up to its limit of customers that can be erased, oldest first,
    and the blocked ones met on the way (all of them when fewer can be erased), at most as many, planned.
    Mass erasure's own verification, over the rule's selection."""
    on = on or timezone.localdate()
    through = through_for(rule, on)
    limit = rule_limit(rule)
    meeting = Customer.objects.filter(rule_condition(rule, through))
    blocked = blocked_condition(on)
    erasable = list(
        meeting.exclude(blocked).order_by("created_at", "pk").values_list("created_at", "pk")[:limit]
    )
    ignored = meeting.filter(blocked)
    if len(erasable) == limit:
        created_at, pk = erasable[-1]
        ignored = ignored.filter(created_at__lte=created_at).filter(
            Q(created_at__lt=created_at) | Q(pk__lt=pk)
        )
    ignored_rows = list(ignored.order_by("created_at", "pk").values_list("created_at", "pk")[:limit])
    ids = [pk for _created, pk in sorted(erasable + ignored_rows)]
    return mass.Verification(
        criteria=rule.criteria, through=through, limit=limit, rows=mass.plan_rows(ids, residue=False)
    )


# --- the legal copies after the bookkeeping period (A-3 ends) ----------------------------------------

LEGAL_COPY_MODELS = ("billing.Invoice", "billing.AgreementInvoice", "billing.Receipt")


def fiscal_year_end() -> tuple[int, int]:
    """KUND_FISCAL_YEAR_END as (month, day); the calendar year's end unless set."""
    raw = str(getattr(settings, "KUND_FISCAL_YEAR_END", "12-31") or "12-31")
    try:
        month, day = (int(part) for part in raw.split("-"))
        if not (1 <= month <= 12 and 1 <= day <= 31):
            raise ValueError(raw)
    except ValueError:
        raise ValueError(f"KUND_FISCAL_YEAR_END must be MM-DD, not {raw!r}") from None
    return month, day


def _fiscal_end_in(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def legal_copy_cutoff(on: date) -> date:
    """The last day of the latest fiscal year whose end lies more than KUND_BOOKKEEPING_YEARS before `on`:
    a voucher dated on or before it is past its bookkeeping period. With the calendar year and 7 years, a
    voucher of year Y is past it from 1 January of Y + 8."""
    month, day = fiscal_year_end()
    years = settings.KUND_BOOKKEEPING_YEARS
    # The end of a fiscal year E is past the period on `on` when E + years < on.
    year = on.year - years
    end = _fiscal_end_in(year, month, day)
    while years_before(on, years) <= end:
        year -= 1
        end = _fiscal_end_in(year, month, day)
    return end


def _legal_copy_fields(model) -> dict[str, policy.Rule]:
    return {
        name: rule
        for name, rule in policy.table_for(model._meta.label).fields.items()
        if rule == policy.KEEP_LAW
    }


def legal_copy_values(model) -> dict[str, str]:
    """What the built-in rule writes into an expired legal copy: each field by LEGAL_COPY_EXPIRED."""
    return {
        name: (policy.ANONYMIZED_NAME if policy.LEGAL_COPY_EXPIRED[name] is policy.XXXX else "")
        for name in _legal_copy_fields(model)
        if policy.LEGAL_COPY_EXPIRED[name].changes
    }


def expired_legal_copies(on: date | None = None) -> dict[str, QuerySet]:
    """Per voucher model, the vouchers of anonymized customers past their bookkeeping period whose legal
    copy still holds anything to clear."""
    from django.apps import apps

    on = on or timezone.localdate()
    cutoff = legal_copy_cutoff(on)
    anonymized = Customer.objects.filter(anonymized_at__isnull=False).values("pk")
    found = {}
    for label in LEGAL_COPY_MODELS:
        model = apps.get_model(label)
        not_cleared = Q()
        for name, value in legal_copy_values(model).items():
            not_cleared |= ~Q(**{name: value})
        found[label] = model._default_manager.filter(customer_id__in=anonymized, date__lte=cutoff).filter(
            not_cleared
        )
    return found


# --- what the dashboard shows -----------------------------------------------------------------------

BUILTIN_NAME = "legal copies after the bookkeeping period"


def legal_copies_summary(on: date | None = None) -> dict:
    count = sum(qs.count() for qs in expired_legal_copies(on).values())
    return {
        "name": BUILTIN_NAME,
        "selected": count,
        "delete": 0,
        "anonymize": 0,
        "ignored": 0,
        "legal_copies": count,
        "builtin": True,
    }


def rule_summary(rule: RetentionRule, verification: mass.Verification) -> dict:
    return {
        "name": rule.name,
        **{key: verification.counts()[key] for key in ("selected", "delete", "anonymize", "ignored")},
        "mode": rule.mode,
        "builtin": False,
    }


def retention_preview(*, now: datetime | None = None) -> list[dict]:
    """What each enabled retention rule would catch on its next run, and the built-in clearing of legal
    copies: a list of {"name", "selected", "delete", "anonymize", "ignored", …} — the rules of
    `kund retention run --dry-run --json` — each with "url", the page behind the figure."""
    on = timezone.localdate(now) if now else timezone.localdate()
    preview = []
    for rule in RetentionRule.objects.filter(enabled=True).order_by("name"):
        summary = rule_summary(rule, verify_rule(rule, on=on))
        preview.append({**summary, "url": reverse("retention:rule", args=[rule.pk])})
    preview.append({**legal_copies_summary(on), "url": reverse("retention:list")})
    return preview


def dashboard_previews(user) -> list:
    """The start page's "what each retention rule would catch on its next run" (B-11), for those who
    manage retention rules; named by KUND_DASHBOARD_RETENTION_PREVIEW. Read from each enabled rule's
    latest report (its dry run, written at every run and by "write a dry-run report now") in one query:
    the start page never plans a run itself."""
    from django.db.models import OuterRef, Subquery

    from kund.dashboard.retention import RetentionPreview
    from kund.retention.models import RetentionRun

    if not rules.may_manage_retention(user):
        return []
    latest = RetentionRun.objects.filter(rule=OuterRef("pk")).order_by("-created_at", "-pk")
    enabled = (
        RetentionRule.objects.filter(enabled=True)
        .order_by("name")
        .annotate(
            **{
                f"last_{field}": Subquery(latest.values(field)[:1])
                for field in ("selected", "planned_delete", "planned_anonymize", "planned_ignored")
            }
        )
    )
    modes = dict(RetentionRule.Mode.choices)
    return [
        RetentionPreview(
            name=rule.name,
            selected=rule.last_selected or 0,
            delete=rule.last_planned_delete or 0,
            anonymize=rule.last_planned_anonymize or 0,
            ignored=rule.last_planned_ignored or 0,
            next_run=timezone.localdate(rule.next_run_at) if rule.next_run_at else None,
            mode=str(modes.get(rule.mode, "")),
            url=reverse("retention:rule", args=[rule.pk]),
        )
        for rule in enabled
    ]

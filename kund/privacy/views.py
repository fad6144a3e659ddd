"""The erasure of one customer in the browser (SPEC E-1..E-5, D-1, A-2, B-5).

The page shows the planner's decision and only the action that applies (presenters.py puts it in words);
for anonymization also each finding of the person in kept text, with the words around it, and a choice to
keep each document holding the person, with a reason. The POST calls the service, which checks the right
and decides again inside its transaction.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from kund.core import rules
from kund.customers.models import Customer
from kund.customers.templatetags.kund import customer_url
from kund.documents.models import Document
from kund.privacy import presenters
from kund.privacy.forms import ErasureConfirmForm
from kund.privacy.planner import Action, plan_customer
from kund.privacy.services import AlreadyErased, ErasureRefused, customer_anonymize, customer_delete


class CustomerErasureView(LoginRequiredMixin, View):
    """GET shows the plan and the confirmation; POST carries out the action the page offered."""

    template_name = "privacy/customer_erasure.html"
    services = {Action.DELETE.value: customer_delete, Action.ANONYMIZE.value: customer_anonymize}

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # E-4: without the right the page does not exist for the user, whatever the method.
        if request.user.is_authenticated and not rules.may_erase_any(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.page(self.customer(pk), None)

    def customer(self, pk: int) -> Customer:
        """A customer the user may not view does not exist for them, here as on the card."""
        customer = get_object_or_404(Customer, pk=pk)
        if not rules.may_erase(self.request.user, customer):
            raise Http404
        return customer

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not Customer.objects.filter(pk=pk).exists():
            # Erased by someone else since this page was shown (the GET of an unknown customer is a 404).
            return self.already_erased(_("The customer no longer exists: it has already been erased."))
        customer = self.customer(pk)
        try:
            plan = plan_customer(customer)
        except Customer.DoesNotExist:
            return self.already_erased(_("The customer no longer exists: it has already been erased."))
        form = ErasureConfirmForm(request.POST, documents=self.residue_documents(plan))
        if not form.is_valid():
            return self.page(customer, form, plan=plan)
        action = form.cleaned_data["action"]
        decisions = {}
        if action == Action.ANONYMIZE.value:
            decisions = {
                "keep_documents": form.keep_documents(),
                "listed_documents": form.cleaned_data["listed"],
            }
        try:
            outcome = self.services[action](customer=customer, actor=request.user, **decisions)
        except AlreadyErased as refused:
            if refused.gone:  # deleted by a concurrent erasure that committed first
                return self.already_erased(str(refused))
            return self.page(customer, None, refused=str(refused))
        except ErasureRefused as refused:
            return self.page(customer, None, refused=str(refused))
        if outcome.result == "deleted":
            messages.success(
                request,
                _("Customer %(number)s has been deleted. Erasure log receipt: %(receipt)s")
                % {"number": outcome.number, "receipt": outcome.receipt},
            )
            return redirect(presenters.reverse_or("customers:list", "/customers/"))
        messages.success(
            request,
            _("Customer %(number)s has been anonymized. Erasure log receipt: %(receipt)s")
            % {"number": outcome.number, "receipt": outcome.receipt},
        )
        return redirect(customer_url(customer))

    def already_erased(self, message: str) -> HttpResponse:
        """The customer is gone: there is no page to show again, so say so on the customer list."""
        messages.warning(self.request, message)
        return redirect(presenters.reverse_or("customers:list", "/customers/"))

    def residue_documents(self, plan) -> list[int]:
        """The documents holding the person, which the page lets the user keep: for anonymization only."""
        if plan.action != Action.ANONYMIZE:
            return []
        return presenters.residue_documents(plan.residue)

    def page(
        self, customer: Customer, form: ErasureConfirmForm | None, *, refused: str = "", plan=None
    ) -> HttpResponse:
        try:
            plan = plan or plan_customer(customer)
        except Customer.DoesNotExist:  # deleted by a concurrent erasure since it was read
            return self.already_erased(
                _("Customer %(number)s no longer exists: it has already been erased.")
                % {"number": customer.number}
            )
        residue_documents = self.residue_documents(plan)
        if form is None or (plan.action in (Action.DELETE, Action.ANONYMIZE) and not form.is_bound):
            initial = {"action": plan.action.value, "listed": ",".join(map(str, residue_documents))}
            form = ErasureConfirmForm(initial=initial, documents=residue_documents)
        user = self.request.user
        context = {
            "customer": customer,
            "plan": plan,
            "action": plan.action.value,
            "form": form,
            "refused": refused,
            "card_url": customer_url(customer),
            "linked": presenters.linked_summary(plan),
        }
        if plan.action == Action.DELETE:
            documents = Document.objects.filter(customer=customer).order_by("title", "pk")
            context["documents"] = list(documents.values_list("pk", "title")[: presenters.LIST_LIMIT])
            context["documents_more"] = max(0, plan.documents_to_delete - presenters.LIST_LIMIT)
            context["can_delete_files"] = rules.may_delete_files(user, customer)
        if plan.action == Action.ANONYMIZE:
            context["kept"] = presenters.record_lines(
                plan.kept_free_text, customer=customer, user=user, text_of=presenters.kept_text
            )
            context["kept_more"] = max(0, len(plan.kept_free_text) - presenters.LIST_LIMIT)
            context["changes"] = presenters.changes_summary(plan)
            # B-5: the person found in kept text, with the words around each finding (this page only),
            # and the choice to keep each document holding the person.
            keep = form.keep_fields()
            lines = presenters.residue_lines(plan.residue, customer=customer, user=user)
            context["residue"] = [(line, keep.get(line.document_id)) for line in lines]
            context["residue_more"] = max(0, len(plan.residue) - presenters.LIST_LIMIT)
            context["legal_copies"] = presenters.legal_copies(plan)
            context.update(presenters.legal_copy_terms())
        if plan.action == Action.BLOCKED:
            context["blockers"] = presenters.record_lines(
                plan.blockers, customer=customer, user=user, text_of=presenters.blocker_text
            )
            context["blockers_more"] = max(0, len(plan.blockers) - presenters.LIST_LIMIT)
        return render(self.request, self.template_name, context)

"""Uploaded documents of a customer: they are the customer's alone and are deleted with it (SPEC D-1),
kept but listed for review on anonymization (SPEC A-2), and deleted with the anonymization when their text
holds the person (B-5) unless the user keeps one with a reason."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kund.core.files import RandomName
from kund.core.models import PkReferenced


class Document(PkReferenced, models.Model):
    REF_PREFIX = "DOC"

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="documents"
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=RandomName("documents"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    # B-5: the user chose, on the erasure page, to keep this document though its text holds the person,
    # and wrote why (with the customer's details in it redacted). The decision stands: later scans of the
    # anonymized customer leave the document alone. The reason is cleared at the customer's next erasure
    # (`kund residue_scan --anonymized --redact`); the erasure log says only "kept by decision".
    kept_at = models.DateTimeField(_("kept by decision on"), null=True, blank=True)
    kept_reason = models.TextField(_("reason for keeping"), blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title

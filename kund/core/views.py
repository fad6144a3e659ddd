from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page after signing in: the dashboard (SPEC B-11). It reads the apps' figures, so it lives
    in kund.dashboard, imported when the page is asked for (kund.core imports no app when loaded)."""
    from kund.dashboard.views import dashboard

    return dashboard(request)

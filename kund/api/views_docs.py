"""/api/docs/: the OpenAPI document rendered by Swagger UI, served from Kund's own static files (the npm
package swagger-ui-dist, see package.json), never from a CDN. Its "Try it out" calls the API with the token
typed into "Authorize": the page's own session opens nothing in the API."""

from django.views.generic import TemplateView


class DocsView(TemplateView):
    template_name = "api/docs.html"

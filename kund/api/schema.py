"""How drf-spectacular describes what it cannot see by itself: the Bearer tokens, that the API refuses
fields it does not know (kund.api.serializers.StrictSerializer), and that an empty query parameter is no
parameter."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.views import SpectacularJSONAPIView


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "kund.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from `kund api_token create USERNAME` or the web's API tokens page.",
        }


def strict_request_bodies(result, generator, request, public):
    """Request bodies name every field they take: declare that no other field is allowed, so clients (and
    test generators) know an unknown field is an error, not ignored."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object" and "properties" in component:
            component["additionalProperties"] = False
    return result


def empty_query_values(result, generator, request, public):
    """A query parameter sent empty (`?kind=`) counts as not sent, as in the web list's form: say so."""
    for item in result.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    parameter["allowEmptyValue"] = True
    return result


class SchemaView(SpectacularJSONAPIView):
    """The OpenAPI document, in JSON, for anyone: it describes the API and holds no data. It is in the
    language the request asks for, like every page."""

    authentication_classes: list = []
    throttle_classes: list = []
    schema = None  # not an operation of the API it describes

    def get(self, request, *args, **kwargs):
        return self._get_schema_response(request)

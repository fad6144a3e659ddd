"""Responses to a signed-in user hold personal data, or may: no cache keeps them."""

from django.utils.cache import add_never_cache_headers


class NoStoreWhenSignedInMiddleware:
    """Every response to a signed-in user says `Cache-Control: no-store` (and private, no-cache), so no
    browser or proxy keeps a customer's card, list or file after the user has gone. Static files never
    get here: WhiteNoise answers them before this middleware, with its own caching headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response

"""Kund's REST API (SPEC B-9): a thin door over the same rules, selectors and services as the web pages
and the command line. See views.py for the endpoints and README.md ("API") for how to use it."""

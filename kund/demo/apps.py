from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for trying Kund out and for tests at realistic volume (`kund seed_demo`, SPEC §8). It
    writes rows of every other Kund app, so it stands above them all: no app imports it outside tests,
    and it has no models of its own."""

    name = "kund.demo"
    label = "demo"

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    # The Russian tests need the .mo files, which are built at install and not committed;
    # build them here too so `pytest` alone works on a fresh clone.
    call_command("compiletranslations", verbosity=0)


@pytest.fixture(autouse=True)
def _english():
    # A request through LocaleMiddleware leaves its language active in the thread; tests
    # that call views directly must not inherit Russian from the test before.
    from django.utils import translation

    with translation.override("en"):
        yield

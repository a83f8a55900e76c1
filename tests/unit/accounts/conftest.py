import pytest
from django.core.management import call_command


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    # The Russian tests need the .mo files, which are built at install and not committed;
    # build them here too so `pytest` alone works on a fresh clone.
    call_command("compiletranslations", verbosity=0)

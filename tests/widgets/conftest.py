"""Every widget test starts and ends in English, whatever language a test switched to."""

import pytest

from bnbook.i18n import set_language


@pytest.fixture(autouse=True)
def english():
    set_language("en")
    yield
    set_language("en")

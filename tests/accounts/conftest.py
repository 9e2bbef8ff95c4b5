"""Public-side fixtures shared by the list, page and feed tests."""

import pytest

from accounts.models import AccountStatus, Platform
from tests.factories import make_account


@pytest.fixture
def closing_account(owner, other_department):
    return make_account(
        created_by=owner,
        department=other_department,
        status=AccountStatus.CLOSING,
        display_name="Bygglovsinfo",
        platform=Platform.X,
        url="https://x.com/bygglovhaparanda",
        handle="bygglovhaparanda",
    )


@pytest.fixture
def newcomer(db, department, other_manager):
    """An employee with no role yet, whose manager in the staff directory is ``other_manager``."""
    from tests.factories import make_user

    return make_user("nils.nyanstalld", department=department, manager=other_manager)

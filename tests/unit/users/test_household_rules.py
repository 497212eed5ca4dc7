"""The effective maturity limit of a profile and the account document's shape, in every state."""

from __future__ import annotations

import datetime as dt

import jsonschema
import pytest

from cinemesh.contracts.ratings import KIDS_DEFAULT_LIMIT, MaturityRating
from cinemesh.contracts.schemas import user_profile_schema
from cinemesh.users.account.document import account_document
from cinemesh.users.household.domain import (
    ContentType,
    Device,
    DeviceType,
    ListItem,
    ParentalControls,
    Profile,
    effective_limit,
    main_profile_name,
    pin_required,
    stricter,
)
from cinemesh.users.identity.domain import Account, AccountStatus

R = MaturityRating
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def _profile(*, kids: bool = False, own: MaturityRating | None = None) -> Profile:
    return Profile(profile_id="p1", name="P", is_kids=kids, is_main=False, max_maturity_rating=own)


@pytest.mark.parametrize(
    ("kids", "own", "restricted", "parental", "expected"),
    [
        (False, None, False, None, None),
        (False, R.R, False, R.PG, R.R),  # not restricted: parental limit does not apply
        (False, R.TV_14, True, R.PG_13, R.PG_13),
        (False, None, True, R.TV_MA, R.TV_MA),
        (True, None, False, None, KIDS_DEFAULT_LIMIT),
        (True, R.R, False, None, KIDS_DEFAULT_LIMIT),  # a kids profile never goes above the default
        (True, R.TV_Y, False, None, R.TV_Y),  # ... but may go lower
        (True, None, True, R.TV_Y7, R.TV_Y7),
        (True, None, True, R.NC_17, KIDS_DEFAULT_LIMIT),
    ],
)
def test_effective_limit(
    kids: bool,
    own: MaturityRating | None,
    restricted: bool,
    parental: MaturityRating | None,
    expected: object,
) -> None:
    controls = ParentalControls(
        enabled=True, max_maturity_rating=parental, restricted_profiles=["p1"] if restricted else []
    )
    assert effective_limit(_profile(kids=kids, own=own), controls) == expected


def test_disabled_controls_restrict_nothing_and_need_no_pin() -> None:
    controls = ParentalControls(
        enabled=False, max_maturity_rating=R.G, has_pin=True, restricted_profiles=["p1"]
    )
    assert effective_limit(_profile(), controls) is None and not pin_required(_profile(), controls)
    assert pin_required(_profile(), ParentalControls(enabled=True, has_pin=True, restricted_profiles=["p1"]))


def test_stricter_treats_none_as_no_limit() -> None:
    assert stricter(None, R.PG) == R.PG and stricter(R.PG, None) == R.PG and stricter(None, None) is None
    assert stricter(R.TV_14, R.PG_13) == R.PG_13 and stricter(R.G, R.TV_Y) in (R.G, R.TV_Y)


def test_main_profile_name_fits_the_schema() -> None:
    assert main_profile_name("a" * 30) == "a" * 15 and main_profile_name("bob") == "bob"


@pytest.mark.parametrize("status", list(AccountStatus))
def test_the_document_validates_in_every_account_status(status: AccountStatus) -> None:
    account = Account(
        user_id="01a20c43-d84e-739a-97e9-2f43997ac506",
        email="ada@example.com",
        username="ada",
        country="GB",
        roles=["viewer", "admin"],
        status=status,
        created_at=NOW,
        updated_at=NOW,
        email_verified=True,
        email_verified_at=NOW,
        last_login_at=NOW,
        last_password_change_at=NOW,
        first_name="Ada",
        last_name="Lovelace",
        date_of_birth=dt.date(1815, 12, 10),
    )
    profile = Profile(
        "p1", "Ada", False, True, R.R, {"language": "en"}, {"url": "https://i.example/a.png"}, NOW
    )
    device = Device("d1", DeviceType.SMART_TV, NOW, "TV", "Acme", "X1", "tvOS", "1.0", NOW, True, True, "p1")
    item = ListItem("t1", ContentType.DOCUMENTARY, "p1", NOW)
    controls = ParentalControls(
        enabled=True, max_maturity_rating=R.PG_13, has_pin=True, restricted_profiles=["p1"]
    )
    document = account_document(
        account, profiles=[profile], devices=[device], my_list=[item], controls=controls
    )
    jsonschema.validate(
        document, user_profile_schema(), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    assert document["account_metadata"]["account_status"] == status.value
    assert document["roles"] == ["admin", "viewer"]

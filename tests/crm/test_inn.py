from __future__ import annotations

import pytest

from letterpress.crm.inn import is_valid_inn, make_inn, normalise_inn, normalise_kpp
from letterpress.errors import ValidationError


@pytest.mark.parametrize("inn", ["7707083893", "7736207543", "500100732259", "7830002293"])
def test_real_inns_are_valid(inn: str) -> None:
    assert is_valid_inn(inn)


@pytest.mark.parametrize("inn", ["7707083894", "123", "77070838931", "500100732258", "77O7083893",
                                 "７７０７０８３８９３"])
def test_bad_inns_are_refused(inn: str) -> None:
    assert not is_valid_inn(inn)
    with pytest.raises(ValidationError, match="INN"):
        normalise_inn(inn)


def test_normalise() -> None:
    assert normalise_inn(" 7707 083893 ") == "7707083893"
    assert normalise_inn("") is None and normalise_inn(None) is None
    assert normalise_kpp("773601001") == "773601001"
    assert normalise_kpp("7736ab001") == "7736AB001"
    with pytest.raises(ValidationError, match="KPP"):
        normalise_kpp("77360100")
    assert is_valid_inn(make_inn("770708389"))

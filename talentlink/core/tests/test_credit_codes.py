from __future__ import annotations

import pytest

from talentlink.core import credit_codes

# Published codes of real companies: both GB 32100 and GB 11714 check characters hold.
REAL = ["9144030071526726XG", "91330100716105852F", "914403001922038216", "91110000802100433B"]


@pytest.mark.parametrize("code", REAL)
def test_real_credit_codes_are_valid(code):
    assert credit_codes.parse(code.lower()) == code


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("9144030071526726X", "length"),
        ("9144030071526726IG", "characters"),
        ("9144030071526726XA", "checksum"),
        ("91440300715267261G", "checksum"),
    ],
)
def test_invalid_credit_codes_are_refused_with_their_reason(raw, reason):
    with pytest.raises(credit_codes.CreditCodeError) as caught:
        credit_codes.parse(raw)
    assert caught.value.code == reason

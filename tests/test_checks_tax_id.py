"""Tax-ID validators: USCC check character, organisation-code check, legacy numbers, 身份证."""

from __future__ import annotations

import pytest

from docintel.checks.tax_id import (
    TaxIdKind,
    classify_tax_id,
    is_resident_id_number,
    org_code_check_char,
    uscc_check_char,
)


def test_worked_example_from_domain_notes() -> None:
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert classify_tax_id("91350100M000100Y43").kind is TaxIdKind.VALID_USCC


def test_documented_test_values() -> None:
    assert classify_tax_id("91350200776049653A").kind is TaxIdKind.VALID_USCC
    verdict = classify_tax_id("911301047981234567")
    assert verdict.kind is TaxIdKind.INVALID_USCC
    assert verdict.failed_check == "uscc"
    assert (verdict.expected_char, verdict.printed_char) == ("F", "7")


# Buyer and seller numbers of the real invoices under /work/shared/realdata/labels.
REAL_VALID_USCC = [
    "91440106068698695J",
    "91440101MA5AL52Y44",
    "91120118MA06APGQXE",
    "91320404MA22FHG7XX",
    "91310108342080987A",
    "91310110MA1G8YNR76",
    "91460300MAA92DJN95",
    "91110108690017781B",
    "91320115MA202UKD7X",
    "92330781MA2EDMFU50",
    "913202133140424571",
    "91330106MA7GAL1299",
    "91440300708436854B",
    "92440300L08175019R",
    "91120222079642398Y",
    "91510100MA61T6NU56",
]


@pytest.mark.parametrize("value", REAL_VALID_USCC)
def test_real_codes_pass(value: str) -> None:
    assert classify_tax_id(value).kind is TaxIdKind.VALID_USCC


@pytest.mark.parametrize(
    ("value", "expected", "printed"),
    [
        # Sellers on the ofdrw sample invoices (发票示例.ofd, 999.ofd): both fail the USCC check.
        ("91500106MA2CE71F65", "6", "5"),
        ("91500102563638729E", "5", "E"),
    ],
)
def test_sample_invoice_codes_fail_the_check(value: str, expected: str, printed: str) -> None:
    verdict = classify_tax_id(value)
    assert verdict.kind is TaxIdKind.INVALID_USCC
    assert (verdict.expected_char, verdict.printed_char) == (expected, printed)


def test_org_code_failure_is_reported_as_such() -> None:
    # Take a valid code, break the 17th character (org-code check) and re-derive the 18th so that
    # only the GB 11714 check fails.
    first16 = "91350200776049650"[:16]
    broken17 = first16 + "7"  # org-code check should be 3
    value = broken17 + uscc_check_char(broken17)
    verdict = classify_tax_id(value)
    assert verdict.kind is TaxIdKind.INVALID_USCC
    assert verdict.failed_check == "org_code"
    assert (verdict.expected_char, verdict.printed_char) == ("3", "7")


def test_org_code_check_char_letters_and_x() -> None:
    assert org_code_check_char("77604965") == "3"
    assert org_code_check_char("MA06APGQ") == "X"


@pytest.mark.parametrize(
    "value",
    [
        "410305123456789",  # 15-digit legacy number (2010 sample 专票)
        "51019800DK01187",  # 15 characters with letters: a 代开 tax office
        "32040419760706081301",  # 20: 身份证 number + 2 digits, an individual business
        "00000000000000000",  # 17
        "9111000007311XXXX",  # 17, masked on a preview
    ],
)
def test_legacy_numbers_are_accepted(value: str) -> None:
    assert classify_tax_id(value).kind is TaxIdKind.LEGACY


@pytest.mark.parametrize(
    "value",
    [
        "312705303",  # a QQ number printed as the seller's number
        "9150010807MGZHI002",  # 18 characters but I is not in the USCC charset
        "91350100M000100Y4X3",  # 19 characters
        "",
        "91-350100M000100Y43",
    ],
)
def test_malformed_numbers(value: str) -> None:
    assert classify_tax_id(value).kind is TaxIdKind.MALFORMED


def test_whitespace_and_case_are_ignored() -> None:
    assert classify_tax_id(" 91440101ma5al52y44 ").kind is TaxIdKind.VALID_USCC


def test_uscc_check_char_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        uscc_check_char("9135010OM000100Y4")  # letter O is not in the charset
    with pytest.raises(ValueError):
        uscc_check_char("9135")


def test_resident_id_numbers() -> None:
    assert is_resident_id_number("11010519491231002X")
    assert is_resident_id_number("11010519491231002x")
    assert is_resident_id_number("320404197607060813")
    assert not is_resident_id_number("110105194912310021")  # wrong check digit
    assert not is_resident_id_number("110105194902300027")  # 30 February
    assert not is_resident_id_number("91440106068698695J")
    assert not is_resident_id_number("410305123456789")


def test_person_id_as_taxpayer_number_is_legacy_not_an_error() -> None:
    verdict = classify_tax_id("320404197607060813")
    assert verdict.kind is TaxIdKind.LEGACY
    assert verdict.person_id

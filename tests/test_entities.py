"""Company-name normalisation, party matching (tax ID, name, guarded fuzzy) and organisation vs person."""

from __future__ import annotations

import pytest

from docintel.entities import (
    MatchMethod,
    NameMatchSettings,
    PartyRef,
    PartyType,
    account_digits,
    accounts_match,
    match_parties,
    normalise_company_name,
    party_kind,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("华钢（徐州）物资贸易有限公司", "华钢(徐州)物资贸易有限公司"),  # full- vs half-width brackets
        ("华钢【徐州】物资贸易有限公司", "华钢(徐州)物资贸易有限公司"),  # other bracket kinds
        ("江苏华钢物资 贸易有限公司", "江苏华钢物资贸易有限公司"),  # a space from OCR
        ("江苏华钢物资贸易有限责任公司", "江苏华钢物资贸易有限公司"),  # the full legal form
        ("ＡＢＣ钢铁股份公司", "abc钢铁股份有限公司"),  # full-width letters, case, 股份公司
    ],
)
def test_normalisation_removes_harmless_differences(a: str, b: str) -> None:
    assert normalise_company_name(a).full == normalise_company_name(b).full


def test_joint_stock_and_limited_company_stay_distinct() -> None:
    # XX股份有限公司 and XX有限公司 can be a listed parent and its subsidiary.
    assert normalise_company_name("甲乙钢铁股份有限公司").full != normalise_company_name("甲乙钢铁有限公司").full


@pytest.mark.parametrize(
    ("name", "head", "branch"),
    [
        ("江苏华钢物资贸易有限公司徐州分公司", "江苏华钢物资贸易有限公司", "徐州分公司"),
        ("江苏华钢物资贸易有限公司（徐州分公司）", "江苏华钢物资贸易有限公司", "徐州分公司"),
        ("中国工商银行股份有限公司北京朝阳支行", "中国工商银行股份有限公司", "北京朝阳支行"),
        ("中国银行股份有限公司北京分行", "中国银行股份有限公司", "北京分行"),
        ("平安银行深圳新沙支行", "平安银行", "深圳新沙支行"),
        ("招商银行股份有限公司上海分行营业部", "招商银行股份有限公司", "上海分行营业部"),
        ("江苏华钢物资贸易有限公司", "江苏华钢物资贸易有限公司", None),
        ("徐州市鼓楼区张三建材经营部", "徐州市鼓楼区张三建材经营部", None),  # 经营部 is a business, not a branch
    ],
)
def test_branch_is_split_off(name: str, head: str, branch: str | None) -> None:
    normalised = normalise_company_name(name)
    assert (normalised.head, normalised.branch) == (head, branch)


SELLER = "江苏华钢物资贸易有限公司"
SELLER_ID = "91320300MA1XXXXX0A"


def test_equal_tax_ids_decide_whatever_the_names() -> None:
    match = match_parties(PartyRef(SELLER, SELLER_ID), PartyRef("华钢物资", SELLER_ID.lower()))
    assert (match.same, match.method) == (True, MatchMethod.TAX_ID)


def test_different_tax_ids_decide_whatever_the_names() -> None:
    match = match_parties(PartyRef(SELLER, SELLER_ID), PartyRef(SELLER, "91320300MA1YYYYY0B"))
    assert (match.same, match.method) == (False, MatchMethod.DIFFERENT_TAX_ID)


def test_normalised_name_when_a_tax_id_is_missing() -> None:
    match = match_parties(PartyRef("江苏华钢物资贸易有限责任公司", SELLER_ID), PartyRef("江苏华钢物资贸易有限公司"))
    assert (match.same, match.method) == (True, MatchMethod.NORMALISED_NAME)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("徐州己达钢铁贸易有限公司", "徐州已达钢铁贸易有限公司"),  # 己/已, 12 characters: ratio 91.7
        ("甲乙钢铁有限公司", "甲己钢铁有限公司"),  # 8 characters: ratio 87.5
        ("徐州10号钢材有限公司", "徐州1O号钢材有限公司"),  # 0/O
        ("江苏华钢物资贸易有限公司", "江苏华钢物贸易有限公司"),  # one character dropped
    ],
)
def test_one_ocr_confusion_matches_fuzzily(a: str, b: str) -> None:
    match = match_parties(PartyRef(a), PartyRef(b))
    assert (match.same, match.method) == (True, MatchMethod.FUZZY)
    assert match.score >= NameMatchSettings().fuzzy_min_ratio


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("上海宝钢钢材贸易有限公司", "上海宝钢钢材加工有限公司"),  # ratio 83.3
        ("江苏沙钢集团有限公司", "江苏沙钢集团淮钢特钢有限公司"),  # ratio 83.3
        # Ratio 87.5 (long common part) but two characters differ: the edit limit keeps them apart.
        ("江苏省徐州市甲乙钢材贸易有限公司", "江苏省徐州市甲乙钢材加工有限公司"),
        ("甲乙有限公司", "甲丙有限公司"),  # too short for a fuzzy match: 83.3
        ("甲乙钢铁股份有限公司", "甲乙钢铁有限公司"),
    ],
)
def test_different_companies_sharing_a_long_common_part_do_not_match(a: str, b: str) -> None:
    match = match_parties(PartyRef(a), PartyRef(b))
    assert (match.same, match.method) == (False, MatchMethod.DIFFERENT_NAME)


def test_a_branch_matches_its_head_office_even_with_its_own_tax_id() -> None:
    match = match_parties(PartyRef(SELLER, SELLER_ID), PartyRef(f"{SELLER}徐州分公司", "91320300MA1BRANCH1"))
    assert (match.same, match.method) == (True, MatchMethod.BRANCH)
    assert "徐州分公司" in match.detail


def test_missing_name_is_not_comparable() -> None:
    match = match_parties(PartyRef(None), PartyRef(SELLER))
    assert not match.comparable and not match.same


def test_fuzzy_threshold_comes_from_settings() -> None:
    strict = NameMatchSettings(fuzzy_min_ratio=95, fuzzy_max_edits=1)
    assert not match_parties(PartyRef("甲乙钢铁有限公司"), PartyRef("甲己钢铁有限公司"), strict).same


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("王府井百货有限公司", PartyType.ORGANISATION),  # starts with the surname 王
        ("张伟", PartyType.NATURAL_PERSON),
        ("李秀英", PartyType.NATURAL_PERSON),
        ("欧阳娜娜", PartyType.NATURAL_PERSON),  # compound surname
        ("买买提·艾力", PartyType.NATURAL_PERSON),
        ("金属材料", PartyType.UNKNOWN),  # 金 is a surname, but 材料 is a business word
        ("张三（个体工商户）", PartyType.NATURAL_PERSON),  # registered under the owner's own name
        ("徐州市鼓楼区张三建材经营部", PartyType.ORGANISATION),  # a 个体工商户 trading name
        ("鼓楼区张三五金店（个体工商户）", PartyType.ORGANISATION),
        ("中国工商银行股份有限公司徐州分行", PartyType.ORGANISATION),
        ("徐州市农机专业合作社", PartyType.ORGANISATION),
        ("江苏华钢物资贸易有限公司（徐州分公司）", PartyType.ORGANISATION),
        ("恒通", PartyType.UNKNOWN),
    ],
)
def test_party_kind_by_name(name: str, kind: PartyType) -> None:
    result = party_kind(name)
    assert result.kind is kind, result.reason
    assert result.reason


def test_party_kind_by_resident_id_number() -> None:
    result = party_kind(None, id_number="11010519491231002X")
    assert result.kind is PartyType.NATURAL_PERSON and "居民身份证" in result.reason


def test_personal_card_account() -> None:
    unnamed = party_kind(None, account="6222 0212 3456 7890 123")
    assert unnamed.kind is PartyType.NATURAL_PERSON and unnamed.personal_card
    named = party_kind("徐州鑫源商贸有限公司", account="6228480123456789012")
    assert named.kind is PartyType.ORGANISATION and named.personal_card and "个人借记卡" in named.reason
    corporate = party_kind("徐州鑫源商贸有限公司", account="1106020109000123456")
    assert not corporate.personal_card


def test_account_digits_from_bank_and_account_text() -> None:
    assert account_digits("中国工商银行徐州分行 1106 0201 0900 0123 456") == "1106020109000123456"
    assert account_digits("中国工商银行徐州分行") is None


def test_accounts_match_digits_only_and_masked() -> None:
    assert accounts_match("1106-0201-0900-0123-456", "中国工商银行 1106020109000123456")
    assert accounts_match("1106****0123456", "1106020109000123456")
    assert not accounts_match("1106****0123457", "1106020109000123456")
    assert not accounts_match("1106020109000123450", "1106020109000123456")

"""Entity resolution for the parties of a dossier: is this the same company, and is it a company at all?

Names of the same company differ between documents in harmless ways: full- and half-width characters
（） vs (), spaces, 有限责任公司 written as 有限公司, a branch (分公司, 支行) named after the head office,
and one character misread by OCR (己/已, 0/O). `normalise_company_name` removes the harmless
differences; `match_parties` decides, tax ID first, then the normalised name, then a guarded fuzzy
comparison. `party_kind` says whether a payee is an organisation or a natural person, because money
for a company's goods paid to a person is the strongest fraud signal of post-loan practice.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from docintel.checks.tax_id import is_resident_id_number

# --------------------------------------------------------------------------- normalisation

_OPENING_BRACKETS = "([{【〔〖〈《「『﹙﹛"
_CLOSING_BRACKETS = ")]}】〕〗〉》」』﹚﹜"
_BRACKETS = str.maketrans({**dict.fromkeys(_OPENING_BRACKETS, "("), **dict.fromkeys(_CLOSING_BRACKETS, ")")})
_WHITESPACE = re.compile(r"\s+")
# Legal forms that are written interchangeably for the same registration: 有限责任公司 is the full
# form of 有限公司 (Company Law art. 2 names both), and 股份公司 abbreviates 股份有限公司. The two
# families stay distinct: XX股份有限公司 and XX有限公司 can be a listed parent and its subsidiary.
_LEGAL_FORMS = ((re.compile(r"有限责任公司"), "有限公司"), (re.compile(r"股份公司"), "股份有限公司"))
# A branch is named "<head organisation><place>分公司/支行/…"; it is the same legal person as its
# head office (a 分公司 has no legal personality of its own) but has its own tax ID and accounts.
_BRANCH_SUFFIXES = "分公司|支行|分行|营业部|分理处|办事处|分店|分厂"
_HEAD_THEN_BRANCH = (
    re.compile(rf"^(?P<head>.+公司)\(?(?P<branch>[^()]+?(?:{_BRANCH_SUFFIXES}))\)?$"),
    re.compile(rf"^(?P<head>.+?(?:银行|集团))\(?(?P<branch>[^()]+?(?:{_BRANCH_SUFFIXES}))\)?$"),
)


@dataclass(frozen=True)
class NormalisedName:
    """A company name with harmless differences removed; `branch` is the split-off branch part."""

    original: str
    head: str  # the head organisation, e.g. 中国工商银行股份有限公司
    branch: str | None  # e.g. 北京朝阳支行; None for the head office itself

    @property
    def full(self) -> str:
        return self.head + (self.branch or "")


def _canonical_text(name: str) -> str:
    text = unicodedata.normalize("NFKC", name)  # full-width letters, digits and brackets → half-width
    text = text.translate(_BRACKETS)
    text = _WHITESPACE.sub("", text).upper()
    for pattern, replacement in _LEGAL_FORMS:
        text = pattern.sub(replacement, text)
    return text


def normalise_company_name(name: str) -> NormalisedName:
    """Normalise width, brackets, whitespace and legal form; split a branch suffix off the head office."""
    text = _canonical_text(name)
    for pattern in _HEAD_THEN_BRANCH:
        match = pattern.match(text)
        if match and not match.group("head").endswith("分公司"):
            return NormalisedName(original=name, head=match.group("head"), branch=match.group("branch"))
    return NormalisedName(original=name, head=text, branch=None)


def normalise_tax_id(tax_id: str | None) -> str | None:
    if tax_id is None:
        return None
    text = _WHITESPACE.sub("", unicodedata.normalize("NFKC", tax_id)).upper()
    return text or None


def account_digits(text: str | None) -> str | None:
    """The account number in a text such as "中国工商银行徐州分行 1106 0201 0900 0123 456".

    Digit groups separated by spaces or hyphens are joined; the longest run of at least 8 digits
    wins (a bank name holds no digits; a branch number or phone would be shorter than the account).
    A masked account ("6222****1234") keeps its `*` so `accounts_match` can compare the visible parts.
    """
    if not text:
        return None
    joined = re.sub(r"(?<=[\d*])[\s-]+(?=[\d*])", "", unicodedata.normalize("NFKC", text))
    runs = [run for run in re.findall(r"[\d*]+", joined) if sum(ch.isdigit() for ch in run) >= 8]
    return max(runs, key=len) if runs else None


def accounts_match(a: str | None, b: str | None) -> bool:
    """Account numbers compared digits-only; a masked one matches on its visible head and tail."""
    left, right = account_digits(a), account_digits(b)
    if left is None or right is None:
        return False
    if "*" not in left and "*" not in right:
        return left == right
    masked, plain = (left, right) if "*" in left else (right, left)
    head, _, tail = masked.partition("*")
    tail = tail.lstrip("*")
    if "*" in tail:  # several masked stretches: compare only what is certain
        tail = tail.rsplit("*", 1)[-1]
    return plain.startswith(head) and plain.endswith(tail) and len(head) + len(tail) >= 8


# --------------------------------------------------------------------------- matching


class MatchMethod(StrEnum):
    TAX_ID = "tax_id"  # same tax ID: same party whatever the names say
    DIFFERENT_TAX_ID = "different_tax_id"  # both tax IDs printed and different: different parties
    BRANCH = "branch"  # one is a branch of the other (same head office name)
    NORMALISED_NAME = "normalised_name"
    FUZZY = "fuzzy"  # names differ by what one OCR error makes
    DIFFERENT_NAME = "different_name"
    NOT_COMPARABLE = "not_comparable"  # a name is missing on one side


@dataclass(frozen=True)
class PartyRef:
    """A party as one document names it, and where it was read (for the officer, not for matching)."""

    name: str | None
    tax_id: str | None = None
    source: str | None = None  # e.g. "contract.pdf: seller_name"


@dataclass(frozen=True)
class PartyMatch:
    same: bool
    method: MatchMethod
    score: float  # 100 for exact agreement, the fuzzy ratio otherwise, 0 when different or not comparable
    detail: str

    @property
    def comparable(self) -> bool:
        return self.method is not MatchMethod.NOT_COMPARABLE


@dataclass(frozen=True)
class NameMatchSettings:
    """How close two normalised names must be to count as the same company (see default_settings.toml)."""

    fuzzy_min_ratio: float = 85.0
    fuzzy_max_edits: int = 1


def match_parties(a: PartyRef, b: PartyRef, settings: NameMatchSettings | None = None) -> PartyMatch:
    """Decide whether two references name the same party.

    Order: equal tax IDs → same; different tax IDs → different, unless the names say one is a branch
    of the other (a branch has its own tax ID); then equal normalised names; then a fuzzy match that
    must pass both `fuzzy_min_ratio` (rapidfuzz `fuzz.ratio`) and at most `fuzzy_max_edits` character
    edits, so one misread character matches while two companies sharing a long common part do not.
    """
    settings = settings or NameMatchSettings()
    tax_a, tax_b = normalise_tax_id(a.tax_id), normalise_tax_id(b.tax_id)
    if tax_a and tax_b and tax_a == tax_b:
        return PartyMatch(True, MatchMethod.TAX_ID, 100.0, f"纳税人识别号相同（{tax_a}）")
    if not a.name or not b.name:
        if tax_a and tax_b:
            return PartyMatch(False, MatchMethod.DIFFERENT_TAX_ID, 0.0, f"纳税人识别号不同（{tax_a} / {tax_b}）")
        return PartyMatch(False, MatchMethod.NOT_COMPARABLE, 0.0, "一方名称缺失，无法比对")
    name_a, name_b = normalise_company_name(a.name), normalise_company_name(b.name)
    if name_a.head == name_b.head and name_a.branch != name_b.branch:
        branch = name_a.branch or name_b.branch
        return PartyMatch(True, MatchMethod.BRANCH, 100.0, f"同一总公司（{name_a.head}）的分支机构：{branch}")
    if tax_a and tax_b:
        return PartyMatch(False, MatchMethod.DIFFERENT_TAX_ID, 0.0, f"纳税人识别号不同（{tax_a} / {tax_b}）")
    if name_a.full == name_b.full:
        return PartyMatch(True, MatchMethod.NORMALISED_NAME, 100.0, f"规范化后名称相同（{name_a.full}）")
    score = fuzz.ratio(name_a.full, name_b.full)
    edits = Levenshtein.distance(name_a.full, name_b.full)
    if score >= settings.fuzzy_min_ratio and edits <= settings.fuzzy_max_edits:
        return PartyMatch(
            True, MatchMethod.FUZZY, score, f"名称仅差{edits}个字符（相似度 {score:.1f}），可能为识别误差"
        )
    return PartyMatch(False, MatchMethod.DIFFERENT_NAME, score, f"名称不同（相似度 {score:.1f}，相差{edits}个字符）")


# --------------------------------------------------------------------------- organisation or person


class PartyType(StrEnum):
    ORGANISATION = "organisation"
    NATURAL_PERSON = "natural_person"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PartyKind:
    kind: PartyType
    reason: str
    personal_card: bool = False  # the account has the shape of a personal debit card


# Endings of registered organisation names, longest first so 有限公司 wins over 公司.
ORGANISATION_SUFFIXES = (
    "股份有限公司", "有限责任公司", "有限公司", "分公司", "公司", "集团", "合作社", "信用社", "事务所",
    "研究院", "研究所", "经营部", "营业部", "门市部", "服务部", "工作室", "中心", "商行", "银行", "支行",
    "分行", "分理处", "学校", "医院", "协会", "委员会", "厂", "店", "场", "社", "局", "院", "馆",
)  # fmt: skip
# Words that make a short name a business name even without a legal-form ending (金属材料 is not
# a person surnamed 金).
_BUSINESS_WORDS = re.compile(
    r"贸易|商贸|工贸|科技|实业|物资|建材|钢铁|钢材|材料|机械|化工|电子|工程|建设|投资|置业|发展|能源|控股|物流|百货"
    r"|超市|药房|酒店|餐饮|汽修|五金|电器|设备|服装|食品|农业|矿业|金属|有限"
)
# Common Chinese surnames (the most frequent single-character surnames of the national household
# register, plus the compound surnames still in use). Enough to recognise a personal name printed
# as a payee; a surname missing here leaves the party `unknown`, not wrongly `organisation`.
COMMON_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕"
    "单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚"
    "娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池"
    "查麻苑迟邝洪"
)
COMPOUND_SURNAMES = frozenset(
    {"欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文", "司徒", "夏侯",
     "端木", "独孤", "南宫", "西门", "澹台", "轩辕"}
)  # fmt: skip
# UnionPay debit cards issued to individuals start with 62 (6222 ICBC, 6217 CCB/BOC, 6228 ABC, …) and
# have 16–19 digits; corporate settlement accounts follow each bank's own, mostly longer or
# differently prefixed, scheme. The shape is a hint ("likely personal card"), never proof.
PERSONAL_CARD_PREFIXES = ("621", "622", "623", "625", "627", "628")
PERSONAL_CARD_LENGTHS = range(16, 20)
_INDIVIDUAL_BUSINESS = re.compile(r"\(?个体(?:工商)?户\)?")
_CJK_ONLY = re.compile(r"[\u4e00-\u9fff]+")
_MINORITY_NAME = re.compile(r"[\u4e00-\u9fff]{1,8}[·•・][\u4e00-\u9fff]{1,10}")  # 买买提·艾力


def is_personal_card(account: str | None) -> bool:
    digits = account_digits(account)
    if digits is None or "*" in digits:
        return False
    return len(digits) in PERSONAL_CARD_LENGTHS and digits.startswith(PERSONAL_CARD_PREFIXES)


def looks_like_person_name(name: str) -> bool:
    """2–4 CJK characters made of a common surname and a given name, and no business word."""
    text = _canonical_text(name)
    if _MINORITY_NAME.fullmatch(text):
        return True
    if not _CJK_ONLY.fullmatch(text) or not 2 <= len(text) <= 4 or _BUSINESS_WORDS.search(text):
        return False
    if text[:2] in COMPOUND_SURNAMES:
        return len(text) >= 3
    return text[0] in COMMON_SURNAMES


def _organisation_suffix(text: str) -> str | None:
    stripped = re.sub(r"\([^()]*\)$", "", text)  # 甲乙钢铁有限公司(徐州分公司) ends in the bracket
    return next((s for s in ORGANISATION_SUFFIXES if stripped.endswith(s) and len(stripped) > len(s)), None)


def party_kind(name: str | None, account: str | None = None, id_number: str | None = None) -> PartyKind:
    """Organisation, natural person or unknown, with the reason an officer can check.

    A registered legal-form ending decides before the surname test, so 王府井百货有限公司 is an
    organisation. A 个体工商户 registered under the owner's own name is a natural person (the money
    reaches the person); one with a trading name (…经营部, …店) is an organisation.
    """
    card = is_personal_card(account)
    card_note = "；收款账号为62开头的16–19位卡号，形似个人借记卡" if card else ""
    if id_number and is_resident_id_number(id_number):
        return PartyKind(PartyType.NATURAL_PERSON, f"以居民身份证号码 {id_number} 标识{card_note}", card)
    if name and name.strip():
        text = _canonical_text(name)
        individual = _INDIVIDUAL_BUSINESS.search(text)
        if individual:
            text = (text[: individual.start()] + text[individual.end() :]) or text
            if looks_like_person_name(text):
                return PartyKind(PartyType.NATURAL_PERSON, f"个体工商户以经营者个人姓名“{text}”登记{card_note}", card)
        suffix = _organisation_suffix(text)
        if suffix:
            kind_note = "（个体工商户字号）" if individual else ""
            return PartyKind(PartyType.ORGANISATION, f"名称以“{suffix}”结尾{kind_note}{card_note}", card)
        if is_resident_id_number(text):
            return PartyKind(PartyType.NATURAL_PERSON, "名称处为居民身份证号码", card)
        if looks_like_person_name(text):
            return PartyKind(PartyType.NATURAL_PERSON, f"“{text}”为常见姓氏加名字的2–4字人名{card_note}", card)
    if card:
        return PartyKind(PartyType.NATURAL_PERSON, "收款账号为62开头的16–19位卡号，很可能是个人借记卡", card)
    return PartyKind(PartyType.UNKNOWN, "名称无机构后缀，也不像人名", card)

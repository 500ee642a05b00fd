"""`goods_mismatch`: the goods on the invoices must be the goods of the contract.

An invoice line names its goods as "*税收分类简称*品名" (e.g. *黑色金属冶炼压延品*热轧钢板). The
品名 is compared with the contract's goods names, and so is the category, since a contract may name
goods by their tax category. Similarity is the best of rapidfuzz `ratio` and `partial_ratio` on
normalised names: `partial_ratio` lets 热轧钢板 match 热轧钢板Q235B (a grade appended to the name).
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

from docintel.case import Case
from docintel.checks.common import text_field
from docintel.model import Severity
from docintel.verify.base import RuleResult, item_evidence, make_finding, not_run
from docintel.verify.settings import Settings

_CATEGORY = re.compile(r"^\*([^*]+)\*(.*)$")
_NOISE = re.compile(r"[\s()（）\[\]【】\-_/,，、.。:：]+")
_MIN_PARTIAL_LENGTH = 2  # partial_ratio of a single character against any name containing it is 100


def split_goods_name(name: str) -> tuple[str | None, str]:
    """("黑色金属冶炼压延品", "热轧钢板") from "*黑色金属冶炼压延品*热轧钢板"; (None, name) without a category."""
    text = unicodedata.normalize("NFKC", name).strip()
    match = _CATEGORY.match(text)
    if match:
        return match.group(1).strip(), match.group(2).strip()
    return None, text


def normalise_goods(name: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", name)).upper()


def goods_similarity(a: str, b: str) -> float:
    left, right = normalise_goods(a), normalise_goods(b)
    if not left or not right:
        return 0.0
    score = fuzz.ratio(left, right)
    if min(len(left), len(right)) >= _MIN_PARTIAL_LENGTH:
        score = max(score, fuzz.partial_ratio(left, right))
    return float(score)


def check_invoice_goods(case: Case, settings: Settings) -> RuleResult:
    rule = "case.goods.invoice_vs_contract"
    contracts = case.documents_of("purchase_contract")
    contract_names = [
        (doc, index, name)
        for doc in contracts
        for index, item in enumerate(doc.items)
        if (name := text_field(item.get("name"))) is not None
    ]
    if not contract_names:
        return not_run(rule, "无合同或合同未读出货物名称，发票货物未比对")
    invoices = case.documents_of("vat_invoice")
    if not invoices:
        return not_run(rule, "无发票，货物未比对")
    threshold = settings.goods.min_similarity
    result = RuleResult()
    for invoice in invoices:
        for index, line in enumerate(invoice.items):
            name = text_field(line.get("name"))
            if name is None:
                continue
            category, goods = split_goods_name(name)
            scored = []
            for doc, contract_index, contract_name in contract_names:
                contract_category, contract_goods = split_goods_name(contract_name)
                candidates = [goods_similarity(goods, contract_goods)]
                if category:
                    candidates.append(goods_similarity(category, contract_goods))
                    if contract_category:
                        candidates.append(goods_similarity(category, contract_category))
                scored.append((max(candidates), doc, contract_index, contract_name))
            score, doc, contract_index, contract_name = max(scored, key=lambda entry: entry[0])
            if score >= threshold:
                continue
            listed = "、".join(dict.fromkeys(n for _, _, n in contract_names))
            result.findings.append(
                make_finding(
                    "goods_mismatch",
                    Severity.MEDIUM,
                    f"发票第{index + 1}行货物“{name}”与合同货物“{listed}”不对应（最高相似度 {score:.0f}），"
                    "发票应反映合同约定的货物，请核实交易实质。",
                    rule,
                    {
                        "invoice_goods": goods,
                        "invoice_category": category,
                        "closest_contract_goods": contract_name,
                        "score": f"{score:.1f}",
                    },
                    [item_evidence(invoice, index, "name"), item_evidence(doc, contract_index, "name")],
                    f"相似度 ≥ {threshold}",
                )
            )
    return result

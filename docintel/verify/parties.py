"""`payee_mismatch` and `counterparty_mismatch`: who is paid, who sells and who buys.

Post-loan practice: a contract whose counterparty is a company while the loan money is paid to a
person is "十有八九是假合同"; invoices must name the contract's seller and the borrower as buyer.
Names are compared with `match_parties` (tax ID first), accounts digits-only.
"""

from __future__ import annotations

from dataclasses import dataclass

from docintel.case import Case
from docintel.entities import (
    MatchMethod,
    PartyRef,
    PartyType,
    account_digits,
    accounts_match,
    match_parties,
    party_kind,
)
from docintel.model import Document, EvidenceItem, Finding, Severity
from docintel.verify.base import NotRun, RuleResult, field_evidence, make_finding, not_run, party, text
from docintel.verify.settings import Settings


@dataclass(frozen=True)
class Destination:
    """A place money goes to: a receipt's payee, a contract's receiving account, the entrusted payee."""

    label: str  # how the officer knows it, e.g. "银行回单收款方"
    name: str | None
    account: str | None
    evidence: list[EvidenceItem]
    document: str | None  # the path it was read from; None for the manifest


@dataclass(frozen=True)
class KnownParty:
    ref: PartyRef
    label: str
    evidence: list[EvidenceItem]


@dataclass(frozen=True)
class KnownAccount:
    account: str
    label: str
    evidence: EvidenceItem
    document: str | None


def _evidence(doc: Document, *names: str) -> list[EvidenceItem]:
    return [field_evidence(doc, n) for n in names if text(doc, n) is not None]


def destinations(case: Case) -> list[Destination]:
    found: list[Destination] = []
    for doc in case.documents_of("bank_receipt"):
        name, account = text(doc, "payee_name"), text(doc, "payee_account")
        if name or account:
            evidence = _evidence(doc, "payee_name", "payee_account")
            found.append(Destination("银行回单收款方", name, account, evidence, doc.source.path))
    for doc in case.documents_of("purchase_contract"):
        name, account = text(doc, "payee_account_name"), text(doc, "payee_account_number")
        if name or account:
            evidence = _evidence(doc, "payee_account_name", "payee_account_number")
            found.append(Destination("合同约定收款账户", name, account, evidence, doc.source.path))
    payee = case.manifest.entrusted_payee if case.manifest else None
    if payee is not None:
        evidence = [case.manifest_evidence("entrusted_payee.name", payee.name)]
        if payee.account:
            evidence.append(case.manifest_evidence("entrusted_payee.account", payee.account))
        found.append(Destination("受托支付对象", payee.name, payee.account, evidence, None))
    return found


def sellers(case: Case) -> list[KnownParty]:
    """The sellers money should reach: the contracts' sellers, or the invoices' when there is no contract."""
    contracts = [
        KnownParty(party(d, "seller_name", "seller_tax_id"), "合同卖方", _evidence(d, "seller_name", "seller_tax_id"))
        for d in case.documents_of("purchase_contract")
        if text(d, "seller_name") or text(d, "seller_tax_id")
    ]
    if contracts:
        return contracts
    return [
        KnownParty(party(d, "seller_name", "seller_tax_id"), "发票销售方", _evidence(d, "seller_name", "seller_tax_id"))
        for d in case.documents_of("vat_invoice")
        if text(d, "seller_name") or text(d, "seller_tax_id")
    ]


def seller_accounts(case: Case) -> list[KnownAccount]:
    """Accounts known to be the seller's: 开户行及账号 on invoices, and the contracts' receiving accounts."""
    known: list[KnownAccount] = []
    for doc in case.documents_of("vat_invoice"):
        digits = account_digits(text(doc, "seller_bank_account"))
        if digits:
            evidence = field_evidence(doc, "seller_bank_account")
            known.append(KnownAccount(digits, "发票所载销售方账号", evidence, doc.source.path))
    for doc in case.documents_of("purchase_contract"):
        digits = account_digits(text(doc, "payee_account_number"))
        if digits:
            evidence = field_evidence(doc, "payee_account_number")
            known.append(KnownAccount(digits, "合同约定收款账号", evidence, doc.source.path))
    return known


def _names(parties: list[KnownParty]) -> str:
    return "、".join(dict.fromkeys(p.ref.name or p.ref.tax_id or "" for p in parties))


def check_payee_natural_person(case: Case, settings: Settings) -> RuleResult:
    """High when money goes to a natural person; medium when a company name comes with a personal card."""
    rule = "case.payee.natural_person"
    found = destinations(case)
    if not found:
        return not_run(rule, "无银行回单、合同收款账户或受托支付对象，无法判断收款方")
    result = RuleResult()
    counterparties = sellers(case)
    seller_text = _names(counterparties) or "（未读出）"
    seller_evidence = [e for p in counterparties for e in p.evidence]
    for dest in found:
        kind = party_kind(dest.name, dest.account)
        inputs = {"payee": dest.name, "account": dest.account, "kind": kind.kind.value, "sellers": seller_text}
        if kind.kind is PartyType.NATURAL_PERSON:
            message = (
                f"{dest.label}“{dest.name or dest.account}”为自然人（{kind.reason}），而交易对手为“{seller_text}”。"
                "对公采购款付给个人是假合同的典型特征，请核实资金真实去向。"
            )
            severity = Severity.HIGH
        elif kind.kind is PartyType.ORGANISATION and kind.personal_card:
            message = (
                f"{dest.label}“{dest.name}”为机构名称，但账号 {dest.account} 形似个人借记卡"
                f"（62开头、16–19位），请核实该账户的开户人。交易对手为“{seller_text}”。"
            )
            severity = Severity.MEDIUM
        else:
            continue
        result.findings.append(
            make_finding(
                "payee_mismatch", severity, message, rule, inputs, dest.evidence + seller_evidence, "收款方应为机构"
            )
        )
    return result


def check_payee_is_seller(case: Case, settings: Settings) -> RuleResult:
    """Medium when an organisation paid is not the contract's seller (nor the invoices' when no contract)."""
    rule = "case.payee.not_seller"
    found = destinations(case)
    known = sellers(case)
    if not found:
        return not_run(rule, "无银行回单、合同收款账户或受托支付对象，无法判断收款方")
    if not known:
        return not_run(rule, "合同与发票均未读出卖方，无法比对收款方")
    result = RuleResult()
    match_settings = settings.names.as_match_settings()
    for dest in found:
        if not dest.name or party_kind(dest.name, dest.account).kind is PartyType.NATURAL_PERSON:
            continue  # a person paid is the natural_person rule's (higher) finding
        target = PartyRef(dest.name, source=dest.label)
        matches = [match_parties(target, seller.ref, match_settings) for seller in known]
        if any(m.same for m in matches) or not any(m.comparable for m in matches):
            continue
        seller_text = _names(known)
        best = max(matches, key=lambda m: m.score)
        result.findings.append(
            make_finding(
                "payee_mismatch",
                Severity.MEDIUM,
                f"{dest.label}为“{dest.name}”，与{known[0].label}“{seller_text}”不是同一单位（{best.detail}），"
                "请核实款项为何付给第三方。",
                rule,
                {"payee": dest.name, "sellers": seller_text, "method": best.method.value, "score": f"{best.score:.1f}"},
                dest.evidence + [e for p in known for e in p.evidence],
                f"名称相似度 ≥ {settings.names.fuzzy_min_ratio} 且相差不超过 {settings.names.fuzzy_max_edits} 个字符",
            )
        )
    return result


def check_payee_account(case: Case, settings: Settings) -> RuleResult:
    """Medium when an account paid is none of the seller's known accounts (invoice 开户行及账号, contract)."""
    rule = "case.payee.account"
    found = [d for d in destinations(case) if d.account]
    known = seller_accounts(case)
    if not found:
        return not_run(rule, "未读出收款账号")
    result = RuleResult()
    for dest in found:
        if party_kind(dest.name, dest.account).kind is PartyType.NATURAL_PERSON:
            continue  # already a high finding; a second one about the account adds nothing to act on
        others = [k for k in known if k.document != dest.document]
        if not others:
            reason = f"{dest.label}账号 {dest.account} 无可比对的卖方账号（发票开户行及账号、合同收款账号）"
            result.not_run.append(NotRun(rule, reason))
            continue
        if any(accounts_match(dest.account, k.account) for k in others):
            continue
        listed = "；".join(f"{k.label} {k.account}" for k in others)
        result.findings.append(
            make_finding(
                "payee_mismatch",
                Severity.MEDIUM,
                f"{dest.label}账号 {dest.account} 与{listed}均不一致，请核实该账户是否属于卖方。",
                rule,
                {"account": dest.account, "known_accounts": ", ".join(k.account for k in others)},
                dest.evidence + [k.evidence for k in others],
                "账号数字一致（掩码账号比对可见部分）",
            )
        )
    return result


def _counterparty_finding(
    rule: str, message: str, method: MatchMethod, inputs: dict[str, str | None], evidence: list[EvidenceItem]
) -> Finding:
    # Two printed, different tax IDs are certain; a name difference may still be a misreading.
    severity = Severity.HIGH if method is MatchMethod.DIFFERENT_TAX_ID else Severity.MEDIUM
    return make_finding(
        "counterparty_mismatch", severity, message, rule, inputs, evidence, "同一纳税人识别号或同一名称"
    )


def _label(ref: PartyRef) -> str:
    if ref.name and ref.tax_id:
        return f"{ref.name}（{ref.tax_id}）"
    return ref.name or ref.tax_id or "（未读出）"


def check_invoice_seller(case: Case, settings: Settings) -> RuleResult:
    """Each invoice's seller must be a contract's seller (or its branch)."""
    rule = "case.counterparty.invoice_seller"
    contracts = [k for k in sellers(case) if k.label == "合同卖方"]
    invoices = case.documents_of("vat_invoice")
    if not contracts or not invoices:
        return not_run(rule, "缺少合同卖方或发票，无法比对发票销售方与合同卖方")
    result = RuleResult()
    match_settings = settings.names.as_match_settings()
    for doc in invoices:
        seller = party(doc, "seller_name", "seller_tax_id")
        matches = [match_parties(seller, c.ref, match_settings) for c in contracts]
        if any(m.same for m in matches) or not any(m.comparable for m in matches):
            continue
        best = next(
            (m for m in matches if m.method is MatchMethod.DIFFERENT_TAX_ID), max(matches, key=lambda m: m.score)
        )
        contract_text = "、".join(dict.fromkeys(_label(c.ref) for c in contracts))
        result.findings.append(
            _counterparty_finding(
                rule,
                f"发票销售方“{_label(seller)}”与合同卖方“{contract_text}”不一致（{best.detail}），"
                "发票应由合同卖方开具，请核实交易的真实对手方。",
                best.method,
                {"invoice_seller": _label(seller), "contract_sellers": contract_text, "method": best.method.value},
                _evidence(doc, "seller_name", "seller_tax_id") + [e for c in contracts for e in c.evidence],
            )
        )
    return result


_BUYER_ROLES = {"purchase_contract": "合同买方", "vat_invoice": "发票购买方"}


def check_buyer_is_borrower(case: Case, settings: Settings) -> RuleResult:
    """The buyer on every contract and invoice must be the borrower."""
    rule = "case.counterparty.buyer"
    borrower = case.borrower
    if borrower is None:
        return not_run(rule, "无案件清单且单据未读出买方，无法确定借款人")
    result = RuleResult()
    match_settings = settings.names.as_match_settings()
    for doc in case.documents:
        role = _BUYER_ROLES.get(doc.doc_type)
        if role is None:
            continue
        buyer = party(doc, "buyer_name", "buyer_tax_id")
        match = match_parties(buyer, borrower.party(), match_settings)
        if match.same or not match.comparable:
            continue
        result.findings.append(
            _counterparty_finding(
                rule,
                f"{role}“{_label(buyer)}”不是借款人“{_label(borrower.party())}”（{match.detail}；借款人依据："
                f"{borrower.description}），请核实该单据是否属于本笔贷款。",
                match.method,
                {
                    "buyer": _label(buyer),
                    "borrower": _label(borrower.party()),
                    "borrower_method": borrower.method.value,
                },
                _evidence(doc, "buyer_name", "buyer_tax_id") + borrower.evidence,
            )
        )
    return result


def check_payer_is_borrower(case: Case, settings: Settings) -> RuleResult:
    """The payer on every bank receipt must be the borrower."""
    rule = "case.counterparty.payer"
    receipts = case.documents_of("bank_receipt")
    borrower = case.borrower
    if not receipts:
        return not_run(rule, "无银行回单，付款方未核对")
    if borrower is None:
        return not_run(rule, "无案件清单且单据未读出买方，无法确定借款人")
    result = RuleResult()
    match_settings = settings.names.as_match_settings()
    for doc in receipts:
        payer = party(doc, "payer_name")
        match = match_parties(payer, borrower.party(), match_settings)
        if match.same or not match.comparable:
            continue
        result.findings.append(
            _counterparty_finding(
                rule,
                f"银行回单付款方“{payer.name}”不是借款人“{_label(borrower.party())}”（{match.detail}），"
                "请核实该笔付款是否为本笔贷款资金。",
                match.method,
                {"payer": payer.name, "borrower": _label(borrower.party()), "borrower_method": borrower.method.value},
                _evidence(doc, "payer_name") + borrower.evidence,
            )
        )
    return result

"""Chinese labels for the officer pages: finding codes, severities, document types, fields, reviews."""

from __future__ import annotations

CODES = {
    "payee_mismatch": "收款方不符",
    "counterparty_mismatch": "交易对手不一致",
    "implausible_quantity": "采购规模/数量异常",
    "amount_inconsistent": "金额不一致",
    "goods_mismatch": "货物不符",
    "duplicate_invoice": "发票重复使用",
    "timeline_inconsistent": "时间顺序异常",
    "missing_document": "资料缺失",
    "statement_inconsistent": "报表勾稽不符",
    "invalid_tax_id": "税号校验失败",
    "invalid_tax_rate": "税率与开票日期不符",
    "invalid_invoice_number": "发票号码格式异常",
    "qr_mismatch": "二维码与票面不符",
    "source_mismatch": "票面与电子数据不符",
    "missing_field": "关键字段未识别",
    "unsigned_contract": "合同未签章",
}
SEVERITIES = {"high": "高", "medium": "中", "low": "低", "info": "提示", "none": "无"}
REVIEWS = {"unreviewed": "待复核", "confirmed": "已确认", "dismissed": "已排除", "needs_info": "需补充资料"}
DOC_TYPES = {
    "purchase_contract": "购销合同",
    "vat_invoice": "增值税发票",
    "bank_receipt": "银行回单",
    "balance_sheet": "资产负债表",
    "income_statement": "利润表",
    "cash_flow_statement": "现金流量表",
    "other": "其他",
    "unknown": "未识别",
}
FIELDS = {
    "invoice_number": "发票号码",
    "invoice_code": "发票代码",
    "issue_date": "开票日期",
    "buyer_name": "购买方",
    "buyer_tax_id": "购买方税号",
    "seller_name": "销售方",
    "seller_tax_id": "销售方税号",
    "total_amount": "金额",
    "total_tax": "税额",
    "amount_with_tax": "价税合计",
    "contract_number": "合同编号",
    "signing_date": "签订日期",
    "tax_included": "含税",
    "payer_name": "付款人",
    "payer_account": "付款账号",
    "payee_name": "收款人",
    "payee_account": "收款账号",
    "amount": "金额",
    "transaction_date": "交易日期",
    "company_name": "编制单位",
    "statement_date": "报表日期",
    "net_cash_from_operating": "经营活动现金流量净额",
    "cash_at_end": "期末现金余额",
    "total_assets": "资产总计",
    "operating_revenue": "营业收入",
    "operating_cost": "营业成本",
    "net_profit": "净利润",
}
# The fields shown for each document on the case page, in order.
KEY_FIELDS = {
    "purchase_contract": ("contract_number", "buyer_name", "seller_name", "total_amount", "signing_date"),
    "vat_invoice": ("invoice_number", "issue_date", "seller_name", "buyer_name", "amount_with_tax"),
    "bank_receipt": ("payer_name", "payee_name", "payee_account", "amount", "transaction_date"),
    "balance_sheet": ("company_name", "statement_date", "total_assets"),
    "income_statement": ("company_name", "statement_date", "operating_revenue", "operating_cost", "net_profit"),
    "cash_flow_statement": ("company_name", "statement_date", "net_cash_from_operating", "cash_at_end"),
}
MANIFEST = {
    "case_id": "案件编号",
    "borrower_name": "借款人",
    "borrower_tax_id": "借款人税号",
    "loan_amount": "贷款金额",
    "loan_purpose": "贷款用途",
    "disbursement_date": "放款日期",
    "entrusted_payee": "受托支付对象",
}


def field_label(name: str) -> str:
    """A field or evidence name in Chinese where known (`items[0].amount` → 第1行 金额)."""
    if name.startswith("items[") and "]." in name:
        index, _, rest = name[6:].partition("].")
        if index.isdigit():
            return f"第{int(index) + 1}行 {FIELDS.get(rest, rest)}"
    if name.startswith("manifest."):
        return "案件清单 " + MANIFEST.get(name[9:], name[9:])
    return FIELDS.get(name, name)

"""Deterministic generator of Chinese purchase contracts (购销合同 / 采购合同 / 买卖合同 / 供货合同) with truth.

Run: ``python -m samples.generate_contracts --out samples/contracts --seed 11``

Each contract is drawn from a seeded random stream: title and 合同编号, a parties block whose label
pair varies (甲方/乙方 with or without 需方/供方, 买方/卖方, 买受人/出卖人, 购货方/销货方, 采购方/供货方)
and whose order varies too (甲方 is sometimes the seller, and sometimes only the prose says who buys),
a goods table with wrapped names, 合计 and 大写, delivery, payment with a schedule, the receiving
account (in the body, in the seller's party block or in the signature block), the validity and two
signature blocks with red seals on some. Digital contracts are A4 PDFs; scans are those pages
rasterised, degraded (skew, blur, noise, a page turned) and bound into an image-only PDF.

The layout helpers (fonts, wrapping, seals, rasterising, degradations) are those of
``samples.generate``; the truth JSON beside each file holds every extracted field plus a ``sample``
block (seed, source kind, degradations, planted anomalies with the finding code a checker should
raise). Same seed: byte-identical files (reportlab ``invariant=1``, seeded numpy degradations).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import cn2an
import numpy as np
from PIL import Image

from samples.generate import (
    BLACK,
    PAGE_H,
    PROVINCES,
    SCAN_DPI,
    Party,
    Pen,
    add_noise,
    blur,
    break_uscc_check,
    cents,
    make_party,
    money,
    oval_seal,
    person_name,
    rasterize,
    register_font,
    rotate_right_angle,
    skew,
    text_width,
    wrap_text,
)

try:
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas
except ImportError as error:  # reportlab is an optional extra, only the generators need it
    raise SystemExit("samples.generate_contracts needs reportlab: pip install 'docintel[samples]'") from error

A4_W, A4_H = 595.28, 841.89
LEFT, RIGHT = 62.0, 533.0
TOP, BOTTOM = 64.0, 790.0
BODY_SIZE = 10.5
LINE_GAP = 1.62  # line height as a multiple of the font size
TABLE_SIZE = 9.5
SIGN_SIZE = 10.0
SEAL_PT = 104.0  # a 37 mm round 合同专用章
SEAL_PX_PER_PT = 4
SCAN_JPEG_QUALITY = 72
CENT = Decimal("0.01")

# ----------------------------------------------------------------------------------------------
# Content pools
# ----------------------------------------------------------------------------------------------

TITLES = ("购销合同", "采购合同", "买卖合同", "供货合同", "产品购销合同", "工业品买卖合同")


@dataclass(frozen=True)
class Goods:
    name: str
    specs: tuple[str, ...]
    unit: str
    price: tuple[int, int]  # yuan
    quantity: tuple[int, int, int]  # low, high, decimals printed


# fmt: off
GOODS: tuple[Goods, ...] = (
    Goods("热轧钢板", ("Q235B 8*1500", "Q355B 12*2000"), "吨", (3600, 4800), (5, 60, 3)),
    Goods("冷轧带钢", ("SPCC 1.0*1250", "DC01 0.8*1000"), "吨", (4200, 5600), (2, 40, 2)),
    Goods("电解铜板", ("Cu-CATH-1",), "吨", (58000, 72000), (1, 8, 3)),
    Goods("聚乙烯薄膜", ("0.08mm*1200mm",), "千克", (11, 19), (100, 5000, 1)),
    Goods("工业级碳酸钠", ("GB210.1-2004",), "吨", (1900, 3200), (1, 30, 2)),
    Goods("不锈钢304焊接钢管（含坡口加工及酸洗钝化处理）", ("Φ89*4.0", "Φ114*5.0"), "米", (95, 260), (20, 800, 1)),
    Goods("数控卧式车床配套液压卡盘及尾座总成", ("CK6150-1500",), "套", (18000, 46000), (1, 3, 0)),
    Goods("涤纶短纤维", ("1.56dtex*38mm",), "吨", (6800, 8200), (1, 25, 2)),
    Goods("钢丝骨架输送带（阻燃型，含硫化接头施工）", ("ST1250 1000mm",), "米", (180, 420), (10, 500, 0)),
    Goods("复印纸", ("A4 70g",), "箱", (120, 190), (2, 120, 0)),
    Goods("变频调速三相异步电动机", ("YVF2-160M-4 11kW",), "台", (3800, 6900), (2, 20, 0)),
    Goods("镀锌角钢", ("L50*5",), "吨", (4300, 5200), (3, 30, 3)),
    Goods("高强度六角头螺栓（8.8级热镀锌，配螺母垫片）", ("M20*80",), "套", (3, 9), (500, 8000, 0)),
    Goods("PE给水管", ("DN110 1.0MPa",), "米", (38, 75), (50, 900, 0)),
)
# fmt: on


@dataclass(frozen=True)
class RoleStyle:
    """How the two parties are labelled: `first`/`second` as printed, which of them buys, the short
    names the clauses use, and the sentence (if any) that says who supplies whom."""

    first: str
    second: str
    first_is_buyer: bool
    first_short: str
    second_short: str
    preamble: str  # {first}/{second} are the short names


ROLE_STYLES: dict[str, RoleStyle] = {
    "jia_xu": RoleStyle(
        "甲方（需方）",
        "乙方（供方）",
        True,
        "甲方",
        "乙方",
        "经甲乙双方友好协商，就{second}向{first}供应下列货物事宜订立本合同。",
    ),
    "jia_gong": RoleStyle(
        "甲方（供方）", "乙方（需方）", False, "甲方", "乙方", "经双方友好协商，订立本合同，共同遵守。"
    ),
    "buy_sell": RoleStyle("买方", "卖方", True, "买方", "卖方", "经买卖双方协商一致，订立本合同。"),
    "jia_yi_supply": RoleStyle(
        "甲方", "乙方", True, "甲方", "乙方", "经双方友好协商，乙方向甲方供应下列产品，订立本合同。"
    ),
    "jia_yi_sell": RoleStyle(
        "甲方", "乙方", False, "甲方", "乙方", "经双方友好协商，甲方向乙方销售下列产品，订立本合同。"
    ),
    "civil": RoleStyle("出卖人", "买受人", False, "出卖人", "买受人", "出卖人与买受人经协商一致，订立本合同。"),
    "gouxiao": RoleStyle("购货方", "销货方", True, "购货方", "销货方", "购销双方经协商一致，订立本合同。"),
    "caigou": RoleStyle(
        "采购方（甲方）", "供货方（乙方）", True, "甲方", "乙方", "甲方向乙方采购下列货物，经双方协商订立本合同。"
    ),
    "xu_gong": RoleStyle("供方", "需方", False, "供方", "需方", "供需双方经友好协商，订立本合同。"),
}

PAYMENT_METHODS = (("电汇", "电汇"), ("银行转账", "银行转账"), ("银行承兑汇票", "银行承兑汇票"),
                   ("电汇或银行承兑汇票", "电汇/银行承兑汇票"), ("支票", "支票"))  # fmt: skip
# (clause with {b} buyer and {s} seller short names, normalised schedule)
PAYMENT_SCHEDULES = (
    ("合同签订后3日内{b}预付合同总价的30%，货到验收合格后{b}支付剩余70%货款", "30%预付; 70%验收后"),
    (
        "{b}于合同签订后预付50%，{s}发货前{b}支付40%，剩余10%作为质保金，质保期满后付清",
        "50%预付; 40%发货前; 10%质保期满后",
    ),
    ("货到验收合格后30日内一次性付清全部货款", "100%验收后"),
    ("预付款20%，到货后付60%，验收合格后付20%", "20%预付; 60%到货后; 20%验收后"),
    ("{b}收到全部货物及{s}开具的增值税专用发票后付95%，余款5%作为质保金于质保期满后支付", "95%开票后; 5%质保期满后"),
)
FILLER_CLAUSES = (
    "质量标准：按国家标准及行业标准执行，{s}对所供产品质量负责，质保期为十二个月。",
    "包装标准：{s}按行业通用方式包装，包装物不回收，费用已包含在合同价款中。",
    "验收方式：{b}应在货到后五个工作日内按本合同约定的规格及数量验收，如有异议应书面提出。",
    "违约责任：{s}逾期交货的，每逾期一日按逾期部分货款的千分之五向{b}支付违约金；{b}逾期付款的，"
    "每逾期一日按逾期金额的千分之五向{s}支付违约金。",
    "不可抗力：因不可抗力不能履行合同的，受影响一方应及时通知对方，并在十五日内提供证明，可部分或全部免除责任。",
    "争议解决：履行本合同发生争议的，双方协商解决；协商不成的，向合同签订地人民法院提起诉讼。",
    "保密条款：双方对在履行本合同过程中知悉的对方商业秘密负有保密义务，本条款在合同终止后继续有效。",
    "运输方式及费用：由{s}负责运输至交货地点，运输费用及运输途中的风险由{s}承担。",
    "知识产权：{s}保证所供产品不侵犯任何第三方的知识产权，否则由此产生的一切责任由{s}承担。",
    "其他约定：本合同未尽事宜，双方可另行签订补充协议，补充协议与本合同具有同等法律效力。",
    "合同份数：本合同一式两份，双方各执一份，具有同等法律效力。",
    "售后服务：{s}应在接到{b}质量问题通知后二十四小时内响应，四十八小时内到达现场处理；因产品质量原因造成的"
    "更换、维修及往返运输费用均由{s}承担，且不影响{b}依本合同追究违约责任的权利。",
    "风险转移：货物毁损、灭失的风险自货物交付{b}并经签收之日起转移；在此之前的一切风险由{s}承担。{b}签收仅表示"
    "对货物数量及外观的确认，不视为对货物内在质量的认可。",
    "通知与送达：双方在本合同首部列明的地址及联系电话为有效送达地址，任何一方变更联系方式应在变更后三日内书面通知"
    "对方，否则按原地址送达即视为已经送达。",
    "合同变更与解除：任何一方要求变更或解除本合同的，应提前十五日书面通知对方，经双方协商一致后签订书面协议；"
    "一方严重违约致使合同目的不能实现的，守约方有权单方解除本合同并要求赔偿损失。",
    "廉洁条款：双方在合同履行过程中应遵守国家有关廉洁自律的规定，任何一方不得向对方工作人员提供回扣、礼金、"
    "有价证券或其他不正当利益，违反本条款的，守约方有权解除合同。",
)
PLACES = (
    "江苏省南京市江宁区",
    "广东省深圳市南山区",
    "浙江省杭州市余杭区",
    "山东省青岛市黄岛区",
    "湖北省武汉市洪山区",
    "上海市闵行区",
)


# ----------------------------------------------------------------------------------------------
# Contract model (values exactly as printed)
# ----------------------------------------------------------------------------------------------


@dataclass
class ContractItem:
    name: str
    spec: str
    unit: str
    quantity: str
    unit_price: str
    amount: Decimal


@dataclass
class Signature:
    signed: bool
    sealed: bool
    representative: str


@dataclass
class Contract:
    title: str
    number: str
    signing_date: date
    signing_place: str | None
    style: RoleStyle
    buyer: Party
    seller: Party
    items: list[ContractItem]
    total: Decimal
    total_upper: str
    comma_amounts: bool
    tax_note: str | None
    tax_included: str | None
    delivery_text: str
    delivery_date: str
    delivery_place: str
    payment_terms: str
    payment_method: str
    payment_schedule: str
    payee_where: str  # body | party_block | signature
    validity_text: str
    validity: str
    valid_from: date | None
    valid_to: date | None
    signatures: dict[str, Signature]  # "buyer"/"seller"
    fillers: list[str]
    anomalies: list[dict[str, str]] = field(default_factory=list)

    @property
    def first(self) -> Party:
        return self.buyer if self.style.first_is_buyer else self.seller

    @property
    def second(self) -> Party:
        return self.seller if self.style.first_is_buyer else self.buyer

    @property
    def buyer_short(self) -> str:
        return self.style.first_short if self.style.first_is_buyer else self.style.second_short

    @property
    def seller_short(self) -> str:
        return self.style.second_short if self.style.first_is_buyer else self.style.first_short


@dataclass(frozen=True)
class ContractPlan:
    label: str
    style: str
    source_kind: str = "digital_pdf"  # digital_pdf | scan
    items: tuple[int, int] = (3, 5)
    fillers: int = 5
    payee_where: str = "body"
    anomaly: str | None = None  # item_sum | upper_mismatch | invalid_tax_id | unsigned
    seals: tuple[bool, bool] = (True, True)  # buyer, seller
    signed: tuple[bool, bool] = (True, True)
    signature_page: bool = False  # the signature block alone on the last page
    rotate_page: int = 0  # clockwise turn of one scanned page
    skew: bool = False
    blur: bool = False
    noise: bool = False


# fmt: off
PLAN: tuple[ContractPlan, ...] = (
    ContractPlan("pdf_jia_xu", "jia_xu", items=(3, 4), fillers=4),
    ContractPlan("pdf_jia_seller_item_sum", "jia_gong", items=(5, 6), payee_where="signature", anomaly="item_sum"),
    ContractPlan("pdf_buy_sell_upper", "buy_sell", anomaly="upper_mismatch", seals=(False, True)),
    ContractPlan("pdf_prose_supply_bad_tax_id", "jia_yi_supply", payee_where="party_block", anomaly="invalid_tax_id"),
    ContractPlan("pdf_prose_sell_unsigned", "jia_yi_sell", anomaly="unsigned", seals=(False, True),
                 signed=(False, True)),
    ContractPlan("pdf_civil_long", "civil", items=(7, 8), fillers=16, payee_where="signature",
                 signature_page=True),
    ContractPlan("pdf_gouxiao", "gouxiao", items=(4, 6), payee_where="party_block", seals=(True, False)),
    ContractPlan("pdf_caigou", "caigou", items=(3, 8), fillers=12),
    ContractPlan("scan_jia_xu_skew", "jia_xu", "scan", items=(3, 4), fillers=3, skew=True),
    ContractPlan("scan_prose_sell_rot180", "jia_yi_sell", "scan", items=(3, 4), fillers=3, rotate_page=180,
                 payee_where="party_block", noise=True),
    ContractPlan("scan_xu_gong_blur", "xu_gong", "scan", items=(3, 5), fillers=3, blur=True, noise=True),
    ContractPlan("scan_buy_sell_sign_block", "buy_sell", "scan", items=(3, 4), fillers=3, payee_where="signature",
                 skew=True, seals=(True, False)),
)
# fmt: on


def make_contract_item(rng: random.Random, goods: Goods) -> ContractItem:
    low, high, decimals = goods.quantity
    scale = 10**decimals
    quantity = Decimal(rng.randint(low * scale, high * scale)) / Decimal(scale)
    price_low, price_high = goods.price
    unit_price = Decimal(rng.randint(price_low * 100, price_high * 100)) / 100
    if price_high > 100:
        unit_price = unit_price.quantize(Decimal(1)) if rng.random() < 0.5 else unit_price
    return ContractItem(
        name=goods.name,
        spec=rng.choice(goods.specs),
        unit=goods.unit,
        quantity=f"{quantity:f}",
        unit_price=f"{unit_price:.2f}",
        amount=cents(quantity * unit_price),
    )


def rmb_upper_yuan(value: Decimal) -> str:
    """大写 as contracts print it: 元 (not the invoices' 圆)."""
    return cn2an.an2cn(money(value), "rmb")


def date_cn(value: date) -> str:
    return f"{value.year}年{value.month:02d}月{value.day:02d}日"


def make_validity(rng: random.Random, signed: date) -> tuple[str, str, str, date | None, date | None]:
    """(clause as printed, validity value, label kind, valid_from, valid_to)."""
    end = signed + timedelta(days=rng.choice((180, 270, 364)))
    kind = rng.choice(("range", "until", "term"))
    if kind == "range":
        value = f"{date_cn(signed)}至{date_cn(end)}"
        return f"合同有效期：{value}。", value, kind, signed, end
    if kind == "term":
        value = f"自{date_cn(signed)}起至{date_cn(end)}止"
        return f"合同期限：{value}。", value, kind, signed, end
    value = f"本合同自双方签字盖章之日起生效，有效期至{date_cn(end)}"
    return f"{value}。", value, kind, None, end


def build_contract(
    rng: random.Random,
    plan: ContractPlan,
    *,
    buyer: Party | None = None,
    seller: Party | None = None,
    signing: date | None = None,
    items: list[ContractItem] | None = None,
    tax: tuple[str | None, str | None] | None = None,
) -> Contract:
    """A contract drawn from `rng`; the keyword arguments impose given parties, signing date, goods
    lines and tax note (note as printed, 含税/不含税) for the case-dossier generator. The random
    draws are the same with or without them, so the default samples do not change."""
    style = ROLE_STYLES[plan.style]
    drawn_buyer = make_party(rng, rng.choice(PROVINCES))
    drawn_seller = make_party(rng, rng.choice(PROVINCES))
    while drawn_seller.name == drawn_buyer.name:
        drawn_seller = make_party(rng, rng.choice(PROVINCES))
    buyer, seller = buyer or drawn_buyer, seller or drawn_seller
    drawn_signing = date(2021, 1, 4) + timedelta(days=rng.randint(0, 1400))
    signing = signing or drawn_signing
    goods = rng.sample(GOODS, rng.randint(*plan.items))
    drawn_items = [make_contract_item(rng, g) for g in goods]
    items = items if items is not None else drawn_items
    total = sum((it.amount for it in items), Decimal("0.00"))
    b, s = (style.first_short, style.second_short) if style.first_is_buyer else (style.second_short, style.first_short)
    if rng.random() < 0.35:
        delivery_text, delivery_date = "合同签订后15日内", "合同签订后15日内"
    else:
        day = signing + timedelta(days=rng.randint(10, 60))
        delivery_text, delivery_date = f"{date_cn(day)}前", day.isoformat()
    place = f"{buyer.address_phone.split(' ')[0]}{b}仓库"
    method_text, method = rng.choice(PAYMENT_METHODS)
    schedule_text, schedule = rng.choice(PAYMENT_SCHEDULES)
    payment_terms = f"{method_text}。{schedule_text.format(b=b, s=s)}"
    drawn_tax = rng.choice(
        (
            ("注：以上单价为含税价格，含13%增值税及运费。", "含税"),
            ("注：以上价格不含税，增值税另计。", "不含税"),
            (None, None),
        )
    )
    tax = tax or drawn_tax
    validity_text, validity, _, valid_from, valid_to = make_validity(rng, signing)
    fillers = [c.format(b=b, s=s) for c in rng.sample(FILLER_CLAUSES, plan.fillers)]
    contract = Contract(
        title=rng.choice(TITLES),
        number=f"{rng.choice(('CG', 'GX', 'HT', 'XS'))}-{signing.year}-{rng.randint(1, 999):04d}",
        signing_date=signing,
        signing_place=rng.choice(PLACES) if rng.random() < 0.7 else None,
        style=style,
        buyer=buyer,
        seller=seller,
        items=items,
        total=total,
        total_upper=rmb_upper_yuan(total),
        comma_amounts=rng.random() < 0.5,
        tax_note=tax[0],
        tax_included=tax[1],
        delivery_text=delivery_text,
        delivery_date=delivery_date,
        delivery_place=place,
        payment_terms=payment_terms,
        payment_method=method,
        payment_schedule=schedule,
        payee_where=plan.payee_where,
        validity_text=validity_text,
        validity=validity,
        valid_from=valid_from,
        valid_to=valid_to,
        signatures={
            "buyer": Signature(plan.signed[0], plan.seals[0], person_name(rng)),
            "seller": Signature(plan.signed[1], plan.seals[1], person_name(rng)),
        },
        fillers=fillers,
    )
    apply_anomaly(rng, contract, plan.anomaly)
    return contract


def apply_anomaly(rng: random.Random, contract: Contract, anomaly: str | None) -> None:
    """Plant one deliberate inconsistency, recorded with the finding code a checker should raise."""
    if anomaly is None:
        return
    if anomaly == "item_sum":
        printed = contract.total + Decimal(rng.choice((100, 1000, 50)))
        contract.anomalies.append(
            {"code": "amount_inconsistent", "field": "total_amount", "detail": f"合计 {printed} ≠ Σ {contract.total}"}
        )
        contract.total, contract.total_upper = printed, rmb_upper_yuan(printed)
    elif anomaly == "upper_mismatch":
        upper_value = contract.total + Decimal(rng.choice((10, 100, 1000)))
        contract.total_upper = rmb_upper_yuan(upper_value)
        contract.anomalies.append(
            {"code": "amount_inconsistent", "field": "total_amount_upper", "detail": f"大写 reads {upper_value}"}
        )
    elif anomaly == "invalid_tax_id":
        correct = contract.seller.tax_id
        contract.seller.tax_id = break_uscc_check(rng, correct)
        contract.anomalies.append(
            {"code": "invalid_tax_id", "field": "seller_tax_id", "detail": f"GB 32100 check gives {correct[17]}"}
        )
    elif anomaly == "unsigned":
        contract.anomalies.append(
            {"code": "unsigned_contract", "field": "buyer_signed", "detail": "buyer neither signed nor sealed"}
        )
    else:
        raise ValueError(f"unknown anomaly {anomaly!r}")


# ----------------------------------------------------------------------------------------------
# Drawing
# ----------------------------------------------------------------------------------------------


class Flow:
    """Writes lines top to bottom on A4 pages, starting a new page when one is full.

    `samples.generate.Pen` measures from the top of its A5-sized invoice page; translating the
    origin by the height difference makes the same pen write on A4 (reset after every showPage)."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.pen = Pen(canvas)
        self.y = TOP
        self.pages = 1
        self.canvas.translate(0, A4_H - PAGE_H)

    def new_page(self) -> None:
        self.canvas.showPage()
        self.canvas.translate(0, A4_H - PAGE_H)
        self.pages += 1
        self.y = TOP

    def ensure(self, height: float) -> None:
        if self.y + height > BOTTOM:
            self.new_page()

    def line(self, text: str, size: float = BODY_SIZE, x: float = LEFT, align: str = "left") -> None:
        self.ensure(size * LINE_GAP)
        self.y += size * LINE_GAP
        self.pen.text(x, self.y, text, size, BLACK, align)

    def paragraph(self, text: str, size: float = BODY_SIZE, indent: float = 0.0) -> None:
        for index, piece in enumerate(wrap_text(text, size, RIGHT - LEFT - indent)):
            self.line(piece, size, LEFT + (indent if index == 0 else 0.0))

    def rule(self, x0: float, top: float, x1: float, bottom: float) -> None:
        """A black table line (the invoice pen draws in the form's brown-red, which would read as seal ink)."""
        self.canvas.setStrokeColor(BLACK)
        self.canvas.setLineWidth(0.6)
        self.canvas.line(x0, PAGE_H - top, x1, PAGE_H - bottom)


@dataclass(frozen=True)
class TableColumn:
    key: str
    title: str
    width: float
    align: str


TABLE_COLUMNS = (
    TableColumn("index", "序号", 28, "center"),
    TableColumn("name", "产品名称", 132, "left"),
    TableColumn("spec", "规格型号", 88, "left"),
    TableColumn("unit", "单位", 32, "center"),
    TableColumn("quantity", "数量", 50, "right"),
    TableColumn("unit_price", "单价（元）", 62, "right"),
    TableColumn("amount", "金额（元）", 79, "right"),
)


def amount_text(value: Decimal, comma: bool) -> str:
    return f"{cents(value):,.2f}" if comma else money(value)


def draw_table(flow: Flow, contract: Contract) -> None:
    size = TABLE_SIZE
    line_h = size * 1.5
    xs = [LEFT]
    for col in TABLE_COLUMNS:
        xs.append(xs[-1] + col.width)
    rows: list[list[list[str]]] = []
    for index, item in enumerate(contract.items, start=1):
        values = {
            "index": str(index),
            "name": item.name,
            "spec": item.spec,
            "unit": item.unit,
            "quantity": item.quantity,
            "unit_price": item.unit_price,
            "amount": amount_text(item.amount, contract.comma_amounts),
        }
        rows.append(
            [wrap_text(values[c.key], size, c.width - 4) if c.key == "name" else [values[c.key]] for c in TABLE_COLUMNS]
        )
    needed = (len(rows) + 3) * line_h * 1.4 + sum(len(r[1]) for r in rows) * line_h
    flow.ensure(needed)
    top = flow.y + 6
    flow.rule(LEFT, top, RIGHT, top)
    y = top
    # header
    for col, x0, x1 in zip(TABLE_COLUMNS, xs[:-1], xs[1:], strict=True):
        flow.pen.text((x0 + x1) / 2, y + line_h * 0.95, col.title, size, BLACK, "center")
    y += line_h * 1.3
    flow.rule(LEFT, y, RIGHT, y)
    for cells in rows:
        height = max(len(lines) for lines in cells) * line_h + line_h * 0.3
        for col, x0, x1, lines in zip(TABLE_COLUMNS, xs[:-1], xs[1:], cells, strict=True):
            for n, text in enumerate(lines):
                baseline = y + line_h * (n + 0.95)
                if col.align == "left":
                    flow.pen.text(x0 + 2, baseline, text, size)
                elif col.align == "right":
                    flow.pen.text(x1 - 2, baseline, text, size, BLACK, "right")
                else:
                    flow.pen.text((x0 + x1) / 2, baseline, text, size, BLACK, "center")
        y += height
        flow.rule(LEFT, y, RIGHT, y)
    # 合计 row: the label in the name column, the total under 金额
    flow.pen.text(xs[1] + 2, y + line_h * 0.95, "合计", size)
    flow.pen.text(
        xs[-1] - 2, y + line_h * 0.95, amount_text(contract.total, contract.comma_amounts), size, BLACK, "right"
    )
    y += line_h * 1.3
    flow.rule(LEFT, y, RIGHT, y)
    flow.pen.text(xs[0] + 2, y + line_h * 0.95, f"合计人民币（大写）：{contract.total_upper}", size)
    y += line_h * 1.3
    flow.rule(LEFT, y, RIGHT, y)
    for x in xs:
        flow.rule(x, top, x, y - line_h * 1.3 if x not in (xs[0], xs[-1]) else y)
    flow.y = y + 4


def party_lines(party: Party, label: str, representative: str, with_bank: bool) -> list[str]:
    address, phone = party.address_phone.split(" ")
    lines = [
        f"{label}：{party.name}",
        f"统一社会信用代码：{party.tax_id}",
        f"地址：{address}",
        f"法定代表人：{representative}",
    ]
    lines.append(f"联系电话：{phone}")
    if with_bank:
        bank, account = party.bank_account.split(" ")
        lines += [f"开户银行：{bank}", f"账号：{account}"]
    return lines


def draw_seal(canvas: Canvas, party: Party, center_x: float, center_top: float) -> None:
    """A round red 合同专用章, embedded as an image (like an e-seal) so its words stay out of the text layer."""
    pixels = round(SEAL_PT * SEAL_PX_PER_PT)
    seal = oval_seal(pixels, pixels, party.name, (("★", 0.0, 0.2), ("合同专用章", 0.3, 0.1)), opacity=0.85)
    canvas.drawImage(
        ImageReader(seal),
        center_x - SEAL_PT / 2,
        PAGE_H - center_top - SEAL_PT / 2,
        SEAL_PT,
        SEAL_PT,
        mask="auto",
    )


def draw_signatures(flow: Flow, contract: Contract) -> None:
    with_bank = contract.payee_where == "signature"
    flow.ensure(SIGN_SIZE * LINE_GAP * (9 if with_bank else 7))
    flow.y += SIGN_SIZE
    columns = (
        (LEFT, contract.style.first_short, contract.first),
        (320.0, contract.style.second_short, contract.second),
    )
    top = flow.y
    for x, short, party in columns:
        role = "buyer" if party is contract.buyer else "seller"
        signature = contract.signatures[role]
        lines = [
            f"{short}（盖章）：",
            party.name,
            f"法定代表人或委托代理人：{signature.representative if signature.signed else ''}",
        ]
        if with_bank:
            bank, account = party.bank_account.split(" ")
            lines += [f"开户银行：{bank}", f"账号：{account}"]
        lines.append(f"日期：{date_cn(contract.signing_date)}")
        y = top
        for text in lines:
            y += SIGN_SIZE * LINE_GAP
            size = SIGN_SIZE if text != party.name or text_width(text, SIGN_SIZE) < 240 else 8.5
            flow.pen.text(x, y, text, size)
        if signature.sealed:
            draw_seal(flow.canvas, party, x + 95, top + SIGN_SIZE * LINE_GAP * 2)
        flow.y = max(flow.y, y)


def render_contract(contract: Contract, plan: ContractPlan) -> tuple[bytes, int]:
    register_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(A4_W, A4_H), invariant=1)
    canvas.setTitle(f"{contract.title} {contract.number}")
    canvas.setAuthor("docintel sample generator (synthetic data)")
    flow = Flow(canvas)
    style = contract.style
    flow.line(contract.title, 20, A4_W / 2, "center")
    flow.y += 10
    flow.line(f"合同编号：{contract.number}", BODY_SIZE, RIGHT, "right")
    if contract.signing_place:
        flow.line(f"签订地点：{contract.signing_place}", BODY_SIZE, RIGHT, "right")
    flow.line(f"签订日期：{date_cn(contract.signing_date)}", BODY_SIZE, RIGHT, "right")
    flow.y += 6
    for label, party in ((style.first, contract.first), (style.second, contract.second)):
        role = "buyer" if party is contract.buyer else "seller"
        with_bank = contract.payee_where == "party_block"
        for text in party_lines(party, label, contract.signatures[role].representative, with_bank):
            flow.line(text)
        flow.y += 5
    flow.paragraph(f"根据《中华人民共和国民法典》及有关法律法规，{style.preamble}", indent=21)
    clause = (cn2an.an2cn(n) for n in range(1, 40))
    flow.line(f"{next(clause)}、产品名称、规格型号、数量及价格")
    draw_table(flow, contract)
    if contract.tax_note:
        flow.line(contract.tax_note, TABLE_SIZE)
    b, s = contract.buyer_short, contract.seller_short
    flow.paragraph(f"{next(clause)}、交货时间：{contract.delivery_text}。交货地点：{contract.delivery_place}。")
    flow.paragraph(f"{next(clause)}、付款方式：{contract.payment_terms}。")
    if contract.payee_where == "body":
        bank, account = contract.seller.bank_account.split(" ")
        flow.line(f"{s}收款账户信息如下：", BODY_SIZE, indent_x(2))
        for text in (f"户名：{contract.seller.name}", f"开户银行：{bank}", f"账号：{account}"):
            flow.line(text, BODY_SIZE, indent_x(2))
    for filler in contract.fillers:
        flow.paragraph(f"{next(clause)}、{filler}")
    flow.paragraph(f"{next(clause)}、{contract.validity_text}")
    flow.line(f"（以下无正文，{b}与{s}签字盖章后生效）", BODY_SIZE, A4_W / 2, "center")
    if plan.signature_page:
        flow.new_page()
    draw_signatures(flow, contract)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue(), flow.pages


def indent_x(chars: int) -> float:
    return LEFT + chars * BODY_SIZE


# ----------------------------------------------------------------------------------------------
# Scans
# ----------------------------------------------------------------------------------------------


def degrade_scan(
    pages: list[np.ndarray], plan: ContractPlan, rng: np.random.Generator
) -> tuple[list[np.ndarray], dict]:
    """Scanner-like degradations of each rasterised page (the seals are already in the raster)."""
    record: dict[str, Any] = {
        "dpi": SCAN_DPI,
        "skew_degrees": [],
        "blur_sigma": 0.0,
        "noise_sigma": 0.0,
        "rotated_page": None,
    }
    blur_sigma = float(round(rng.uniform(0.7, 1.2), 2)) if plan.blur else 0.0
    noise_sigma = float(round(rng.uniform(3.0, 6.0), 2)) if plan.noise else 0.0
    out = []
    for index, page in enumerate(pages):
        angle = float(round(rng.choice([-1, 1]) * rng.uniform(0.6, 2.2), 2)) if plan.skew else 0.0
        if angle:
            page = skew(page, angle)
        if blur_sigma:
            page = blur(page, blur_sigma)
        if noise_sigma:
            page = add_noise(page, noise_sigma, rng)
        if plan.rotate_page and index == 0:
            page = rotate_right_angle(page, plan.rotate_page)
            record["rotated_page"] = {"page": 1, "rotation": plan.rotate_page}
        record["skew_degrees"].append(angle)
        out.append(page)
    record["blur_sigma"], record["noise_sigma"] = blur_sigma, noise_sigma
    return out, record


def image_pdf(pages: list[np.ndarray]) -> bytes:
    """The scanned pages bound into an image-only PDF (JPEG per page), as office scanners file them."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(A4_W, A4_H), invariant=1)
    canvas.setAuthor("docintel sample generator (synthetic scan)")
    for page in pages:
        jpeg = io.BytesIO()
        Image.fromarray(page).save(jpeg, "JPEG", quality=SCAN_JPEG_QUALITY, dpi=(SCAN_DPI, SCAN_DPI))
        jpeg.seek(0)
        height, width = page.shape[:2]
        # Keep the scan's aspect (a skewed page is a little larger than A4): fit it to the width.
        page_h = A4_W * height / width
        canvas.setPageSize((A4_W, page_h))
        canvas.drawImage(ImageReader(jpeg), 0, 0, A4_W, page_h)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------------
# Truth and driver
# ----------------------------------------------------------------------------------------------


def yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def truth_record(
    contract: Contract, file_name: str, seed: int, plan: ContractPlan, pages: int, degradations: dict | None
) -> dict[str, Any]:
    bank, account = contract.seller.bank_account.split(" ")
    buyer_sig, seller_sig = contract.signatures["buyer"], contract.signatures["seller"]
    return {
        "file": file_name,
        "doc_type": "purchase_contract",
        "contract_number": contract.number,
        "title": contract.title,
        "signing_date": contract.signing_date.isoformat(),
        "signing_place": contract.signing_place,
        "buyer_name": contract.buyer.name,
        "buyer_tax_id": contract.buyer.tax_id,
        "seller_name": contract.seller.name,
        "seller_tax_id": contract.seller.tax_id,
        "items": [
            {
                "name": it.name,
                "spec": it.spec,
                "unit": it.unit,
                "quantity": it.quantity,
                "unit_price": it.unit_price,
                "amount": money(it.amount),
            }
            for it in contract.items
        ],
        "total_amount": money(contract.total),
        "total_amount_upper": contract.total_upper,
        "currency": "CNY",
        "tax_included": contract.tax_included,
        "delivery_date": contract.delivery_date,
        "delivery_place": contract.delivery_place,
        "payment_terms": contract.payment_terms,
        "payment_method": contract.payment_method,
        "payment_schedule": contract.payment_schedule,
        "payee_account_name": contract.seller.name,
        "payee_account_number": account,
        "payee_bank": bank,
        "validity": contract.validity,
        "valid_from": contract.valid_from.isoformat() if contract.valid_from else None,
        "valid_to": contract.valid_to.isoformat() if contract.valid_to else None,
        "buyer_signed": yes_no(buyer_sig.signed),
        "buyer_sealed": yes_no(buyer_sig.sealed),
        "seller_signed": yes_no(seller_sig.signed),
        "seller_sealed": yes_no(seller_sig.sealed),
        "notes": "synthetic sample from samples/generate_contracts.py",
        "sample": {
            "seed": seed,
            "plan": plan.label,
            "source_kind": plan.source_kind,
            "pages": pages,
            "role_style": plan.style,
            "first_party_is_buyer": contract.style.first_is_buyer,
            "payee_where": contract.payee_where,
            "degradations": degradations,
            "anomalies": contract.anomalies,
        },
    }


@dataclass(frozen=True)
class WrittenContract:
    file: Path
    truth: dict[str, Any]


def write_contract(out_dir: Path, seed: int, index: int, plan: ContractPlan) -> WrittenContract:
    rng = random.Random(f"docintel-contracts:{seed}:{index}")
    image_rng = np.random.default_rng([seed, index, 7])
    contract = build_contract(rng, plan)
    pdf_bytes, pages = render_contract(contract, plan)
    stem = f"ct{index + 1:02d}_{plan.label}"
    degradations = None
    if plan.source_kind == "scan":
        degraded, degradations = degrade_scan(rasterize(pdf_bytes), plan, image_rng)
        pdf_bytes = image_pdf(degraded)
    path = out_dir / f"{stem}.pdf"
    path.write_bytes(pdf_bytes)
    truth = truth_record(contract, path.name, seed, plan, pages, degradations)
    (out_dir / f"{stem}.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return WrittenContract(path, truth)


def generate_contracts(out_dir: Path, seed: int = 11, count: int = len(PLAN)) -> list[WrittenContract]:
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("ct[0-9][0-9]_*"):
        if stale.suffix in (".pdf", ".json"):
            stale.unlink()
    return [write_contract(out_dir, seed, index, PLAN[index % len(PLAN)]) for index in range(count)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate synthetic purchase contracts with truth labels.")
    parser.add_argument("--out", type=Path, default=Path("samples/contracts"))
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--count", type=int, default=len(PLAN))
    args = parser.parse_args(argv)
    written = generate_contracts(args.out, args.seed, args.count)
    total = 0
    for sample in written:
        size = sample.file.stat().st_size
        total += size
        sample_info = sample.truth["sample"]
        codes = ",".join(a["code"] for a in sample_info["anomalies"]) or "-"
        kind, pages = sample_info["source_kind"], sample_info["pages"]
        print(f"{sample.file.name:42s} {kind:11s} p{pages} {size / 1024:6.0f} KiB  {codes}")
    print(f"{len(written)} contracts, {total / 1024 / 1024:.2f} MiB in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Deterministic generator of Chinese VAT invoice samples with truth labels.

Run: ``python -m samples.generate --out samples/invoices --seed 7 [--count N]``

Every invoice is drawn from a seeded random stream, laid out like the real ones (数电票
``电子发票（增值税专用发票）`` / ``电子发票（普通发票）`` and the legacy ``XX增值税电子普通发票``)
and written as a digital PDF or as a degraded "scan"/"photo" of it, each beside a truth JSON in the
label schema of ``/work/shared/realdata/README.md`` plus a ``sample`` block (seed, source kind,
degradations, deliberate anomalies with the finding code a checker should raise).

Same seed, same count: byte-identical files (reportlab runs with ``invariant=1`` so PDFs carry no
creation date; image degradations use a seeded numpy generator).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

import cn2an
import cv2
import numpy as np
import pypdfium2
from PIL import Image, ImageDraw, ImageFont

try:
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.colors import Color, HexColor
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas
except ImportError as error:  # reportlab is an optional extra, only the generator needs it
    raise SystemExit("samples.generate needs reportlab: pip install 'docintel[samples]' (or reportlab>=4.0)") from error

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_NAME = "WenQuanYiMicroHei"

# A5 landscape-ish, the size of the real FapiaoGO 数电票 PDF (595.28 x 396.85 pt = 210 x 140 mm).
PAGE_W = 595.28
PAGE_H = 396.85
SCAN_DPI = 200
JPEG_QUALITY = 85

BLACK = HexColor("#000000")
FRAME = HexColor("#9B2D20")  # the brown-red of the printed form
TITLE = HexColor("#B0221B")
SEAL_RGB = (214, 28, 36)

CENT = Decimal("0.01")

# ----------------------------------------------------------------------------------------------
# Identifiers
# ----------------------------------------------------------------------------------------------

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character: 31 − (Σ value × 3^(i−1) mod 31) mod 31, 31 → 0."""
    total = sum(USCC_CHARSET.index(ch) * weight for ch, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714 check of the organisation code inside a USCC (letters count A=10 … Z=35)."""
    total = sum(int(ch, 36) * weight for ch, weight in zip(first8, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def is_valid_uscc(code: str) -> bool:
    if len(code) != 18 or any(ch not in USCC_CHARSET for ch in code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def make_uscc(rng: random.Random, region6: str) -> str:
    """A well-formed company USCC: 9 (工商) 1 (企业), region, organisation code, check char."""
    if rng.random() < 0.3:  # newer registrations carry an 'MA…' organisation code
        body = "MA" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(6))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    org_check = org_code_check_char(body)
    first17 = "91" + region6 + body + org_check
    return first17 + uscc_check_char(first17)


def break_uscc_check(rng: random.Random, code: str) -> str:
    wrong = [ch for ch in USCC_CHARSET if ch != code[17]]
    return code[:17] + rng.choice(wrong)


# ----------------------------------------------------------------------------------------------
# Money
# ----------------------------------------------------------------------------------------------


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> str:
    """Decimal as printed: no exponent, no trailing zeros (47.1698113207547, 4200, 23.456)."""
    text = f"{value.normalize():f}"
    return text


def money(value: Decimal) -> str:
    return f"{cents(value):f}"


def rmb_upper(value: Decimal) -> str:
    """价税合计（大写） as the tax software prints it: cn2an's rmb reading with 圆 for 元.

    cn2an already follows the conventions in domain-notes (整 after 元, one 零 for interior
    zeros: 1050 → 壹仟零伍拾元整); real invoices print 圆 (伍拾圆整, 伍拾贰圆柒角).
    """
    return cn2an.an2cn(money(value), "rmb").replace("元", "圆")


def vat_rate(rate_class: str, issue_date: date) -> int:
    """Rate valid on the issue date: 17/11 % until 2018-04, 16/10 % until 2019-03, then 13/9 %."""
    if rate_class == "service":
        return 6
    if rate_class == "levy":
        return 3  # 征收率 of a small-scale taxpayer
    goods = rate_class == "goods"
    if issue_date < date(2018, 5, 1):
        return 17 if goods else 11
    if issue_date < date(2019, 4, 1):
        return 16 if goods else 10
    return 13 if goods else 9


# ----------------------------------------------------------------------------------------------
# Content pools
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class City:
    name: str
    region4: str  # first 4 digits of the 行政区划 code
    area_code: str
    districts: tuple[str, ...]


@dataclass(frozen=True)
class Province:
    name: str
    code2: str  # province digits of a 数电票 number
    region4: str  # region digits of a legacy 发票代码
    cities: tuple[City, ...]


PROVINCES: tuple[Province, ...] = (
    Province(
        "江苏",
        "32",
        "3200",
        (
            City("南京", "3201", "025", ("江宁区", "鼓楼区", "玄武区")),
            City("苏州", "3205", "0512", ("工业园区", "吴中区", "相城区")),
            City("无锡", "3202", "0510", ("滨湖区", "新吴区")),
        ),
    ),
    Province(
        "广东",
        "44",
        "4400",
        (
            City("广州", "4401", "020", ("天河区", "番禺区", "黄埔区")),
            City("深圳", "4403", "0755", ("南山区", "宝安区", "龙岗区")),
            City("佛山", "4406", "0757", ("顺德区", "南海区")),
        ),
    ),
    Province(
        "浙江",
        "33",
        "3300",
        (
            City("杭州", "3301", "0571", ("西湖区", "余杭区", "滨江区")),
            City("宁波", "3302", "0574", ("鄞州区", "北仑区")),
        ),
    ),
    Province(
        "山东",
        "37",
        "3700",
        (
            City("济南", "3701", "0531", ("历下区", "槐荫区")),
            City("青岛", "3702", "0532", ("黄岛区", "崂山区")),
        ),
    ),
    Province("湖北", "42", "4200", (City("武汉", "4201", "027", ("江汉区", "洪山区", "东西湖区")),)),
    Province("天津", "12", "1200", (City("天津", "1201", "022", ("武清区", "滨海新区", "西青区")),)),
    Province("上海", "31", "3100", (City("上海", "3101", "021", ("浦东新区", "闵行区", "嘉定区")),)),
)

# fmt: off
BRANDS = (
    "恒润", "华栈", "鼎盛", "瑞丰", "锦程", "永泰", "宏达", "新航", "金桥",
    "博远", "天合", "汇通", "嘉禾", "昌隆", "德信", "安捷", "中晟", "聚源",
)
INDUSTRIES = (
    "新材料", "钢铁贸易", "电子科技", "化工", "机械设备", "建设工程",
    "物流", "信息技术", "纺织", "塑胶制品", "供应链管理", "精密制造",
)
# fmt: on
STREETS = ("将军大道", "科技园路", "创业路", "工业大道", "长江路", "人民路", "星湖街", "高新四路", "金桥路")
BANKS = (
    ("中国工商银行", 19),
    ("中国建设银行", 20),
    ("中国农业银行", 19),
    ("中国银行", 12),
    ("交通银行", 21),
    ("招商银行", 15),
    ("兴业银行", 18),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN_CHARS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰震瀚"


@dataclass(frozen=True)
class CatalogItem:
    name: str  # *税收分类简称*商品名
    specs: tuple[str | None, ...]
    unit: str | None
    price: tuple[float, float]  # unit price excluding tax
    quantity: tuple[float, float, int]  # low, high, decimals printed
    rate_class: str  # goods / low / service


ONE = (1.0, 1.0, 0)
# fmt: off
CATALOG: tuple[CatalogItem, ...] = (
    CatalogItem("*黑色金属冶炼压延品*热轧钢板", ("Q235B 8*1500*6000", "Q355B 12*2000*8000"), "吨",
                (3600, 4800), (5, 60, 3), "goods"),
    CatalogItem("*黑色金属冶炼压延品*冷轧带钢", ("SPCC 1.0*1250", "DC01 0.8*1000"), "吨",
                (4200, 5600), (2, 40, 3), "goods"),
    CatalogItem("*有色金属冶炼压延品*电解铜", ("Cu-CATH-1",), "吨", (58000, 72000), (0.5, 8, 3), "goods"),
    CatalogItem("*塑料制品*聚乙烯薄膜", ("0.08mm*1200mm", "0.05mm*1000mm"), "千克",
                (11, 19), (100, 5000, 1), "goods"),
    CatalogItem("*化学原料及化学制品*工业级碳酸钠", ("99.2%",), "吨", (1900, 3200), (1, 30, 3), "goods"),
    CatalogItem("*计算机配套产品*固态硬盘", ("1TB NVMe", "512GB SATA"), "块",
                (260, 780), (2, 200, 0), "goods"),
    CatalogItem("*电子元件*贴片电容", ("0402 100nF 16V", "0603 10uF 25V"), "个",
                (0.012, 0.08), (5000, 100000, 0), "goods"),
    CatalogItem("*纺织产品*涤纶短纤维", ("1.56dtex*38mm",), "吨", (6800, 8200), (1, 25, 3), "goods"),
    CatalogItem("*橡胶制品*输送带", ("EP200 1000mm*5层",), "米", (180, 420), (10, 500, 1), "goods"),
    CatalogItem("*纸制品*复印纸", ("A4 70g",), "箱", (120, 190), (2, 120, 0), "goods"),
    CatalogItem("*金属制品*不锈钢304焊接钢管（含坡口加工及酸洗钝化处理）", ("Φ89*4.0", "Φ114*5.0"), "米",
                (95, 260), (20, 800, 1), "goods"),
    CatalogItem("*通用设备*数控卧式车床配套液压卡盘及尾座总成", ("CK6150-1500",), "套",
                (18000, 46000), (1, 3, 0), "goods"),
    CatalogItem("*运输服务*国内道路货物运输服务", (None,), None, (800, 12000), ONE, "low"),
    CatalogItem("*建筑服务*工程服务", (None,), "项", (20000, 380000), ONE, "low"),
    CatalogItem("*现代服务*技术服务费", (None,), "次", (2000, 60000), ONE, "service"),
    CatalogItem("*信息技术服务*软件维护服务", ("年度",), "年", (8000, 90000), ONE, "service"),
    CatalogItem("*餐饮服务*餐饮服务", (None,), None, (80, 2400), ONE, "service"),
)
# fmt: on

GOODS_LIST_ITEMS = tuple(item for item in CATALOG if item.rate_class == "goods")


# ----------------------------------------------------------------------------------------------
# Invoice model (values exactly as printed)
# ----------------------------------------------------------------------------------------------

FAMILY_KIND = {
    "shudian_special": "电子发票（增值税专用发票）",
    "shudian_normal": "电子发票（普通发票）",
}
QR_KIND = {"shudian_special": "31", "shudian_normal": "32", "legacy_normal": "10"}
GOODS_LIST_LINE = "(详见销货清单)"


@dataclass
class Party:
    name: str
    tax_id: str
    address_phone: str
    bank_account: str


@dataclass
class Item:
    name: str
    spec: str | None
    unit: str | None
    quantity: str | None
    unit_price: str | None
    amount: Decimal
    tax_rate: str
    tax: Decimal


@dataclass
class Invoice:
    family: str
    invoice_kind: str
    invoice_code: str | None
    invoice_number: str
    issue_date: date
    check_code: str | None
    machine_number: str | None
    buyer: Party
    seller: Party
    items: list[Item]
    total_amount: Decimal
    total_tax: Decimal
    amount_with_tax: Decimal
    amount_with_tax_upper: str
    remarks: str | None
    issuer: str
    payee: str | None
    reviewer: str | None
    qr_payload: str
    cipher_lines: list[str]
    uses_goods_list: bool
    anomalies: list[dict[str, str]] = field(default_factory=list)

    @property
    def is_shudian(self) -> bool:
        return self.family.startswith("shudian")

    def page1_items(self) -> list[Item]:
        """Lines printed on page 1: the single '(详见销货清单)' line when a goods list is attached."""
        if not self.uses_goods_list:
            return self.items
        rate = self.items[0].tax_rate
        summary = Item(GOODS_LIST_LINE, None, None, None, None, self.total_amount, rate, self.total_tax)
        return [summary]


@dataclass(frozen=True)
class SamplePlan:
    """What one sample is: family, size, anomaly and how it is degraded."""

    family: str
    label: str
    source_kind: str = "digital_pdf"  # digital_pdf | scan | photo
    item_count: tuple[int, int] = (1, 5)
    goods_list: bool = False
    anomaly: str | None = None  # invalid_tax_id | upper_mismatch | item_sum | qr_mismatch
    rotation: int = 0  # degrees the page is turned clockwise
    skew: bool = False
    blur: bool = False
    noise: bool = False
    perspective: bool = False
    seal_over: str | None = None  # seller_name | amounts
    image_format: str = "pdf"  # pdf | png | jpg | tiff


# Interleaved so that a small --count still mixes digital PDFs and images.
PLAN: tuple[SamplePlan, ...] = (
    SamplePlan("shudian_special", "pdf", item_count=(3, 5)),
    SamplePlan("shudian_normal", "scan_rot90", "scan", rotation=90, image_format="png"),
    SamplePlan("legacy_normal", "pdf_goods_list", item_count=(11, 14), goods_list=True),
    SamplePlan("legacy_normal", "photo_seal", "photo", perspective=True, blur=True, noise=True,
               seal_over="seller_name", image_format="jpg"),
    SamplePlan("shudian_normal", "pdf_upper_mismatch", anomaly="upper_mismatch"),
    SamplePlan("shudian_special", "scan_skew_blur_seal", "scan", skew=True, blur=True,
               seal_over="amounts", image_format="jpg"),
    SamplePlan("legacy_normal", "pdf_item_sum", item_count=(3, 6), anomaly="item_sum"),
    SamplePlan("legacy_normal", "scan_tiff_2pages", "scan", item_count=(10, 13), goods_list=True,
               skew=True, image_format="tiff"),
    SamplePlan("shudian_special", "pdf_bad_tax_id", anomaly="invalid_tax_id"),
    SamplePlan("legacy_normal", "scan_rot180", "scan", rotation=180, noise=True, image_format="jpg"),
    SamplePlan("legacy_normal", "pdf", item_count=(6, 8)),
    SamplePlan("shudian_special", "scan_rot270", "scan", rotation=270, image_format="png"),
    SamplePlan("shudian_normal", "pdf_qr_mismatch", anomaly="qr_mismatch"),
    SamplePlan("legacy_normal", "scan_skew_noise_seal", "scan", skew=True, noise=True,
               seal_over="seller_name", anomaly="invalid_tax_id", image_format="jpg"),
    SamplePlan("shudian_special", "pdf_long_names", item_count=(6, 8)),
    SamplePlan("shudian_normal", "photo", "photo", perspective=True, blur=True, noise=True,
               image_format="jpg"),
)  # fmt: skip


# ----------------------------------------------------------------------------------------------
# Building invoice content
# ----------------------------------------------------------------------------------------------


def person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def company_name(rng: random.Random, province: Province, city: City) -> str:
    brand, industry = rng.choice(BRANDS), rng.choice(INDUSTRIES)
    # A municipality's branch is named after its district (上海…公司浦东分公司), not the city again.
    branch = rng.choice(city.districts).removesuffix("区") if city.name == province.name else city.name
    patterns: list[Callable[[], str]] = [
        lambda: f"{province.name}{brand}{industry}有限公司",
        lambda: f"{city.name}{brand}{industry}有限公司",
        lambda: f"{brand}{industry}（{city.name}）有限公司",
        lambda: f"{province.name}{brand}{industry}股份有限公司{branch}分公司",
        lambda: f"{brand}（{province.name}）{industry}有限责任公司",
    ]
    return rng.choice(patterns)()


def make_party(rng: random.Random, province: Province) -> Party:
    city = rng.choice(province.cities)
    district = rng.choice(city.districts)
    region6 = city.region4 + f"{rng.randint(1, 18):02d}"
    city_text = f"{city.name}市"
    address = f"{city_text}{district}{rng.choice(STREETS)}{rng.randint(1, 299)}号"
    phone = f"{city.area_code}-{rng.randint(10**7 * 5, 10**8 - 1)}"
    bank, digits = rng.choice(BANKS)
    account = "".join(rng.choice("0123456789") for _ in range(digits))
    account = str(rng.randint(1, 9)) + account[1:]
    return Party(
        name=company_name(rng, province, city),
        tax_id=make_uscc(rng, region6),
        address_phone=f"{address} {phone}",
        bank_account=f"{bank}{city.name}{district.removesuffix('区')}支行 {account}",
    )


def random_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def make_quantity(rng: random.Random, entry: CatalogItem) -> Decimal:
    low, high, decimals = entry.quantity
    scale = 10**decimals
    return Decimal(rng.randint(int(low * scale), int(high * scale))) / Decimal(scale)


def make_unit_price(rng: random.Random, entry: CatalogItem, rate: int) -> Decimal:
    """Either a round price or one derived from a tax-inclusive price, with 15 significant digits.

    The tax software prints 单价 = tax-inclusive price / (1 + rate), e.g. 47.1698113207547.
    """
    low, high = entry.price
    if high < 1:
        base = Decimal(str(round(rng.uniform(low, high), 4)))
    else:
        base = Decimal(str(round(rng.uniform(low, high), rng.choice((0, 2)))))
    if rng.random() < 0.5:
        return base
    with localcontext() as ctx:
        ctx.prec = 15
        return +(base / (Decimal(1) + Decimal(rate) / Decimal(100)))


def make_item(rng: random.Random, entry: CatalogItem, rate: int) -> Item:
    quantity = make_quantity(rng, entry)
    unit_price = make_unit_price(rng, entry, rate)
    amount = cents(quantity * unit_price)
    if amount <= 0:
        amount, unit_price, quantity = CENT, CENT, Decimal(1)
    show_quantity = entry.quantity != ONE or rng.random() < 0.7  # services often leave them blank
    return Item(
        name=entry.name,
        spec=rng.choice(entry.specs),
        unit=entry.unit,
        quantity=plain(quantity) if show_quantity else None,
        unit_price=plain(unit_price) if show_quantity else None,
        amount=amount,
        tax_rate=f"{rate}%",
        tax=cents(amount * Decimal(rate) / Decimal(100)),
    )


def make_items(rng: random.Random, plan: SamplePlan, issue_date: date, levy: bool) -> list[Item]:
    count = rng.randint(*plan.item_count)
    pool = GOODS_LIST_ITEMS if plan.goods_list else CATALOG
    entries = [rng.choice(pool) for _ in range(count)]
    if plan.label == "pdf_long_names":  # make sure wrapping in the name cell is exercised
        entries[0] = CATALOG[10]
        entries[1] = CATALOG[11]
    items = []
    for entry in entries:
        rate = vat_rate("levy" if levy else entry.rate_class, issue_date)
        items.append(make_item(rng, entry, rate))
    return items


def cipher_lines(rng: random.Random) -> list[str]:
    return ["".join(rng.choice("0123456789+-*/<>") for _ in range(27)) for _ in range(4)]


def make_qr_payload(inv: Invoice, amount: Decimal, rng: random.Random) -> str:
    fields = (
        "01",
        QR_KIND[inv.family],
        inv.invoice_code or "",
        inv.invoice_number,
        money(amount),
        inv.issue_date.strftime("%Y%m%d"),
        inv.check_code or "",
        f"{rng.randint(0, 0xFFFF):04X}",
    )
    return ",".join(fields) + ","


def make_remarks(rng: random.Random, inv_items: list[Item], issue_date: date, shudian: bool) -> str | None:
    names = " ".join(item.name for item in inv_items)
    if "建筑服务" in names:
        return f"项目名称：厂房钢结构工程；项目地址：{rng.choice(STREETS)}{rng.randint(1, 99)}号"
    if "运输服务" in names:
        return f"起运地：南京；到达地：苏州；车种车号：重型厢式货车 苏A{rng.randint(10000, 99999)}"
    choice = rng.random()
    if choice < 0.35:
        return None
    if shudian or choice < 0.7:
        contract_year = issue_date.year - rng.choice((0, 0, 1))  # signed before invoicing
        return f"合同编号：HT{contract_year}{rng.randint(1000, 9999)}"
    return f"订单号:{rng.randint(10**10, 10**11 - 1)}"


def build_invoice(
    rng: random.Random,
    plan: SamplePlan,
    *,
    buyer: Party | None = None,
    seller: Party | None = None,
    issue_date: date | None = None,
    items: list[Item] | None = None,
) -> Invoice:
    """An invoice drawn from `rng`; the keyword arguments impose given parties, date and lines
    (the case-dossier generator makes invoices that belong to one deal). The random draws are the
    same with or without them, so the default samples do not change."""
    province = rng.choice(PROVINCES)
    shudian = plan.family.startswith("shudian")
    if shudian:  # 数电票 exist from the 2021-12 pilots on
        drawn_date = random_date(rng, date(2022, 1, 4), date(2026, 10, 30))
    else:
        drawn_date = random_date(rng, date(2017, 1, 3), date(2024, 12, 30))
    issue_date = issue_date or drawn_date
    levy = not plan.goods_list and rng.random() < 0.15
    drawn_items = make_items(rng, plan, issue_date, levy)
    items = items if items is not None else drawn_items
    if plan.goods_list:  # page 1 shows one summary line, so the list keeps one rate
        items = [replace(it, tax_rate=items[0].tax_rate) for it in items]
        rate = Decimal(items[0].tax_rate.rstrip("%")) / 100
        items = [replace(it, tax=cents(it.amount * rate)) for it in items]
    drawn_buyer = make_party(rng, rng.choice(PROVINCES))
    drawn_seller = make_party(rng, province)
    buyer, seller = buyer or drawn_buyer, seller or drawn_seller
    total_amount = sum((it.amount for it in items), Decimal("0.00"))
    total_tax = sum((it.tax for it in items), Decimal("0.00"))
    year2 = issue_date.strftime("%y")
    if shudian:
        code = None
        number = f"{year2}{province.code2}{rng.choice('27')}{rng.randint(1, 10**10):015d}"
        check_code = None
        kind = FAMILY_KIND[plan.family]
    else:
        print_year = str(max(int(year2) - rng.choice((0, 0, 1)), 16))
        code = f"0{province.region4}{print_year}{rng.randint(1, 999):03d}11"
        number = f"{rng.randint(1, 10**8 - 1):08d}"
        check_code = "".join(rng.choice("0123456789") for _ in range(20))
        kind = f"{province.name}增值税电子普通发票"
    invoice = Invoice(
        family=plan.family,
        invoice_kind=kind,
        invoice_code=code,
        invoice_number=number,
        issue_date=issue_date,
        check_code=check_code,
        machine_number=None if shudian else f"{rng.randint(10**11, 10**12 - 1)}",
        buyer=buyer,
        seller=seller,
        items=items,
        total_amount=total_amount,
        total_tax=total_tax,
        amount_with_tax=total_amount + total_tax,
        amount_with_tax_upper=rmb_upper(total_amount + total_tax),
        remarks=make_remarks(rng, items, issue_date, shudian),
        issuer=person_name(rng),
        payee=None if shudian else person_name(rng),
        reviewer=None if shudian or rng.random() < 0.3 else person_name(rng),
        qr_payload="",
        cipher_lines=[] if shudian else cipher_lines(rng),
        uses_goods_list=plan.goods_list,
    )
    qr_amount = apply_anomaly(rng, invoice, plan.anomaly)
    invoice.qr_payload = make_qr_payload(invoice, qr_amount, rng)
    return invoice


def apply_anomaly(rng: random.Random, inv: Invoice, anomaly: str | None) -> Decimal:
    """Plant a deliberate inconsistency; returns the amount the QR code will carry."""
    if anomaly is None:
        return inv.total_amount
    if anomaly == "invalid_tax_id":
        correct = inv.seller.tax_id
        inv.seller.tax_id = break_uscc_check(rng, correct)
        inv.anomalies.append(
            {
                "code": "invalid_tax_id",
                "field": "seller_tax_id",
                "detail": f"check character is {inv.seller.tax_id[17]}, GB 32100 gives {correct[17]}",
            }
        )
    elif anomaly == "upper_mismatch":
        wrong = inv.amount_with_tax + Decimal(rng.choice((100, 1000, 9))) + Decimal("0.50")
        inv.amount_with_tax_upper = rmb_upper(wrong)
        inv.anomalies.append(
            {
                "code": "amount_inconsistent",
                "field": "amount_with_tax_upper",
                "detail": f"大写 reads {money(wrong)}, 小写 is {money(inv.amount_with_tax)}",
            }
        )
    elif anomaly == "item_sum":
        item_sum = inv.total_amount
        inv.total_amount = item_sum + Decimal(rng.choice((100, 1000, 10))) + Decimal("0.00")
        inv.amount_with_tax = inv.total_amount + inv.total_tax
        inv.amount_with_tax_upper = rmb_upper(inv.amount_with_tax)
        inv.anomalies.append(
            {
                "code": "amount_inconsistent",
                "field": "total_amount",
                "detail": f"items sum to {money(item_sum)}, 合计 printed {money(inv.total_amount)}",
            }
        )
    elif anomaly == "qr_mismatch":
        qr_amount = inv.total_amount + Decimal(rng.choice((100, 1000, 10)))
        inv.anomalies.append(
            {
                "code": "qr_mismatch",
                "field": "total_amount",
                "detail": f"QR amount {money(qr_amount)}, printed 合计 {money(inv.total_amount)}",
            }
        )
        return qr_amount
    else:
        raise ValueError(f"unknown anomaly {anomaly!r}")
    return inv.total_amount


# ----------------------------------------------------------------------------------------------
# PDF drawing
# ----------------------------------------------------------------------------------------------

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in points from the page's top-left


def register_font() -> None:
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return
    if not FONT_PATH.exists():
        raise SystemExit(
            f"CJK font not found at {FONT_PATH}: install Debian's fonts-wqy-microhei "
            "(apt-get install fonts-wqy-microhei)"
        )
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH), subfontIndex=0))


def text_width(text: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, FONT_NAME, size)


def wrap_text(text: str, size: float, width: float) -> list[str]:
    """Greedy per-character wrapping, as the invoice software wraps CJK names inside a cell."""
    lines, current = [], ""
    for ch in text:
        if current and text_width(current + ch, size) > width:
            lines.append(current)
            current = ch
        else:
            current += ch
    return [*lines, current] if current else lines or [""]


class Pen:
    """Canvas helper with top-left coordinates, the way the layouts were measured."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas

    def text(self, x: float, top: float, text: str, size: float, color: Color = BLACK, align: str = "left") -> None:
        """Write `text` with its baseline `top` points below the page top."""
        c = self.canvas
        c.setFont(FONT_NAME, size)
        c.setFillColor(color)
        y = PAGE_H - top
        if align == "right":
            c.drawRightString(x, y, text)
        elif align == "center":
            c.drawCentredString(x, y, text)
        else:
            c.drawString(x, y, text)

    def line(self, x0: float, top0: float, x1: float, top1: float, width: float = 0.8) -> None:
        c = self.canvas
        c.setStrokeColor(FRAME)
        c.setLineWidth(width)
        c.line(x0, PAGE_H - top0, x1, PAGE_H - top1)

    def rect(self, x0: float, top: float, x1: float, bottom: float, width: float = 0.9) -> None:
        c = self.canvas
        c.setStrokeColor(FRAME)
        c.setLineWidth(width)
        c.rect(x0, PAGE_H - bottom, x1 - x0, bottom - top, stroke=1, fill=0)

    def vertical_text(self, text: str, x_center: float, top: float, bottom: float, size: float) -> None:
        """Stack characters in a narrow label cell (购买方信息, 密码区, 备注)."""
        step = min(size * 1.25, (bottom - top) / len(text))
        first = top + ((bottom - top) - step * len(text)) / 2 + size
        for index, ch in enumerate(text):
            self.text(x_center, first + index * step, ch, size, FRAME, "center")

    def qr(self, payload: str, x: float, top: float, size: float) -> None:
        widget = QrCodeWidget(payload, barBorder=1)
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, self.canvas, x, PAGE_H - top - size)

    def supervision_seal(self, cx: float, cy_top: float, province: str) -> None:
        """The red 全国统一发票监制章 over the title, embedded as an image as in real e-invoice PDFs.

        An image keeps its words out of the PDF's text layer, like the real ones.
        """
        width, height = 80.0, 52.0
        level = "市" if province in MUNICIPALITIES else "省"
        scale = 4  # pixels per point, sharp at the 200 dpi scans
        seal = oval_seal(
            round(width * scale),
            round(height * scale),
            "全国统一发票监制章",
            (("国家税务总局", 0.02, 0.1), (f"{province}{level}税务局", 0.26, 0.1)),
            opacity=0.85,
        )
        x, y = cx - width / 2, PAGE_H - cy_top - height / 2
        self.canvas.drawImage(ImageReader(seal), x, y, width, height, mask="auto")


@dataclass(frozen=True)
class Column:
    key: str
    x0: float
    x1: float
    align: str  # left | right | center


def item_cells(item: Item) -> dict[str, str]:
    return {
        "name": item.name,
        "spec": item.spec or "",
        "unit": item.unit or "",
        "quantity": item.quantity or "",
        "unit_price": item.unit_price or "",
        "amount": money(item.amount),
        "tax_rate": item.tax_rate,
        "tax": money(item.tax),
    }


def layout_rows(rows: Sequence[dict[str, str]], columns: Sequence[Column], size: float) -> list[dict[str, list[str]]]:
    wrapped = []
    for row in rows:
        cells = {}
        for col in columns:
            value = row.get(col.key, "")
            wraps = col.key in ("name", "spec")
            cells[col.key] = wrap_text(value, size, col.x1 - col.x0 - 3) if wraps else [value]
        wrapped.append(cells)
    return wrapped


def draw_rows(pen: Pen, rows: Sequence[dict[str, str]], columns: Sequence[Column], top: float, bottom: float) -> float:
    """Draw item rows between `top` and `bottom`, shrinking the font until they fit; returns the size."""
    for size in (7.5, 7.0, 6.5, 6.0, 5.5):
        line_height = size * 1.22
        wrapped = layout_rows(rows, columns, size)
        needed = sum(max(len(lines) for lines in cells.values()) for cells in wrapped) * line_height
        if needed <= bottom - top:
            break
    else:
        raise ValueError("item rows do not fit the table")
    y = top
    for cells in wrapped:
        for col in columns:
            for index, line in enumerate(cells[col.key]):
                baseline = y + size + index * line_height
                if col.align == "right":
                    pen.text(col.x1 - 1.5, baseline, line, size, align="right")
                elif col.align == "center":
                    pen.text((col.x0 + col.x1) / 2, baseline, line, size, align="center")
                else:
                    pen.text(col.x0 + 1.5, baseline, line, size)
        y += max(len(lines) for lines in cells.values()) * line_height
    return size


def date_text(value: date) -> str:
    return f"{value.year}年{value.month:02d}月{value.day:02d}日"


def fit_size(text: str, size: float, width: float) -> float:
    while size > 5 and text_width(text, size) > width:
        size -= 0.5
    return size


# 数电票 layout measured on the FapiaoGO test.pdf (same page size).
SD_COLUMNS = (
    Column("name", 12, 118, "left"),
    Column("spec", 118, 172, "left"),
    Column("unit", 172, 222, "center"),
    Column("quantity", 222, 294, "right"),
    Column("unit_price", 294, 378, "right"),
    Column("amount", 378, 440, "right"),
    Column("tax_rate", 440, 518, "center"),
    Column("tax", 518, 583, "right"),
)
SD_HEADERS = ("项目名称", "规格型号", "单 位", "数 量", "单 价", "金 额", "税率/征收率", "税 额")


def draw_shudian_page(pen: Pen, inv: Invoice) -> dict[str, Box]:
    pen.qr(inv.qr_payload, 16, 14, 62)
    title_size = 18 if inv.family == "shudian_special" else 19
    title_width = text_width(inv.invoice_kind, title_size)
    pen.text(292, 38, inv.invoice_kind, title_size, TITLE, "center")
    for top in (46.5, 49.0):
        pen.line(292 - title_width / 2 - 12, top, 292 + title_width / 2 + 12, top, 0.7)
    pen.supervision_seal(292, 44, PROVINCE_OF[inv.invoice_number[2:4]])
    pen.text(432, 38, "发票号码：", 8.5, FRAME)
    pen.text(474, 38, inv.invoice_number, 9)
    pen.text(432, 56, "开票日期：", 8.5, FRAME)
    pen.text(474, 56, date_text(inv.issue_date), 9)
    for index, ch in enumerate("下载次数：1"):
        pen.text(589, 92 + index * 10, ch, 7, HexColor("#666666"), "center")

    pen.rect(12, 85, 583, 352)
    pen.line(30, 85, 30, 147)
    pen.line(296, 85, 296, 147)
    pen.line(314, 85, 314, 147)
    pen.line(12, 147, 583, 147)
    pen.vertical_text("购买方信息", 21, 86, 146, 7.5)
    pen.vertical_text("销售方信息", 305, 86, 146, 7.5)
    anchors: dict[str, Box] = {}
    for party, x, key in ((inv.buyer, 33, "buyer"), (inv.seller, 317, "seller")):
        pen.text(x, 106, "名称：", 8.5, FRAME)
        name_size = fit_size(party.name, 9.5, 296 - 33 - 26)
        pen.text(x + 25, 106, party.name, name_size)
        anchors[f"{key}_name"] = (x + 25, 96, x + 25 + text_width(party.name, name_size), 108)
        pen.text(x, 132, "统一社会信用代码/纳税人识别号：", 7.5, FRAME)
        pen.text(x + text_width("统一社会信用代码/纳税人识别号：", 7.5) + 1, 132, party.tax_id, 10.5)

    for header, col in zip(SD_HEADERS, SD_COLUMNS, strict=True):
        pen.text((col.x0 + col.x1) / 2, 158, header, 8.5, FRAME, "center")
    rows = [item_cells(item) for item in inv.page1_items()]
    draw_rows(pen, rows, SD_COLUMNS, 161, 258)
    pen.text(60, 266, "合", 8.5, FRAME)
    pen.text(100, 266, "计", 8.5, FRAME)
    pen.text(438.5, 266, f"¥{money(inv.total_amount)}", 8.5, align="right")
    pen.text(581.5, 266, f"¥{money(inv.total_tax)}", 8.5, align="right")

    pen.line(12, 271, 583, 271)
    pen.line(160, 271, 160, 295)
    pen.line(12, 295, 583, 295)
    pen.text(86, 287, "价税合计（大写）", 8.5, FRAME, "center")
    pen.text(166, 287, "⊗", 10)
    pen.text(180, 287, inv.amount_with_tax_upper, 9.5)
    pen.text(405, 287, "（小写）", 8.5, FRAME)
    pen.text(440, 287, f"¥{money(inv.amount_with_tax)}", 10)
    anchors["amounts"] = (166, 275, 500, 292)

    pen.line(30, 295, 30, 352)
    pen.vertical_text("备注", 21, 300, 348, 8)
    for index, line in enumerate(wrap_text(inv.remarks or "", 8, 540)[:5]):
        pen.text(34, 308 + index * 11, line, 8)
    pen.text(58, 372, "开票人：", 8.5, FRAME)
    pen.text(92, 372, inv.issuer, 8.5)
    return anchors


# Legacy 电子普通发票 layout measured on the real 天津 e-invoice image (电子发票.png).
LEGACY_COLUMNS = (
    Column("name", 23, 172, "left"),
    Column("spec", 172, 213, "left"),
    Column("unit", 213, 247, "center"),
    Column("quantity", 247, 311, "right"),
    Column("unit_price", 311, 382, "right"),
    Column("amount", 382, 469, "right"),
    Column("tax_rate", 469, 491, "center"),
    Column("tax", 491, 578, "right"),
)
LEGACY_HEADERS = ("货物或应税劳务、服务名称", "规格型号", "单位", "数 量", "单 价", "金 额", "税率", "税 额")
PARTY_LABELS = ("名　　　称：", "纳税人识别号：", "地 址、电 话：", "开户行及账号：")


def draw_legacy_party(pen: Pen, party: Party, top: float) -> Box:
    values = (party.name, party.tax_id, party.address_phone, party.bank_account)
    for index, (label, value) in enumerate(zip(PARTY_LABELS, values, strict=True)):
        baseline = top + 11 + index * 14
        pen.text(44, baseline, label, 7.5, FRAME)
        size = 10 if index == 1 else fit_size(value, 8, 336 - 98)
        pen.text(98, baseline, value, size)
    return (98, top + 2, 98 + text_width(party.name, 8), top + 13)


def draw_legacy_page(pen: Pen, inv: Invoice) -> dict[str, Box]:
    pen.qr(inv.qr_payload, 36, 6, 54)
    pen.text(30, 70, f"机器编号：{inv.machine_number}", 7.5, FRAME)
    title_width = text_width(inv.invoice_kind, 18)
    pen.text(292, 36, inv.invoice_kind, 18, TITLE, "center")
    for top in (44.0, 46.5):
        pen.line(292 - title_width / 2 - 10, top, 292 + title_width / 2 + 10, top, 0.7)
    pen.supervision_seal(292, 40, PROVINCE_OF_REGION[inv.invoice_code[1:5]] if inv.invoice_code else "")
    labels = (
        ("发票代码：", inv.invoice_code or ""),
        ("发票号码：", inv.invoice_number),
        ("开票日期：", date_text(inv.issue_date)),
        (
            "校 验 码：",
            " ".join(inv.check_code[i : i + 5] for i in range(0, 20, 5)) if inv.check_code else "",
        ),
    )
    for index, (label, value) in enumerate(labels):
        pen.text(424, 19 + index * 15, label, 7.5, FRAME)
        pen.text(463, 19 + index * 15, value, 8)

    pen.rect(23, 82, 578, 340)
    pen.line(41, 82, 41, 141)
    pen.line(341, 82, 341, 141)
    pen.line(356, 82, 356, 141)
    pen.vertical_text("购买方", 32, 84, 139, 8)
    pen.vertical_text("密码区", 348.5, 84, 139, 8)
    draw_legacy_party(pen, inv.buyer, 82)
    for index, line in enumerate(inv.cipher_lines):
        pen.text(361, 96 + index * 13, line, 10.5)

    pen.line(23, 141, 578, 141)
    for col in LEGACY_COLUMNS[1:]:
        pen.line(col.x0, 141, col.x0, 264, 0.6)
    for header, col in zip(LEGACY_HEADERS, LEGACY_COLUMNS, strict=True):
        size = fit_size(header, 7.5, col.x1 - col.x0 - 2)
        pen.text((col.x0 + col.x1) / 2, 152, header, size, FRAME, "center")
    rows = [item_cells(item) for item in inv.page1_items()]
    draw_rows(pen, rows, LEGACY_COLUMNS, 155, 248)
    pen.text(60, 259, "合", 8, FRAME)
    pen.text(100, 259, "计", 8, FRAME)
    pen.text(467, 259, f"¥{money(inv.total_amount)}", 9, align="right")
    pen.text(576, 259, f"¥{money(inv.total_tax)}", 9, align="right")

    pen.line(23, 264, 578, 264)
    pen.line(172, 264, 172, 283)
    pen.text(97, 277, "价税合计(大写)", 8, FRAME, "center")
    pen.text(177, 277, "⊗", 9.5)
    pen.text(190, 277, inv.amount_with_tax_upper, 8.5)
    pen.text(430, 277, "(小写)", 8, FRAME)
    pen.text(455, 277, f"¥{money(inv.amount_with_tax)}", 9.5)
    anchors = {"amounts": (177, 268, 520, 281)}

    pen.line(23, 283, 578, 283)
    pen.line(41, 283, 41, 340)
    pen.line(341, 283, 341, 340)
    pen.line(356, 283, 356, 340)
    pen.vertical_text("销售方", 32, 285, 338, 8)
    pen.vertical_text("备注", 348.5, 285, 338, 8)
    anchors["seller_name"] = draw_legacy_party(pen, inv.seller, 283)
    for index, line in enumerate(wrap_text(inv.remarks or "", 8, 215)[:4]):
        pen.text(360, 295 + index * 12, line, 8)

    footer = (("收款人：", inv.payee, 32), ("复核：", inv.reviewer, 188), ("开票人：", inv.issuer, 306))
    for label, value, x in footer:
        pen.text(x, 354, label, 8, FRAME)
        pen.text(x + text_width(label, 8), 354, value or "", 8)
    pen.text(427, 354, "销售方：（章）", 8, FRAME)
    return anchors


GOODS_LIST_COLUMNS = (
    Column("index", 23, 45, "center"),
    Column("name", 45, 200, "left"),
    Column("spec", 200, 258, "left"),
    Column("unit", 258, 284, "center"),
    Column("quantity", 284, 336, "right"),
    Column("unit_price", 336, 402, "right"),
    Column("amount", 402, 468, "right"),
    Column("tax_rate", 468, 495, "center"),
    Column("tax", 495, 578, "right"),
)
GOODS_LIST_HEADERS = (
    "序号",
    "货物（劳务）名称",
    "规格型号",
    "单位",
    "数 量",
    "单 价",
    "金 额",
    "税率",
    "税 额",
)


def draw_goods_list_page(pen: Pen, inv: Invoice) -> None:
    """销售货物或者提供应税劳务、服务清单: the attached page that carries the real item lines."""
    pen.text(PAGE_W / 2, 30, "销售货物或者提供应税劳务、服务清单", 14, TITLE, "center")
    pen.text(30, 50, f"购买方名称：{inv.buyer.name}", 8)
    pen.text(30, 63, f"销售方名称：{inv.seller.name}", 8)
    pen.text(
        30,
        76,
        f"所属增值税电子普通发票代码：{inv.invoice_code}　号码：{inv.invoice_number}　共1页　第1页",
        8,
    )
    pen.rect(23, 84, 578, 338)
    pen.line(23, 98, 578, 98)
    for col in GOODS_LIST_COLUMNS[1:]:
        pen.line(col.x0, 84, col.x0, 310, 0.6)
    for header, col in zip(GOODS_LIST_HEADERS, GOODS_LIST_COLUMNS, strict=True):
        pen.text((col.x0 + col.x1) / 2, 94, header, fit_size(header, 7.5, col.x1 - col.x0 - 2), FRAME, "center")
    rows = [{"index": str(i), **item_cells(item)} for i, item in enumerate(inv.items, start=1)]
    draw_rows(pen, rows, GOODS_LIST_COLUMNS, 100, 282)
    for top, label in ((282, "小计"), (296, "总计")):
        pen.line(23, top, 578, top, 0.6)
        pen.text(60, top + 10, label, 8, FRAME)
        pen.text(466.5, top + 10, f"¥{money(inv.total_amount)}", 8, align="right")
        pen.text(576.5, top + 10, f"¥{money(inv.total_tax)}", 8, align="right")
    pen.line(23, 310, 578, 310, 0.6)
    pen.text(30, 326, "备注", 8, FRAME)
    pen.text(60, 326, inv.remarks or "", 8)
    pen.text(330, 360, "销售方（章）：", 8, FRAME)
    pen.text(430, 360, f"填开日期：{date_text(inv.issue_date)}", 8, FRAME)


MUNICIPALITIES = frozenset({"北京", "天津", "上海", "重庆"})
PROVINCE_OF = {p.code2: p.name for p in PROVINCES}
PROVINCE_OF_REGION = {p.region4: p.name for p in PROVINCES}


def render_pdf(inv: Invoice) -> tuple[bytes, dict[str, Box]]:
    """The invoice as a digital PDF (invariant: no creation date) and page-1 anchor boxes."""
    register_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_W, PAGE_H), invariant=1)
    canvas.setTitle(f"{inv.invoice_kind} {inv.invoice_number}")
    canvas.setAuthor("docintel sample generator (synthetic data)")
    pen = Pen(canvas)
    anchors = draw_shudian_page(pen, inv) if inv.is_shudian else draw_legacy_page(pen, inv)
    canvas.showPage()
    if inv.uses_goods_list:
        draw_goods_list_page(pen, inv)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue(), anchors


# ----------------------------------------------------------------------------------------------
# Scans and photos
# ----------------------------------------------------------------------------------------------

PX_PER_PT = SCAN_DPI / 72


def rasterize(pdf_bytes: bytes) -> list[np.ndarray]:
    """Every page as an RGB array at SCAN_DPI."""
    document = pypdfium2.PdfDocument(pdf_bytes)
    try:
        return [np.asarray(page.render(scale=PX_PER_PT).to_pil().convert("RGB")) for page in document]
    finally:
        document.close()


def seal_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), size, index=0)


def draw_char(
    overlay: Image.Image,
    ch: str,
    center: tuple[float, float],
    size: int,
    angle_ccw: float,
    ink: tuple[int, int, int, int],
) -> None:
    tile = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((size, size), ch, font=seal_font(size), fill=ink, anchor="mm")
    tile = tile.rotate(angle_ccw, resample=Image.Resampling.BICUBIC)
    overlay.alpha_composite(tile, (round(center[0] - size), round(center[1] - size)))


def oval_seal(
    width: int,
    height: int,
    arc_text: str,
    lines: Sequence[tuple[str, float, float]],
    opacity: float = 1.0,
) -> Image.Image:
    """Red oval seal: `arc_text` on the upper arc, `lines` as (text, y offset, size) over the height."""
    ink = (*SEAL_RGB, round(255 * opacity))
    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    ring = max(4, width // 55)
    draw.ellipse((ring, ring, width - ring, height - ring), outline=ink, width=ring)
    cx, cy = width / 2, height / 2
    char_size = max(12, int(height * 0.13))
    rx, ry = width / 2 - ring * 2 - char_size * 0.7, height / 2 - ring * 2 - char_size * 0.7
    span = min(230.0, 20.0 * len(arc_text))
    for index, ch in enumerate(arc_text):
        t = -90 - span / 2 + span * (index + 0.5) / len(arc_text)  # image coordinates, y down
        x = cx + rx * math.cos(math.radians(t))
        y = cy + ry * math.sin(math.radians(t))
        draw_char(overlay, ch, (x, y), char_size, -(t + 90), ink)
    for text, offset, size in lines:
        font = seal_font(max(10, int(height * size)))
        draw.text((cx, cy + height * offset), text, font=font, fill=ink, anchor="mm")
    return overlay


def company_seal(name: str, tax_id: str, width: int, height: int) -> Image.Image:
    """发票专用章: red oval with the company name on the upper arc and the tax ID across."""
    return oval_seal(width, height, name, ((tax_id, 0.08, 0.09), ("发票专用章", 0.28, 0.12)))


def stamp_seal(page: np.ndarray, seal: Image.Image, center: tuple[float, float], opacity: float) -> np.ndarray:
    """Ink-like overlay: the seal darkens the page by its red, keeping the text under it visible."""
    height, width = page.shape[:2]
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    layer.alpha_composite(seal, (round(center[0] - seal.width / 2), round(center[1] - seal.height / 2)))
    rgba = np.asarray(layer).astype(np.float32) / 255
    alpha = rgba[..., 3:4] * opacity
    ink = page.astype(np.float32) * (rgba[..., :3] * alpha + (1 - alpha))
    return np.clip(ink, 0, 255).astype(np.uint8)


def rotate_right_angle(image: np.ndarray, clockwise: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(image, k=-(clockwise // 90)))


def skew(image: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate by a small angle on a white, enlarged canvas (a page fed slightly askew)."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(height * sin + width * cos), int(height * cos + width * sin)
    matrix[0, 2] += new_w / 2 - width / 2
    matrix[1, 2] += new_h / 2 - height / 2
    border = (255,) * (image.shape[2] if image.ndim == 3 else 1)
    return cv2.warpAffine(
        image,
        matrix,
        (new_w, new_h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=border,
    )


def photograph(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Paper on a desk shot at a slant: perspective, desk background, uneven light."""
    height, width = image.shape[:2]
    margin_x, margin_y = int(width * 0.08), int(height * 0.1)
    out_w, out_h = width + 2 * margin_x, height + 2 * margin_y
    jitter = rng.uniform(-0.035, 0.035, size=(4, 2)) * [width, height]
    source = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    offset = np.float32([margin_x, margin_y])
    target = np.float32(source + offset + jitter)
    matrix = cv2.getPerspectiveTransform(source, target)
    warped = cv2.warpPerspective(image, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((height, width), 255, np.uint8), matrix, (out_w, out_h))
    yy, xx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    desk = np.stack([118 + 20 * xx / out_w, 104 + 14 * yy / out_h, 88 + 0 * xx], axis=-1)
    alpha = (mask.astype(np.float32) / 255)[..., None]
    composed = warped.astype(np.float32) * alpha + desk * (1 - alpha)
    light_x, light_y = rng.uniform(0.2, 0.8) * out_w, rng.uniform(0.2, 0.8) * out_h
    distance = np.hypot(xx - light_x, yy - light_y) / math.hypot(out_w, out_h)
    lighting = (1.04 - 0.28 * distance)[..., None]
    return np.clip(composed * lighting, 0, 255).astype(np.uint8)


def blur(image: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(image, (0, 0), sigmaX=sigma)


def add_noise(image: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    noise = rng.normal(0, sigma, size=image.shape).astype(np.float32)
    return np.clip(image.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def seal_center(anchor: Box, rng: np.random.Generator) -> tuple[float, float]:
    x0, top, x1, bottom = anchor
    cx = (x0 + min(x1, x0 + 160)) / 2 + rng.uniform(-15, 15)
    cy = (top + bottom) / 2 + rng.uniform(-6, 6)
    return cx * PX_PER_PT, cy * PX_PER_PT


def degrade_page(
    page: np.ndarray,
    plan: SamplePlan,
    inv: Invoice,
    anchors: dict[str, Box],
    rng: np.random.Generator,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Apply the plan's degradations in the order they happen to paper: seal, camera, scanner."""
    record: dict[str, Any] = {
        "dpi": SCAN_DPI,
        "rotation": plan.rotation,
        "skew_degrees": 0.0,
        "blur_sigma": 0.0,
        "noise_sigma": 0.0,
        "perspective": plan.perspective,
        "seal": None,
    }
    if plan.seal_over:
        width, height = round(40 / 25.4 * SCAN_DPI), round(30 / 25.4 * SCAN_DPI)  # a 40 × 30 mm oval
        seal = company_seal(inv.seller.name, inv.seller.tax_id, width, height)
        page = stamp_seal(page, seal, seal_center(anchors[plan.seal_over], rng), opacity=0.72)
        record["seal"] = {"over": plan.seal_over, "text": inv.seller.name}
    if plan.perspective:
        page = photograph(page, rng)
    if plan.skew:
        angle = float(round(rng.choice([-1, 1]) * rng.uniform(0.8, 3.0), 2))
        page = skew(page, angle)
        record["skew_degrees"] = angle
    if plan.blur:
        sigma = float(round(rng.uniform(0.7, 1.3), 2))
        page = blur(page, sigma)
        record["blur_sigma"] = sigma
    if plan.noise:
        sigma = float(round(rng.uniform(3.0, 7.0), 2))
        page = add_noise(page, sigma, rng)
        record["noise_sigma"] = sigma
    if plan.rotation:
        page = rotate_right_angle(page, plan.rotation)
    return page, record


def encode_image(pages: list[np.ndarray], image_format: str) -> bytes:
    buffer = io.BytesIO()
    images = [Image.fromarray(page) for page in pages]
    dpi = (SCAN_DPI, SCAN_DPI)
    if image_format == "jpg":
        images[0].save(buffer, "JPEG", quality=JPEG_QUALITY, dpi=dpi)
    elif image_format == "png":
        images[0].save(buffer, "PNG", dpi=dpi, optimize=True)
    elif image_format == "tiff":  # grey pages, as office scanners file multi-page TIFFs
        grey = [image.convert("L") for image in images]
        grey[0].save(buffer, "TIFF", save_all=True, append_images=grey[1:], compression="tiff_deflate", dpi=dpi)
    else:
        raise ValueError(f"unknown image format {image_format!r}")
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------------
# Truth
# ----------------------------------------------------------------------------------------------


def item_truth(item: Item) -> dict[str, Any]:
    return {
        "name": item.name,
        "spec": item.spec,
        "unit": item.unit,
        "quantity": item.quantity,
        "unit_price": item.unit_price,
        "amount": money(item.amount),
        "tax_rate": item.tax_rate,
        "tax": money(item.tax),
    }


def truth_record(
    inv: Invoice, file_name: str, seed: int, plan: SamplePlan, pages: int, degradations: dict[str, Any] | None
) -> dict[str, Any]:
    """Label-schema truth: values exactly as the file shows them (null where it shows none)."""
    shows_goods_list = inv.uses_goods_list and pages > 1
    items = inv.items if shows_goods_list or not inv.uses_goods_list else inv.page1_items()
    legacy = not inv.is_shudian
    notes = "synthetic sample from samples/generate.py"
    if inv.uses_goods_list:
        notes += (
            "; page 1 prints only '(详见销货清单)', items are the lines of the attached 销货清单 page"
            if shows_goods_list
            else "; only page 1 is shown, so the '(详见销货清单)' line is the single item"
        )
    return {
        "file": file_name,
        "doc_type": "vat_invoice",
        "invoice_kind": inv.invoice_kind,
        "invoice_code": inv.invoice_code,
        "invoice_number": inv.invoice_number,
        "issue_date": inv.issue_date.isoformat(),
        "check_code": inv.check_code,
        "buyer_name": inv.buyer.name,
        "buyer_tax_id": inv.buyer.tax_id,
        "buyer_address_phone": inv.buyer.address_phone if legacy else None,
        "buyer_bank_account": inv.buyer.bank_account if legacy else None,
        "seller_name": inv.seller.name,
        "seller_tax_id": inv.seller.tax_id,
        "seller_address_phone": inv.seller.address_phone if legacy else None,
        "seller_bank_account": inv.seller.bank_account if legacy else None,
        "total_amount": money(inv.total_amount),
        "total_tax": money(inv.total_tax),
        "amount_with_tax": money(inv.amount_with_tax),
        "amount_with_tax_upper": inv.amount_with_tax_upper,
        "items": [item_truth(item) for item in items],
        "remarks": inv.remarks,
        "issuer": inv.issuer,
        "payee": inv.payee,
        "reviewer": inv.reviewer,
        "notes": notes,
        "confidence": "high",
        "sample": {
            "seed": seed,
            "plan": plan.label,
            "source_kind": plan.source_kind,
            "format": plan.image_format,
            "pages": pages,
            "qr_payload": inv.qr_payload,
            # what page 1 prints when the items are on an attached 销货清单 page
            "page1_items": [item_truth(item) for item in inv.page1_items()] if inv.uses_goods_list else None,
            "degradations": degradations,
            "anomalies": inv.anomalies,
        },
    }


# ----------------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------------

OWN_SUFFIXES = (".pdf", ".json", ".png", ".jpg", ".tiff")
FAMILY_SHORT = {"shudian_special": "sd-special", "shudian_normal": "sd-normal", "legacy_normal": "legacy"}


@dataclass(frozen=True)
class WrittenSample:
    file: Path
    truth: dict[str, Any]


def sample_stem(index: int, plan: SamplePlan) -> str:
    return f"inv{index + 1:02d}_{FAMILY_SHORT[plan.family]}_{plan.label}"


def write_sample(out_dir: Path, seed: int, index: int, plan: SamplePlan) -> WrittenSample:
    rng = random.Random(f"docintel-samples:{seed}:{index}")
    image_rng = np.random.default_rng([seed, index])
    invoice = build_invoice(rng, plan)
    pdf_bytes, anchors = render_pdf(invoice)
    stem = sample_stem(index, plan)
    if plan.image_format == "pdf":
        path = out_dir / f"{stem}.pdf"
        path.write_bytes(pdf_bytes)
        pages, degradations = (2 if invoice.uses_goods_list else 1), None
    else:
        rendered = rasterize(pdf_bytes)
        if plan.image_format != "tiff":
            rendered = rendered[:1]  # a scan of the printed first page
        degraded, records = [], []
        for page_index, page in enumerate(rendered):
            page_plan = plan if page_index == 0 else replace(plan, seal_over=None)  # seal on page 1 only
            page_out, record = degrade_page(page, page_plan, invoice, anchors, image_rng)
            degraded.append(page_out)
            records.append(record)
        degradations = records[0] | {"per_page": records} if len(records) > 1 else records[0]
        path = out_dir / f"{stem}.{plan.image_format}"
        path.write_bytes(encode_image(degraded, plan.image_format))
        pages = len(degraded)
    truth = truth_record(invoice, path.name, seed, plan, pages, degradations)
    (out_dir / f"{stem}.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return WrittenSample(path, truth)


def clear_previous(out_dir: Path) -> None:
    """Remove files an earlier run wrote (inv*), so a smaller --count leaves no stale samples."""
    for path in out_dir.glob("inv[0-9][0-9]_*"):
        if path.suffix in OWN_SUFFIXES:
            path.unlink()


def generate_samples(out_dir: Path, seed: int = 7, count: int = len(PLAN)) -> list[WrittenSample]:
    out_dir.mkdir(parents=True, exist_ok=True)
    clear_previous(out_dir)
    return [write_sample(out_dir, seed, index, PLAN[index % len(PLAN)]) for index in range(count)]


def print_summary(samples: Sequence[WrittenSample], out_dir: Path) -> None:
    total = 0
    for sample in samples:
        truth = sample.truth
        size = sample.file.stat().st_size + (out_dir / f"{sample.file.stem}.json").stat().st_size
        total += size
        anomalies = ",".join(a["code"] for a in truth["sample"]["anomalies"]) or "-"
        print(
            f"{sample.file.name:44s} {truth['sample']['source_kind']:11s} p{truth['sample']['pages']} "
            f"items={len(truth['items']):2d} ¥{truth['amount_with_tax']:>12s} "
            f"{size / 1024:7.0f} KiB  {anomalies}"
        )
    print(f"{len(samples)} invoices, {total / 1024 / 1024:.2f} MiB in {out_dir}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("samples/invoices"), help="output folder")
    parser.add_argument("--seed", type=int, default=7, help="random seed (same seed, same files)")
    parser.add_argument("--count", type=int, default=len(PLAN), help="number of invoices")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    samples = generate_samples(args.out, args.seed, args.count)
    print_summary(samples, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

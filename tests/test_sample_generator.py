"""The sample invoice generator is deterministic and its truth is internally consistent.

The checks here are written independently of the product's checkers (GB 32100 check character,
amount sums, 大写 via cn2an) so that the samples can be trusted as test data for them.
"""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import cn2an
import pdfplumber
import pytest
from PIL import Image, ImageSequence

pytest.importorskip("reportlab")

from samples import generate  # imported after the reportlab skip

SEED = 11
COUNT = 8  # the plan is interleaved: 8 gives digital PDFs (one 2-page), scans, a photo and the TIFF

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_is_valid(code: str) -> bool:
    """GB 32100-2015, written here again so the test does not trust the generator's helper."""
    if not re.fullmatch(f"[{USCC_CHARSET}]{{18}}", code):
        return False
    total = sum(USCC_CHARSET.index(ch) * pow(3, i, 31) for i, ch in enumerate(code[:17]))
    return USCC_CHARSET[(31 - total % 31) % 31] == code[17]


def load_truths(folder: Path) -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text("utf-8")) for path in sorted(folder.glob("*.json"))}


def anomaly_codes(truth: dict[str, Any], field: str | None = None) -> set[str]:
    return {a["code"] for a in truth["sample"]["anomalies"] if field is None or a["field"] == field}


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("samples")
    generate.generate_samples(folder, seed=SEED, count=COUNT)
    return folder


@pytest.fixture(scope="module")
def truths(out_dir: Path) -> dict[str, dict[str, Any]]:
    found = load_truths(out_dir)
    assert len(found) == COUNT
    return found


def test_uscc_helper_matches_worked_example() -> None:
    assert generate.uscc_check_char("91350100M000100Y4") == "3"
    assert uscc_is_valid("91350100M000100Y43")
    assert generate.org_code_check_char("77604965") == "3"  # 91350200776049653A passes GB 11714


def test_rmb_upper_prints_yuan_as_on_invoices() -> None:
    assert generate.rmb_upper(Decimal("50.00")) == "伍拾圆整"
    assert generate.rmb_upper(Decimal("52.70")) == "伍拾贰圆柒角"
    assert generate.rmb_upper(Decimal("1050.00")) == "壹仟零伍拾圆整"


def test_same_seed_gives_identical_files(out_dir: Path, tmp_path: Path) -> None:
    generate.generate_samples(tmp_path, seed=SEED, count=COUNT)
    first = {path.name: path.read_bytes() for path in sorted(out_dir.iterdir())}
    second = {path.name: path.read_bytes() for path in sorted(tmp_path.iterdir())}
    assert first.keys() == second.keys()
    for name, content in first.items():
        assert content == second[name], f"{name} differs between two runs with the same seed"


def test_plan_covers_kinds_degradations_and_anomalies(truths: dict[str, dict[str, Any]]) -> None:
    samples = [t["sample"] for t in truths.values()]
    assert {t["invoice_kind"] for t in truths.values()} >= {
        "电子发票（增值税专用发票）",
        "电子发票（普通发票）",
    }
    assert any(t["invoice_kind"].endswith("增值税电子普通发票") for t in truths.values())
    assert {s["source_kind"] for s in samples} == {"digital_pdf", "scan", "photo"}
    assert any(s["format"] == "pdf" and s["pages"] == 2 for s in samples)
    assert any(s["format"] == "tiff" and s["pages"] == 2 for s in samples)
    all_plans = generate.PLAN
    assert {p.rotation for p in all_plans} >= {90, 180, 270}
    assert {p.anomaly for p in all_plans} >= {"invalid_tax_id", "upper_mismatch", "item_sum", "qr_mismatch"}


def test_items_sum_to_totals_unless_planted(truths: dict[str, dict[str, Any]]) -> None:
    for name, truth in truths.items():
        items = truth["items"]
        amount_sum = sum(Decimal(item["amount"]) for item in items)
        tax_sum = sum(Decimal(item["tax"]) for item in items)
        planted = "amount_inconsistent" in anomaly_codes(truth, "total_amount")
        assert (amount_sum == Decimal(truth["total_amount"])) != planted, name
        assert tax_sum == Decimal(truth["total_tax"]), name
        total = Decimal(truth["total_amount"]) + Decimal(truth["total_tax"])
        assert total == Decimal(truth["amount_with_tax"]), name


def test_line_amounts_and_tax(truths: dict[str, dict[str, Any]]) -> None:
    for name, truth in truths.items():
        for item in truth["items"]:
            amount, tax = Decimal(item["amount"]), Decimal(item["tax"])
            rate = Decimal(item["tax_rate"].rstrip("%")) / 100
            assert tax == (amount * rate).quantize(Decimal("0.01"), ROUND_HALF_UP), name  # 四舍五入
            if item["quantity"] is not None:
                product = Decimal(item["quantity"]) * Decimal(item["unit_price"])
                assert abs(product - amount) <= Decimal("0.01"), name


def test_rates_valid_for_issue_date(truths: dict[str, dict[str, Any]]) -> None:
    for name, truth in truths.items():
        issued = truth["issue_date"]
        allowed = {"6%", "3%"}
        if issued < "2018-05-01":
            allowed |= {"17%", "11%"}
        elif issued < "2019-04-01":
            allowed |= {"16%", "10%"}
        else:
            allowed |= {"13%", "9%"}
        assert {item["tax_rate"] for item in truth["items"]} <= allowed, name


def test_upper_matches_lower_unless_planted(truths: dict[str, dict[str, Any]]) -> None:
    for name, truth in truths.items():
        expected = cn2an.an2cn(truth["amount_with_tax"], "rmb").replace("元", "圆")
        planted = "amount_inconsistent" in anomaly_codes(truth, "amount_with_tax_upper")
        assert (truth["amount_with_tax_upper"] == expected) != planted, name


def test_tax_ids_valid_unless_planted(truths: dict[str, dict[str, Any]]) -> None:
    for name, truth in truths.items():
        assert uscc_is_valid(truth["buyer_tax_id"]), name
        planted = "invalid_tax_id" in anomaly_codes(truth, "seller_tax_id")
        assert uscc_is_valid(truth["seller_tax_id"]) != planted, name


def test_numbers_and_qr_payload(truths: dict[str, dict[str, Any]]) -> None:
    for name, truth in truths.items():
        fields = truth["sample"]["qr_payload"].split(",")
        assert fields[0] == "01" and fields[-1] == "", name
        if truth["invoice_code"] is None:  # 数电票: 20-digit number, no code or check code
            assert re.fullmatch(r"\d{20}", truth["invoice_number"]), name
            assert fields[1] in {"31", "32"} and fields[2] == "" and fields[6] == "", name
        else:
            assert re.fullmatch(r"0\d{9}11", truth["invoice_code"]), name
            assert re.fullmatch(r"\d{8}", truth["invoice_number"]), name
            assert fields[1:3] == ["10", truth["invoice_code"]] and fields[6] == truth["check_code"], name
        assert fields[3] == truth["invoice_number"], name
        assert fields[5] == truth["issue_date"].replace("-", ""), name
        planted = "qr_mismatch" in anomaly_codes(truth)
        assert (fields[4] == truth["total_amount"]) != planted, name


def test_pdf_text_shows_buyer_and_number(out_dir: Path, truths: dict[str, dict[str, Any]]) -> None:
    digital = [t for t in truths.values() if t["sample"]["source_kind"] == "digital_pdf"]
    assert digital
    for truth in digital:
        with pdfplumber.open(out_dir / truth["file"]) as pdf:
            assert len(pdf.pages) == truth["sample"]["pages"]
            text = re.sub(r"\s+", "", pdf.pages[0].extract_text() or "")
        assert truth["buyer_name"] in text, truth["file"]
        assert truth["invoice_number"] in text, truth["file"]
        assert truth["amount_with_tax"] in text, truth["file"]


def test_images_open_with_recorded_pages(out_dir: Path, truths: dict[str, dict[str, Any]]) -> None:
    images = [t for t in truths.values() if t["sample"]["source_kind"] != "digital_pdf"]
    assert images
    for truth in images:
        with Image.open(out_dir / truth["file"]) as image:
            frames = [frame.size for frame in ImageSequence.Iterator(image)]
        assert len(frames) == truth["sample"]["pages"], truth["file"]
        rotation = truth["sample"]["degradations"]["rotation"]
        width, height = frames[0]
        assert (height > width) == (rotation in (90, 270)), truth["file"]

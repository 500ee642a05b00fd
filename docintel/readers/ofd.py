"""OFD (GB/T 33190) reader: page text objects with boxes in mm, plus the invoice data the file carries.

An OFD is a zip of XML parts: `OFD.xml` -> `Doc_0/Document.xml` -> pages, templates, attachments
and custom tags. Pages become `TextSpan`s (one per text object line, box in page millimetres,
origin top-left). Structured data becomes `EmbeddedData`: `OFD.xml` CustomData, every invoice XML
attachment (`original_invoice.xml`, XBRL `inv_ord_issuer_*.xml`), and the custom tag file that maps
invoice fields to text objects. Where a tag maps a field to a text object, that field's evidence
carries the page and box. The reader never guesses fields from page text: that is the extractor's
job. The archive is read in memory only, with caps on member count and uncompressed bytes.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from lxml import etree

from docintel.errors import DocumentTooLargeError, UnreadableDocumentError
from docintel.model import (
    Box,
    Document,
    EmbeddedData,
    Evidence,
    FieldValue,
    Origin,
    Page,
    ProcessingError,
    TextSpan,
)
from docintel.readers import ReadOptions
from docintel.readers.xml_invoice import (
    element_text,
    header_field,
    is_item_row,
    item_field,
    local_name,
    make_field,
    parse_invoice_root,
    parse_xml,
    xml_evidence,
)

MAX_MEMBERS = 10_000
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # across every part read; a real e-invoice is < 1 MB
A4_MM = (210.0, 297.0)  # GB/T 33190 default when neither page nor document gives a PhysicalBox
TAG_CONFIDENCE = 0.9  # tag values are page text objects: the field is certain, the text is as drawn
GLYPH_ASCENT, GLYPH_DESCENT = 0.88, 0.12  # fraction of the font size above / below the baseline

# OFD.xml CustomData names written by invoice platforms -> invoice fields.
CUSTOM_DATA_FIELDS: dict[str, str] = {
    "发票代码": "invoice_code",
    "发票号码": "invoice_number",
    "开票日期": "issue_date",
    "校验码": "check_code",
    "购买方名称": "buyer_name",
    "购买方纳税人识别号": "buyer_tax_id",
    "销售方名称": "seller_name",
    "销售方纳税人识别号": "seller_tax_id",
    "合计金额": "total_amount",  # excl. tax, despite the name
    "合计税额": "total_tax",
    "价税合计": "amount_with_tax",
}


# ---------------------------------------------------------------- archive


class _Archive:
    """Zip members by normalised name, read with a running cap on uncompressed bytes."""

    def __init__(self, data: bytes) -> None:
        try:
            self._zip = zipfile.ZipFile(BytesIO(data))
        except zipfile.BadZipFile as exc:
            raise UnreadableDocumentError(f"OFD is not a readable zip archive: {exc}", reason="corrupt_ofd") from exc
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise DocumentTooLargeError(f"OFD archive has {len(infos)} members (limit {MAX_MEMBERS})")
        self._names = {self._key(i.filename): i.filename for i in infos if not i.is_dir()}
        self._budget = MAX_UNCOMPRESSED_BYTES

    @staticmethod
    def _key(name: str) -> str:
        # Producers differ in case (TPLS/Tpls), slashes and a leading "/": match on a normal form.
        return posixpath.normpath(name.replace("\\", "/").lstrip("/")).lower()

    def find(self, path: str) -> str | None:
        return self._names.get(self._key(path))

    def names(self) -> list[str]:
        return list(self._names.values())

    def read(self, name: str) -> bytes:
        try:
            with self._zip.open(name) as member:
                data = member.read(self._budget + 1)
        except (zipfile.BadZipFile, RuntimeError, OSError, EOFError, NotImplementedError) as exc:
            raise UnreadableDocumentError(f"cannot read {name} from OFD: {exc}", reason="corrupt_ofd") from exc
        if len(data) > self._budget:
            raise DocumentTooLargeError(
                f"OFD expands beyond {MAX_UNCOMPRESSED_BYTES // 2**20} MB (at {name}); refused as a zip bomb"
            )
        self._budget -= len(data)
        return data

    def xml(self, name: str, *, recover: bool = False) -> etree._Element:
        return parse_xml(self.read(name), name, recover=recover)

    def resolve(self, base_file: str, loc: str) -> str | None:
        """Member named by `loc`: relative to `base_file`'s folder, or to the archive root."""
        loc = loc.strip().replace("\\", "/")
        if not loc:
            return None
        if loc.startswith("/"):
            return self.find(loc)
        return self.find(posixpath.join(posixpath.dirname(base_file), loc)) or self.find(loc)


# ---------------------------------------------------------------- helpers


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element if local_name(c) == name]


def _child(element: etree._Element, name: str) -> etree._Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _descendant(element: etree._Element, *path: str) -> etree._Element | None:
    node: etree._Element | None = element
    for name in path:
        node = _child(node, name) if node is not None else None
    return node


def _floats(text: str | None, count: int) -> list[float] | None:
    if not text:
        return None
    try:
        values = [float(v) for v in text.split()]
    except ValueError:
        return None
    return values if len(values) == count else None


def _deltas(text: str | None) -> list[float]:
    """DeltaX/DeltaY list; 'g N v' repeats v N times (GB/T 33190 §11.3)."""
    tokens = (text or "").split()
    values: list[float] = []
    index = 0
    try:
        while index < len(tokens):
            if tokens[index] == "g" and index + 2 < len(tokens):
                values.extend([float(tokens[index + 2])] * int(tokens[index + 1]))
                index += 3
            else:
                values.append(float(tokens[index]))
                index += 1
    except ValueError:
        return values
    return values


def _advance(char: str, size: float) -> float:
    """Default advance when DeltaX gives none: full width for CJK/full-width, half otherwise."""
    return size if unicodedata.east_asian_width(char) in {"W", "F"} else size / 2


def _is_garbled(text: str) -> bool:
    """Glyph-encoded text (private-use or control code points) cannot be read as characters."""
    bad = sum(1 for ch in text if unicodedata.category(ch) in {"Co", "Cc", "Cn", "Cs"})
    return bad > len(text) / 3


def _intersect(a: Box, b: Box) -> Box | None:
    box = Box(x0=max(a.x0, b.x0), y0=max(a.y0, b.y0), x1=min(a.x1, b.x1), y1=min(a.y1, b.y1))
    return box if box.x1 > box.x0 and box.y1 > box.y0 else None


# ---------------------------------------------------------------- page text


@dataclass
class _Glyph:
    char: str
    x: float
    y: float
    size: float


@dataclass
class _PageText:
    spans: list[TextSpan] = field(default_factory=list)
    by_object: dict[str, list[TextSpan]] = field(default_factory=dict)


def _glyphs(text_object: etree._Element, size: float) -> list[_Glyph]:
    """Glyph origins in the object's own space; a TextCode without X/Y continues the previous one."""
    glyphs: list[_Glyph] = []
    x = y = 0.0
    for code in _children(text_object, "textcode"):
        x = float(code.get("X", x))
        y = float(code.get("Y", y))
        delta_x, delta_y = _deltas(code.get("DeltaX")), _deltas(code.get("DeltaY"))
        for index, char in enumerate(code.text or ""):
            glyphs.append(_Glyph(char, x, y, size))
            x += delta_x[index] if index < len(delta_x) else _advance(char, size)
            y += delta_y[index] if index < len(delta_y) else 0.0
    return glyphs


def _lines(glyphs: list[_Glyph]) -> list[list[_Glyph]]:
    """Split at baseline changes (DeltaY), e.g. the four lines of a 密码区 in one object."""
    lines: list[list[_Glyph]] = []
    for glyph in glyphs:
        if lines and abs(lines[-1][-1].y - glyph.y) < 1e-6:
            lines[-1].append(glyph)
        else:
            lines.append([glyph])
    return lines


def _line_box(line: list[_Glyph], boundary: Box, ctm: list[float]) -> Box:
    a, b, c, d, e, f = ctm
    points = []
    for glyph in line:
        left, right = glyph.x, glyph.x + _advance(glyph.char, glyph.size)
        top, bottom = glyph.y - GLYPH_ASCENT * glyph.size, glyph.y + GLYPH_DESCENT * glyph.size
        for px, py in ((left, top), (right, top), (left, bottom), (right, bottom)):
            # CTM maps object space into the Boundary's space, whose origin is the Boundary corner.
            points.append((boundary.x0 + a * px + c * py + e, boundary.y0 + b * px + d * py + f))
    box = Box.from_points(points)
    # Boundary clips what the object draws (GB/T 33190 §8.1), so the text never lies outside it.
    return _intersect(box, boundary) or boundary


def _text_object_spans(
    text_object: etree._Element, page_no: int, page_box: Box, origin_shift: tuple[float, float]
) -> list[TextSpan]:
    bounds = _floats(text_object.get("Boundary"), 4)
    if bounds is None or text_object.get("Visible", "true").lower() == "false":
        return []
    x, y, w, h = bounds
    boundary = Box(
        x0=x - origin_shift[0], y0=y - origin_shift[1], x1=x + w - origin_shift[0], y1=y + h - origin_shift[1]
    )
    ctm = _floats(text_object.get("CTM"), 6) or [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    size = float(text_object.get("Size", "0") or 0) or h
    spans = []
    for line in _lines(_glyphs(text_object, size)):
        text = "".join(g.char for g in line).strip()
        box = _intersect(_line_box(line, boundary, ctm), page_box)
        if not text or box is None:
            continue  # drawn off the page: invisible on the printed invoice
        confidence = 0.0 if _is_garbled(text) else 1.0
        spans.append(TextSpan(text=text, page=page_no, box=box, confidence=confidence, origin=Origin.OFD))
    return spans


def _collect_text(
    content_root: etree._Element, page_no: int, page_box: Box, shift: tuple[float, float], out: _PageText
) -> None:
    for element in content_root.iter():
        if local_name(element) != "textobject" or any(local_name(a) == "clip" for a in element.iterancestors()):
            continue
        spans = _text_object_spans(element, page_no, page_box, shift)
        out.spans.extend(spans)
        if spans and (object_id := element.get("ID")):
            out.by_object[object_id] = spans


# ---------------------------------------------------------------- document structure


@dataclass
class _PageRef:
    page_id: str
    content: str  # archive member name


@dataclass
class _DocumentParts:
    document_path: str
    root: etree._Element
    pages: list[_PageRef]
    templates: dict[str, str]  # TemplatePage ID -> member name
    default_box: list[float] | None


def _document_parts(archive: _Archive) -> _DocumentParts:
    ofd_name = archive.find("OFD.xml")
    if ofd_name is None:
        raise UnreadableDocumentError("OFD without OFD.xml", reason="corrupt_ofd")
    ofd_root = archive.xml(ofd_name)
    doc_root_el = next((el for el in ofd_root.iter() if local_name(el) == "docroot"), None)
    doc_loc = element_text(doc_root_el) if doc_root_el is not None else ""
    document_path = archive.resolve(ofd_name, doc_loc) if doc_loc else None
    if document_path is None:
        raise UnreadableDocumentError(f"OFD.xml DocRoot {doc_loc!r} names no part of the archive", reason="corrupt_ofd")
    root = archive.xml(document_path)
    pages = []
    for page in (p for p in root.iter() if local_name(p) == "page" and local_name(p.getparent()) == "pages"):
        loc = page.get("BaseLoc", "")
        content = archive.resolve(document_path, loc)
        if content is None:
            raise UnreadableDocumentError(f"OFD page {loc!r} is missing from the archive", reason="corrupt_ofd")
        pages.append(_PageRef(page_id=page.get("ID", ""), content=content))
    templates = {}
    for template in (t for t in root.iter() if local_name(t) == "templatepage"):
        if (path := archive.resolve(document_path, template.get("BaseLoc", ""))) is not None:
            templates[template.get("ID", "")] = path
    box_el = _descendant(root, "commondata", "pagearea", "physicalbox")
    default_box = _floats(box_el.text if box_el is not None else None, 4)
    return _DocumentParts(document_path, root, pages, templates, default_box)


def _read_page(archive: _Archive, parts: _DocumentParts, page_no: int, ref: _PageRef) -> tuple[Page, _PageText]:
    page_root = archive.xml(ref.content)
    box_el = _descendant(page_root, "area", "physicalbox")
    physical = _floats(box_el.text if box_el is not None else None, 4) or parts.default_box
    x, y, width, height = physical or (0.0, 0.0, *A4_MM)
    page_box = Box(x0=0, y0=0, x1=width, y1=height)
    text = _PageText()
    layers = _template_roots(archive, parts, page_root)
    for template_root in layers["background"]:
        _collect_text(template_root, page_no, page_box, (x, y), text)
    content = _child(page_root, "content")
    if content is not None:
        _collect_text(content, page_no, page_box, (x, y), text)
    for template_root in layers["foreground"]:
        _collect_text(template_root, page_no, page_box, (x, y), text)
    page = Page(number=page_no, width=width, height=height, unit="mm", text_source=Origin.OFD, spans=text.spans)
    return page, text


def _template_roots(archive: _Archive, parts: _DocumentParts, page_root: etree._Element) -> dict[str, list]:
    layers: dict[str, list] = {"background": [], "foreground": []}
    for template in _children(page_root, "template"):
        path = parts.templates.get(template.get("TemplateID", ""))
        if path is None:
            continue
        order = "foreground" if template.get("ZOrder", "Background").lower() == "foreground" else "background"
        layers[order].append(archive.xml(path))
    return layers


# ---------------------------------------------------------------- embedded data


def _custom_data(archive: _Archive) -> EmbeddedData | None:
    ofd_root = archive.xml(archive.find("OFD.xml") or "OFD.xml")
    fields: dict[str, FieldValue] = {}
    for element in ofd_root.iter():
        if local_name(element) != "customdata":
            continue
        name = CUSTOM_DATA_FIELDS.get(re.sub(r"\s+", "", element.get("Name", "")))
        raw = element_text(element)
        if name and name not in fields and (value := make_field(name, raw, xml_evidence(raw))):
            fields[name] = value
    return EmbeddedData(origin=Origin.OFD, description="OFD.xml CustomData", fields=fields) if fields else None


def _listed_files(archive: _Archive, parts: _DocumentParts, index_name: str, entry_name: str) -> list[str]:
    """Members listed by Document.xml's Attachments / CustomTags index file (FileLoc entries)."""
    index_el = _child(parts.root, index_name)
    index_path = archive.resolve(parts.document_path, element_text(index_el)) if index_el is not None else None
    if index_path is None:
        return []
    files = []
    for entry in (e for e in archive.xml(index_path).iter() if local_name(e) == entry_name):
        loc_el = _child(entry, "fileloc")
        if loc_el is not None and (path := archive.resolve(index_path, element_text(loc_el))):
            files.append(path)
    return files


def _attachments(archive: _Archive, parts: _DocumentParts, doc: Document) -> list[EmbeddedData]:
    listed = _listed_files(archive, parts, "attachments", "attachment")
    # Some producers leave attachments unlisted; an XML under an Attachs folder is still read.
    unlisted = [n for n in archive.names() if posixpath.basename(posixpath.dirname(n)).lower() == "attachs"]
    found = []
    for path in dict.fromkeys(listed + unlisted):
        if not path.lower().endswith((".xml", ".xbrl")):
            continue
        try:
            embedded = parse_invoice_root(archive.xml(path), path)
        except UnreadableDocumentError as exc:
            doc.errors.append(ProcessingError(stage="read", reason="malformed_embedded_xml", message=str(exc)))
            continue
        if embedded is not None:
            found.append(embedded)
    return found


@dataclass
class _TagMap:
    """Field -> (page, box, text) of the text objects a custom tag file points at."""

    fields: dict[str, Evidence] = field(default_factory=dict)
    items: list[dict[str, Evidence]] = field(default_factory=list)


def _tag_evidence(
    refs: list[etree._Element], page_numbers: dict[str, int], texts: dict[int, _PageText]
) -> Evidence | None:
    spans: list[TextSpan] = []
    for ref in refs:
        page_no = page_numbers.get(ref.get("PageRef", ""))
        if page_no is not None:
            spans.extend(texts[page_no].by_object.get(element_text(ref), []))
    if not spans:
        return None  # object missing or drawn off the page
    page_no = spans[0].page
    on_page = [s for s in spans if s.page == page_no]
    box = on_page[0].box
    for span in on_page[1:]:
        box = box.union(span.box)
    text = "".join(s.text for s in on_page)
    return Evidence(page=page_no, box=box, origin=Origin.OFD, text=text, confidence=min(s.confidence for s in on_page))


def _tag_map(root: etree._Element, page_numbers: dict[str, int], texts: dict[int, _PageText]) -> _TagMap:
    tag_map = _TagMap()
    rows = [el for el in root.iter() if el is not root and isinstance(el.tag, str) and is_item_row(el)]
    row_index = {id(row): i for i, row in enumerate(rows)}
    top_level_counts: dict[str, int] = {}
    for element in root.iter():
        refs = [c for c in element if local_name(c) == "objectref"]
        if not refs:
            continue
        tag, parent = local_name(element), element.getparent()
        evidence = _tag_evidence(refs, page_numbers, texts)
        if header_field(tag) and evidence is not None:
            tag_map.fields.setdefault(header_field(tag) or "", evidence)
        elif (name := item_field(tag)) is not None:
            if parent is not None and id(parent) in row_index:
                index = row_index[id(parent)]
            else:  # fields straight under the root: the n-th <Item> belongs to the n-th line
                index = top_level_counts.get(name, 0)
                top_level_counts[name] = index + 1
            while len(tag_map.items) <= index:
                tag_map.items.append({})
            if evidence is not None:
                tag_map.items[index].setdefault(name, evidence)
    return tag_map


def _tag_files(
    archive: _Archive,
    parts: _DocumentParts,
    page_numbers: dict[str, int],
    texts: dict[int, _PageText],
    doc: Document,
) -> tuple[_TagMap, list[EmbeddedData]]:
    merged = _TagMap()
    embedded: list[EmbeddedData] = []
    for path in _listed_files(archive, parts, "customtags", "customtag"):
        try:
            root = archive.xml(path)
        except UnreadableDocumentError:
            # Real tag files are often not namespace-well-formed (`<:eInvoice xmlns:="">`, undeclared
            # `ofd:`); they only point at objects, so a recovering parse is safe here.
            try:
                root = archive.xml(path, recover=True)
            except UnreadableDocumentError as exc:
                doc.errors.append(ProcessingError(stage="read", reason="malformed_embedded_xml", message=str(exc)))
                continue
        tag_map = _tag_map(root, page_numbers, texts)
        if not tag_map.fields and not any(tag_map.items):
            if inline := parse_invoice_root(root, path):  # a tag file holding values, not references
                embedded.append(inline)
            continue
        for name, evidence in tag_map.fields.items():
            merged.fields.setdefault(name, evidence)
        if not merged.items:
            merged.items = tag_map.items
        if data := _tag_embedded(tag_map, path):
            embedded.append(data)
    return merged, embedded


def _tag_value(name: str, evidence: Evidence) -> FieldValue | None:
    value = make_field(name, evidence.text or "", [evidence], confidence=TAG_CONFIDENCE)
    return value if value is not None and value.value is not None else None


def _tag_embedded(tag_map: _TagMap, path: str) -> EmbeddedData | None:
    """The values the tagged text objects show, e.g. for a 数电票 OFD with no XML attachment."""
    fields = {name: v for name, ev in tag_map.fields.items() if (v := _tag_value(name, ev))}
    items = []
    for item_evidence in tag_map.items:
        item = {name: v for name, ev in item_evidence.items() if (v := _tag_value(name, ev))}
        if item:
            items.append(item)
    if not fields and not items:
        return None
    return EmbeddedData(origin=Origin.OFD, description=f"{path} (tagged text objects)", fields=fields, items=items)


def _attach_tag_evidence(embedded: EmbeddedData, tag_map: _TagMap) -> None:
    """Put the tagged object's page and box first in the evidence of values read from XML."""
    for name, value in embedded.fields.items():
        if name in tag_map.fields:
            value.evidence.insert(0, tag_map.fields[name])
    if len(tag_map.items) == len(embedded.items):
        for item, item_evidence in zip(embedded.items, tag_map.items, strict=True):
            for name, value in item.items():
                if name in item_evidence:
                    value.evidence.insert(0, item_evidence[name])


# ---------------------------------------------------------------- reader


def read(data: bytes, doc: Document, options: ReadOptions) -> None:
    """Fill `doc.pages` (spans in mm) and `doc.embedded` from OFD bytes."""
    archive = _Archive(data)
    parts = _document_parts(archive)
    if len(parts.pages) > options.max_pages:
        raise DocumentTooLargeError(f"OFD has {len(parts.pages)} pages (limit {options.max_pages})")
    texts: dict[int, _PageText] = {}
    page_numbers: dict[str, int] = {}
    for page_no, ref in enumerate(parts.pages, start=1):
        page, text = _read_page(archive, parts, page_no, ref)
        doc.pages.append(page)
        texts[page_no] = text
        page_numbers[ref.page_id] = page_no
        if page.spans and sum(s.confidence == 0.0 for s in page.spans) > len(page.spans) / 2:
            doc.errors.append(
                ProcessingError(
                    stage="read",
                    reason="ofd_glyph_encoded_text",
                    message=f"page {page_no}: text objects are glyph-encoded; only embedded data is usable",
                )
            )
    embedded = [e for e in [_custom_data(archive)] if e is not None]
    embedded.extend(_attachments(archive, parts, doc))
    tag_map, tag_embedded = _tag_files(archive, parts, page_numbers, texts, doc)
    for item in embedded:
        _attach_tag_evidence(item, tag_map)
    doc.embedded.extend(embedded + tag_embedded)


__all__ = ["CUSTOM_DATA_FIELDS", "read"]

"""CSV lead files: decoding, parsing and column mapping. Pure functions, no database.

`parse_csv` turns the uploaded bytes into a header row and value rows, `resolve_columns`
decides where each column goes (explicit mapping first, then header auto-mapping, the rest
to custom_fields), `row_fields` builds one prospect dict for validation.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

MAX_ROWS = 10_000
MAX_KEY_CHARS = 64
CUSTOM_PREFIX = "custom_fields."
FIELDS = (
    "email",
    "linkedin_url",
    "first_name",
    "last_name",
    "name",
    "company",
    "position",
    "headline",
)
# Header spellings, compared with case, spaces, underscores and punctuation removed.
ALIASES: dict[str, str] = {
    **dict.fromkeys(("email", "emailaddress", "mail", "workemail", "businessemail"), "email"),
    **dict.fromkeys(("firstname", "first", "givenname"), "first_name"),
    **dict.fromkeys(("lastname", "last", "surname", "familyname"), "last_name"),
    **dict.fromkeys(("name", "fullname", "contactname"), "name"),
    **dict.fromkeys(
        ("company", "companyname", "organization", "organisation", "employer"), "company"
    ),
    **dict.fromkeys(("title", "jobtitle", "position", "role"), "position"),
    "headline": "headline",
    **dict.fromkeys(
        ("linkedin", "linkedinurl", "linkedinprofile", "linkedinprofileurl", "profileurl"),
        "linkedin_url",
    ),
}
DELIMITERS = (",", ";", "\t")


class CsvError(ValueError):
    """The file as a whole is unusable (a 400), as opposed to one bad row."""


@dataclass(frozen=True)
class CsvTable:
    headers: list[str]
    rows: list[list[str]]
    lines: list[int]  # the file line each row starts on (quoted newlines span several)

    @property
    def header_list(self) -> str:
        return ", ".join(h for h in self.headers if h) or "no headers"


@dataclass(frozen=True)
class Column:
    """Where one CSV column goes: a prospect field, a custom field, or nowhere."""

    field: str | None = None
    custom_key: str | None = None


def squash(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def auto_field(header: str) -> str | None:
    return ALIASES.get(squash(header))


def normalise_key(header: str) -> str:
    """custom_fields key: accents folded, lower-case, spaces to `_`, other
    non-alphanumerics dropped, at most 64 characters (so it works as a merge field)."""
    ascii_text = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode()
    key = re.sub(r"\s+", "_", ascii_text.strip().lower())
    return re.sub(r"[^a-z0-9_]", "", key)[:MAX_KEY_CHARS]


def decode(data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        raise CsvError("The file looks like an Excel workbook; export it as CSV (UTF-8)")
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvError("The file is not UTF-8 text; save it as CSV (UTF-8)") from None
    if "\x00" in text:
        raise CsvError("The file is not a CSV text file")
    return text


def sniff_delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties keep the comma (listed first)
    return best if counts[best] else ","


def parse_csv(data: bytes, *, max_rows: int = MAX_ROWS) -> CsvTable:
    """Header + non-blank rows. Handles a UTF-8 BOM, CRLF and quoted newlines."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    records: list[tuple[int, list[str]]] = []
    try:
        while True:
            start = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                break
            if any(v.strip() for v in record):
                records.append((start, record))
    except csv.Error as exc:
        raise CsvError(f"The file is not valid CSV: {exc}") from None
    if not records:
        raise CsvError("The CSV file is empty")
    headers, rows = [h.strip() for h in records[0][1]], records[1:]
    if len(rows) > max_rows:
        raise CsvError(
            f"The CSV has {len(rows)} rows; the limit is {max_rows} per file, split it up"
        )
    return CsvTable(headers=headers, rows=[r for _, r in rows], lines=[line for line, _ in rows])


def parse_mapping(text: str | None) -> dict[str, str | None] | None:
    """The `mapping` form field: a JSON object of CSV header -> target (null to skip)."""
    if text is None or not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise CsvError("mapping: not valid JSON") from None
    if not isinstance(value, dict) or not all(
        isinstance(v, str) or v is None for v in value.values()
    ):
        raise CsvError("mapping: must be an object of CSV header -> field name (or null)")
    return value


def target_column(header: str, target: str | None) -> Column:
    if not target:
        return Column()
    if target == "full_name":
        return Column(field="name")
    if target in FIELDS:
        return Column(field=target)
    key = target.removeprefix(CUSTOM_PREFIX)
    if target.startswith(CUSTOM_PREFIX) and 0 < len(key) <= MAX_KEY_CHARS:
        return Column(custom_key=key)
    allowed = ", ".join(FIELDS)
    raise CsvError(
        f"mapping: {target!r} (for column {header!r}) is not one of {allowed} "
        f"or custom_fields.<key>"
    )


def _explicit(headers: list[str], mapping: dict[str, str | None]) -> dict[int, Column]:
    by_name = {h: i for i, h in reversed(list(enumerate(headers)))}
    by_squash = {squash(h): i for i, h in reversed(list(enumerate(headers)))}
    chosen: dict[int, Column] = {}
    for header, target in mapping.items():
        index = by_name.get(header.strip(), by_squash.get(squash(header)))
        if index is None:
            raise CsvError(f"mapping: column {header!r} is not in the file")
        chosen[index] = target_column(header, target)
    return chosen


def resolve_columns(
    headers: list[str], mapping: dict[str, str | None] | None = None
) -> list[Column]:
    """One Column per header: the explicit mapping wins, then the auto-mapping (each field
    taken once, first column first), then custom_fields under the normalised header."""
    chosen = _explicit(headers, mapping or {})
    taken = {c.field for c in chosen.values() if c.field}
    columns = []
    for index, header in enumerate(headers):
        column = chosen.get(index)
        if column is None:
            field = auto_field(header)
            if field and field not in taken:
                taken.add(field)
                column = Column(field=field)
            else:
                column = Column(custom_key=normalise_key(header) or None)
        columns.append(column)
    return columns


def row_fields(columns: list[Column], values: list[str]) -> dict[str, Any]:
    """The prospect fields of one row; empty values are omitted, extra values ignored."""
    fields: dict[str, Any] = {}
    custom: dict[str, str] = {}
    for column, raw in zip(columns, values, strict=False):
        value = raw.replace("\r\n", "\n").strip()
        if not value:
            continue
        if column.field:
            fields.setdefault(column.field, value)
        elif column.custom_key:
            custom.setdefault(column.custom_key, value)
    fields["custom_fields"] = custom
    return _split_full_name(fields)


def _split_full_name(fields: dict[str, Any]) -> dict[str, Any]:
    """A "Full Name" column alone fills first and last names ("Ada King Lovelace": first
    "Ada", last "King Lovelace"); given first/last names are never overwritten."""
    full = fields.get("name")
    if not full or fields.get("first_name") or fields.get("last_name"):
        return fields
    first, _, last = str(full).partition(" ")
    fields["first_name"] = first
    if last.strip():
        fields["last_name"] = last.strip()
    return fields

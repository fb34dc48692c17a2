"""CSV parsing and column mapping, without a database."""

from __future__ import annotations

import pytest

from coldcraft.prospects.csv_import import (
    Column,
    CsvError,
    auto_field,
    normalise_key,
    parse_csv,
    parse_mapping,
    resolve_columns,
    row_fields,
)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Email", "email"),
        ("E-mail", "email"),
        ("Email Address", "email"),
        ("First Name", "first_name"),
        ("first_name", "first_name"),
        ("FirstName", "first_name"),
        ("Last Name", "last_name"),
        ("Full Name", "name"),
        ("Name", "name"),
        ("Company", "company"),
        ("Company Name", "company"),
        ("Organization", "company"),
        ("Title", "position"),
        ("Job Title", "position"),
        ("Position", "position"),
        ("Role", "position"),
        ("Headline", "headline"),
        ("LinkedIn", "linkedin_url"),
        ("LinkedIn URL", "linkedin_url"),
        ("Profile URL", "linkedin_url"),
        ("  linkedin_url ", "linkedin_url"),
    ],
)
def test_headers_auto_map_ignoring_case_spaces_and_underscores(header: str, field: str) -> None:
    assert auto_field(header) == field


def test_unknown_header_does_not_auto_map() -> None:
    assert auto_field("Company Size") is None


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Company Size", "company_size"),
        ("Deal Stage (CRM)", "deal_stage_crm"),
        ("Phone-Number", "phonenumber"),
        ("  Région ", "region"),
        ("already_snake", "already_snake"),
        ("!!!", ""),
        ("x" * 80, "x" * 64),
    ],
)
def test_custom_field_keys_are_normalised(header: str, key: str) -> None:
    assert normalise_key(header) == key


def test_parse_handles_bom_crlf_and_quoted_newlines() -> None:
    data = (
        b'\xef\xbb\xbfEmail,Note\r\na@example.com,"line one\r\nline two"\r\nb@example.com,plain\r\n'
    )
    table = parse_csv(data)
    assert table.headers == ["Email", "Note"]
    assert table.rows == [["a@example.com", "line one\r\nline two"], ["b@example.com", "plain"]]
    columns = resolve_columns(table.headers)
    assert row_fields(columns, table.rows[0])["custom_fields"] == {"note": "line one\nline two"}


def test_parse_skips_blank_lines() -> None:
    table = parse_csv(b"Email\n\na@example.com\n,\n\n")
    assert table.rows == [["a@example.com"]]


def test_semicolon_and_tab_delimiters_are_detected() -> None:
    assert parse_csv(b"Email;Company\na@x.io;Acme, Inc\n").rows == [["a@x.io", "Acme, Inc"]]
    assert parse_csv(b"Email\tCompany\na@x.io\tAcme\n").rows == [["a@x.io", "Acme"]]


def test_utf16_with_bom_is_decoded() -> None:
    table = parse_csv("Email,Name\na@x.io,Zoë\n".encode("utf-16"))
    assert table.rows == [["a@x.io", "Zoë"]]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (b"Email\n\xff\xfe\xfa broken\n", "not UTF-8"),
        (b"PK\x03\x04\x14\x00binary", "Excel"),
        (b"Email\x00\x00\n", "not a CSV"),
    ],
)
def test_unusable_files_raise(data: bytes, message: str) -> None:
    with pytest.raises(CsvError, match=message):
        parse_csv(data)


def test_row_cap_is_enforced_and_named() -> None:
    data = b"Email\n" + b"".join(f"u{i}@x.io\n".encode() for i in range(4))
    assert len(parse_csv(data, max_rows=4).rows) == 4
    with pytest.raises(CsvError, match="limit is 3"):
        parse_csv(data, max_rows=3)


def test_unmapped_columns_go_to_custom_fields_and_empty_values_are_omitted() -> None:
    headers = ["E-mail", "First Name", "Company Size", "", "Notes!"]
    columns = resolve_columns(headers)
    assert columns == [
        Column(field="email"),
        Column(field="first_name"),
        Column(custom_key="company_size"),
        Column(),
        Column(custom_key="notes"),
    ]
    fields = row_fields(columns, [" a@x.io ", "Ann", "", "dropped", "hi", "extra"])
    assert fields == {"email": "a@x.io", "first_name": "Ann", "custom_fields": {"notes": "hi"}}


def test_a_field_is_auto_mapped_once_and_later_columns_become_custom() -> None:
    columns = resolve_columns(["Email", "E-mail"])
    assert columns == [Column(field="email"), Column(custom_key="email")]


def test_explicit_mapping_wins_over_auto_mapping() -> None:
    mapping = {
        "Work": "email",
        "Email": None,
        "Seniority": "custom_fields.Level",
        "Who": "full_name",
    }
    columns = resolve_columns(["Email", "Work", "Seniority", "Who", "Title"], mapping)
    assert columns == [
        Column(),
        Column(field="email"),
        Column(custom_key="Level"),
        Column(field="name"),
        Column(field="position"),
    ]


def test_mapping_keys_match_headers_loosely() -> None:
    assert resolve_columns(["Work Email"], {"work_email": "email"}) == [Column(field="email")]


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"Missing": "email"}, "not in the file"),
        ({"Email": "phone"}, "not one of"),
        ({"Email": "custom_fields."}, "not one of"),
    ],
)
def test_bad_mappings_raise(mapping: dict[str, str | None], message: str) -> None:
    with pytest.raises(CsvError, match=message):
        resolve_columns(["Email"], mapping)


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"Email": 3}'])
def test_mapping_form_field_must_be_an_object_of_strings(text: str) -> None:
    with pytest.raises(CsvError, match="mapping"):
        parse_mapping(text)


def test_blank_mapping_form_field_means_no_mapping() -> None:
    assert parse_mapping(None) is None
    assert parse_mapping("  ") is None
    assert parse_mapping('{"A": null}') == {"A": None}

"""POST /api/campaigns/{id}/leads/import-csv."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.fixtures.prospects import add_leads, create_campaign, lead, list_leads


async def upload(
    api: httpx.AsyncClient, campaign_id: str, data: bytes, mapping: Any = None
) -> httpx.Response:
    files = {"file": ("leads.csv", data, "text/csv")}
    form = None if mapping is None else {"mapping": json.dumps(mapping)}
    return await api.post(f"/api/campaigns/{campaign_id}/leads/import-csv", files=files, data=form)


async def test_headers_are_auto_mapped_and_the_rest_become_custom_fields(
    api: httpx.AsyncClient,
) -> None:
    campaign_id = await create_campaign(api)
    data = (
        "E-mail,First Name,last_name,Company Name,Job Title,LinkedIn URL,Company Size,Région\n"
        "Ann@Example.com,Ann,Lee,Acme,CTO,https://linkedin.com/in/ann/,50-200,EMEA\n"
    ).encode()
    response = await upload(api, campaign_id, data)
    assert response.json() == {"imported": 1, "duplicates": 0, "invalid": 0, "skipped": []}
    (prospect,) = (await list_leads(api, campaign_id))["prospects"]
    assert prospect["email"] == "ann@example.com"
    assert (prospect["first_name"], prospect["last_name"], prospect["name"]) == (
        "Ann",
        "Lee",
        "Ann Lee",
    )
    assert (prospect["company"], prospect["position"]) == ("Acme", "CTO")
    assert prospect["linkedin_url"] == "https://linkedin.com/in/ann"
    assert prospect["custom_fields"] == {"company_size": "50-200", "region": "EMEA"}
    assert prospect["source"] == "csv"


async def test_bad_rows_are_counted_as_invalid_and_the_rest_imported(
    api: httpx.AsyncClient,
) -> None:
    campaign_id = await create_campaign(api)
    await add_leads(api, campaign_id, [lead(1)])
    data = (
        "Email,First Name,Notes\n"
        "lead1@example.com,Existing,\n"  # duplicate of a stored lead
        "new@example.com,New,\n"
        "NEW@example.com,Again,\n"  # duplicate within the file
        ",No Email,\n"
        "not-an-email,Bad,\n"
        f"long@example.com,{'x' * 201},\n"  # first name over 200 chars
        f"note@example.com,Note,{'n' * 1001}\n"  # custom value over 1000 chars
    ).encode()
    response = await upload(api, campaign_id, data)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["imported"], answer["duplicates"], answer["invalid"]) == (1, 2, 4)
    assert [row["line"] for row in answer["skipped"]] == [5, 6, 7, 8]  # the header is line 1
    reasons = [row["reason"] for row in answer["skipped"]]
    assert all(reasons), answer["skipped"]
    assert "first_name" in reasons[2]  # over 200 characters
    assert (await list_leads(api, campaign_id))["total"] == 2


async def test_utf8_bom_crlf_and_quoted_newlines_are_handled(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api)
    data = (
        "\ufeffEmail,Company,Notes\r\n"
        'zoe@example.com,"Zoë & Co, Ltd","met at\r\nthe fair"\r\n'
        "\r\n"
        "max@example.com,Max GmbH,\r\n"
    ).encode()
    assert (await upload(api, campaign_id, data)).json() == {
        "imported": 2,
        "duplicates": 0,
        "invalid": 0,
        "skipped": [],
    }
    first, second = (await list_leads(api, campaign_id))["prospects"]
    assert first["email"] == "zoe@example.com"  # no BOM glued to the header
    assert first["company"] == "Zoë & Co, Ltd"
    assert first["custom_fields"] == {"notes": "met at\nthe fair"}
    assert second["custom_fields"] == {}


async def test_mapping_form_field_overrides_auto_mapping(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api)
    data = b"Email,Work Address,Level\nold@example.com,work@example.com,VP\n"
    mapping = {"Work Address": "email", "Email": None, "Level": "custom_fields.seniority"}
    response = await upload(api, campaign_id, data, mapping)
    assert response.json()["imported"] == 1
    (prospect,) = (await list_leads(api, campaign_id))["prospects"]
    assert prospect["email"] == "work@example.com"
    assert prospect["custom_fields"] == {"seniority": "VP"}


async def test_linkedin_campaign_imports_by_profile_url(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api, type="linkedin")
    data = (
        b"Name,Profile URL\n"
        b"Jane Doe,https://www.linkedin.com/in/jane/?utm=1\n"
        b"Jane Again,linkedin.com/in/JANE\n"
        b"Nobody,\n"
    )
    answer = (await upload(api, campaign_id, data)).json()
    assert (answer["imported"], answer["duplicates"], answer["invalid"]) == (1, 1, 1)
    assert [row["line"] for row in answer["skipped"]] == [4]
    (prospect,) = (await list_leads(api, campaign_id))["prospects"]
    assert (prospect["name"], prospect["linkedin_url"]) == (
        "Jane Doe",
        "https://www.linkedin.com/in/jane",
    )
    assert (prospect["first_name"], prospect["last_name"]) == ("Jane", "Doe")  # a Full Name


@pytest.mark.parametrize(
    ("data", "mapping", "message"),
    [
        (b"Name,Company\nAnn,Acme\n", None, "no email column"),
        (b"", None, "empty"),
        ("Email\nzoë@x.io\n".encode("latin-1"), None, "not UTF-8"),
        (b"PK\x03\x04\x14\x00\x06\x00", None, "Excel"),
        (b"Email\na@x.io\n", {"Nope": "email"}, "not in the file"),
        (b"Email\na@x.io\n", {"Email": "phone"}, "not one of"),
        (b"Email\na@x.io\n", "not json", "mapping"),
    ],
)
async def test_unusable_files_and_mappings_are_400(
    api: httpx.AsyncClient, data: bytes, mapping: Any, message: str
) -> None:
    campaign_id = await create_campaign(api)
    files = {"file": ("leads.csv", data, "text/csv")}
    form = None
    if mapping is not None:
        form = {"mapping": mapping if isinstance(mapping, str) else json.dumps(mapping)}
    url = f"/api/campaigns/{campaign_id}/leads/import-csv"
    response = await api.post(url, files=files, data=form)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert (await list_leads(api, campaign_id))["total"] == 0


async def test_more_than_10000_rows_is_400_and_says_so(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api)
    data = b"Email\n" + b"".join(b"u%d@x.io\n" % i for i in range(10_001))
    response = await upload(api, campaign_id, data)
    assert response.status_code == 400
    assert "limit is 10000" in response.json()["error"]["message"]


async def test_10000_rows_import_in_one_call(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api)
    data = b"Email,First Name\n" + b"".join(b"u%d@x.io,U%d\n" % (i, i) for i in range(10_000))
    response = await upload(api, campaign_id, data)
    assert response.json() == {"imported": 10_000, "duplicates": 0, "invalid": 0, "skipped": []}


async def test_missing_file_is_400(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api)
    response = await api.post(f"/api/campaigns/{campaign_id}/leads/import-csv", data={"x": "1"})
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "file"


async def test_a_file_over_the_body_limit_is_413(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api)
    data = b"Email,Notes\n" + b"a@x.io," + b"n" * (2 * 1024 * 1024) + b"\n"
    response = await upload(api, campaign_id, data)
    assert response.status_code == 413

"""`coldcraft leads`: add (JSON/CSV), list, update, delete, import."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Invoke, new_campaign, ok_json

LEADS = [
    {"email": "ada@example.com", "first_name": "Ada", "company": "AE"},
    {"email": "alan@example.com", "first_name": "Alan", "company": "Bletchley"},
]


async def _campaign_with_leads(cli: Invoke) -> str:
    campaign_id: str = (await new_campaign(cli))["id"]
    ok_json(await cli("leads", "add", campaign_id, "--json", json.dumps(LEADS)))
    return campaign_id


async def test_add_inline_json_counts_imported_and_duplicates(cli: Invoke) -> None:
    campaign_id = (await new_campaign(cli))["id"]
    first = ok_json(await cli("leads", "add", campaign_id, "--json", json.dumps(LEADS)))
    assert first == {"imported": 2, "duplicates": 0}
    again = ok_json(await cli("leads", "add", campaign_id, "--json", json.dumps(LEADS[:1])))
    assert again == {"imported": 0, "duplicates": 1}


async def test_add_from_a_json_file_with_a_prospects_key(cli: Invoke, tmp_path: Path) -> None:
    campaign_id = (await new_campaign(cli))["id"]
    path = tmp_path / "leads.json"
    path.write_text(json.dumps({"prospects": LEADS}))
    assert ok_json(await cli("leads", "add", campaign_id, "--file", str(path)))["imported"] == 2


async def test_add_from_a_csv_file_maps_headers(cli: Invoke, tmp_path: Path) -> None:
    campaign_id = (await new_campaign(cli))["id"]
    path = tmp_path / "leads.csv"
    path.write_text("Email,First Name,Title,Favourite Tool\nada@example.com,Ada,CTO,Loom\n")
    assert ok_json(await cli("leads", "add", campaign_id, "--file", str(path)))["imported"] == 1
    [prospect] = ok_json(await cli("leads", "list", campaign_id))["prospects"]
    assert (prospect["first_name"], prospect["position"]) == ("Ada", "CTO")
    assert prospect["custom_fields"] == {"favourite_tool": "Loom"}


async def test_add_a_lead_without_identity_names_its_index(cli: Invoke) -> None:
    campaign_id = (await new_campaign(cli))["id"]
    bad = json.dumps([LEADS[0], {"first_name": "Nobody"}])
    result = await cli("leads", "add", campaign_id, "--json", bad, "--format", "table")
    assert result.exit_code == 1
    assert "prospects[1]" in result.stderr


async def test_list_pages_and_filters_by_status(cli: Invoke) -> None:
    campaign_id = await _campaign_with_leads(cli)
    page = ok_json(await cli("leads", "list", campaign_id, "--limit", "1", "--page", "2"))
    assert (page["total"], page["page"], page["limit"]) == (2, 2, 1)
    assert len(page["prospects"]) == 1
    none = ok_json(await cli("leads", "list", campaign_id, "--status", "sent"))
    assert none["prospects"] == []
    table = await cli("leads", "list", campaign_id, "--format", "table")
    assert "prospects (2)" in table.stdout
    assert "alan@example.com" in table.stdout


async def test_update_merges_options_and_json(cli: Invoke) -> None:
    campaign_id = await _campaign_with_leads(cli)
    prospect = ok_json(await cli("leads", "list", campaign_id))["prospects"][0]
    updated = ok_json(
        await cli(
            "leads", "update", campaign_id, prospect["id"], "--company", "Analytical",
            "--json", '{"headline": "Countess"}',
        )
    )["prospect"]  # fmt: skip
    assert (updated["company"], updated["headline"]) == ("Analytical", "Countess")


async def test_delete_by_ids_then_all(cli: Invoke) -> None:
    campaign_id = await _campaign_with_leads(cli)
    first = ok_json(await cli("leads", "list", campaign_id))["prospects"][0]
    assert ok_json(await cli("leads", "delete", campaign_id, "--ids", first["id"])) == {
        "deleted": 1
    }
    assert ok_json(await cli("leads", "delete", campaign_id, "--all")) == {"deleted": 1}
    assert ok_json(await cli("leads", "list", campaign_id))["total"] == 0


async def test_delete_needs_exactly_one_of_ids_or_all(cli: Invoke) -> None:
    campaign_id = (await new_campaign(cli))["id"]
    assert (await cli("leads", "delete", campaign_id)).exit_code == 2
    both = await cli("leads", "delete", campaign_id, "--all", "--ids", campaign_id)
    assert both.exit_code == 2


async def test_import_csv_with_a_mapping(cli: Invoke, tmp_path: Path) -> None:
    campaign_id = (await new_campaign(cli))["id"]
    path = tmp_path / "export.csv"
    path.write_text("Mail,Given,Org\nada@example.com,Ada,AE\nnot-an-email-row,,\n")
    mapping = json.dumps({"Mail": "email", "Given": "first_name", "Org": "company"})
    result = ok_json(await cli("leads", "import", campaign_id, str(path), "--mapping", mapping))
    assert result["imported"] == 1
    assert result["imported"] + result["duplicates"] + result["invalid"] == 2
    [prospect] = ok_json(await cli("leads", "list", campaign_id))["prospects"]
    assert (prospect["email"], prospect["first_name"]) == ("ada@example.com", "Ada")


async def test_import_rejects_a_malformed_mapping_before_uploading(
    cli: Invoke, tmp_path: Path
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Email\na@example.com\n")
    result = await cli("leads", "import", "00000000-0000-4000-8000-000000000000", str(path),
                       "--mapping", "{bad")  # fmt: skip
    assert result.exit_code == 2


async def test_a_csv_goes_through_the_servers_mapper_and_reports_skipped_rows(
    cli: Invoke, tmp_path: Path
) -> None:
    campaign_id = (await new_campaign(cli))["id"]
    path = tmp_path / "leads.csv"
    path.write_text("Full Name,E-mail\nAda King Lovelace,ada@example.com\nNo Email,\n")
    result = ok_json(await cli("leads", "add", campaign_id, "--file", str(path)))
    assert (result["imported"], result["invalid"]) == (1, 1)
    assert [row["line"] for row in result["skipped"]] == [3]
    [prospect] = ok_json(await cli("leads", "list", campaign_id))["prospects"]
    assert (prospect["first_name"], prospect["last_name"]) == ("Ada", "King Lovelace")

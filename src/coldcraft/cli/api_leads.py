"""`coldcraft leads`: a campaign's prospects (add JSON/CSV, list, update, delete, import)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from coldcraft.cli.api_base import (
    FormatOpt,
    client,
    command,
    compact,
    group,
    json_object,
    parse_json,
    read_text,
    split_ids,
)
from coldcraft.cli.client import ApiClient
from coldcraft.cli.output import Format, emit

app = group("Prospects (leads) of a campaign.")

CampaignArg = Annotated[str, typer.Argument(help="Campaign id.")]
BATCH = 1000  # the API's limit per add-leads call


def is_csv(file: Path | None) -> bool:
    return file is not None and file.suffix.lower() == ".csv"


def load_prospects(file: Path | None, inline: str | None) -> list[Any]:
    if (file is None) == (inline is None):
        raise typer.BadParameter("give the leads with exactly one of --file or --json")
    text = read_text(file) if file is not None else inline or ""
    value = parse_json(text, source=str(file) if file else "--json")
    if isinstance(value, dict) and isinstance(value.get("prospects"), list):
        value = value["prospects"]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not value:
        raise typer.BadParameter("the leads must be a non-empty JSON list of prospect objects")
    return value


def add_in_batches(api: ApiClient, campaign_id: str, prospects: list[Any]) -> dict[str, int]:
    """POST in batches of 1000 and add the counts up."""
    totals = {"imported": 0, "duplicates": 0}
    for start in range(0, len(prospects), BATCH):
        batch = prospects[start : start + BATCH]
        result = api.post(f"/api/campaigns/{campaign_id}/leads", {"prospects": batch})
        for key in totals:
            totals[key] += int(result.get(key, 0))
    return totals


@command(app, "add")
def add_leads(
    ctx: typer.Context,
    campaign_id: CampaignArg,
    file: Annotated[
        Path | None,
        typer.Option("--file", help="JSON list (or {prospects: [...]}) or a .csv file."),
    ] = None,
    inline: Annotated[
        str | None, typer.Option("--json", help="Prospects as inline JSON (list or object).")
    ] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Add prospects (deduplicated by email or LinkedIn URL). A .csv file goes through the
    server's column mapper (as `leads import`: bad rows are skipped and listed with their
    line); JSON is sent in batches of 1000."""
    if file is not None and is_csv(file):
        if inline is not None:
            raise typer.BadParameter("give the leads with exactly one of --file or --json")
        with client(ctx) as api:
            emit(upload_csv(api, campaign_id, file, mapping=None), fmt)
        return
    prospects = load_prospects(file, inline)
    with client(ctx) as api:
        emit(add_in_batches(api, campaign_id, prospects), fmt)


@command(app, "list")
def list_leads(
    ctx: typer.Context,
    campaign_id: CampaignArg,
    page: Annotated[int, typer.Option("--page", help="Page number, from 1.")] = 1,
    limit: Annotated[int, typer.Option("--limit", help="Page size (at most 200).")] = 100,
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """List a page of a campaign's prospects."""
    params = {"page": page, "limit": limit, "status": status}
    with client(ctx) as api:
        emit(api.get(f"/api/campaigns/{campaign_id}/leads", params=params), fmt)


@command(app, "update")
def update_lead(
    ctx: typer.Context,
    campaign_id: CampaignArg,
    prospect_id: Annotated[str, typer.Argument(help="Prospect id.")],
    inline: Annotated[str | None, typer.Option("--json", help="Updates as a JSON object.")] = None,
    email: Annotated[str | None, typer.Option("--email")] = None,
    first_name: Annotated[str | None, typer.Option("--first-name")] = None,
    last_name: Annotated[str | None, typer.Option("--last-name")] = None,
    company: Annotated[str | None, typer.Option("--company")] = None,
    position: Annotated[str | None, typer.Option("--position")] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Update one prospect's fields (options and --json are merged)."""
    updates = json_object(inline, source="--json") or {}
    options = {"email": email, "first_name": first_name, "last_name": last_name}
    updates.update(compact({**options, "company": company, "position": position}))
    if not updates:
        raise typer.BadParameter("nothing to update: give --json or a field option")
    body = {"prospect_id": prospect_id, "updates": updates}
    with client(ctx) as api:
        emit(api.patch(f"/api/campaigns/{campaign_id}/leads", body), fmt)


@command(app, "delete")
def delete_leads(
    ctx: typer.Context,
    campaign_id: CampaignArg,
    ids: Annotated[
        list[str] | None,
        typer.Option("--ids", "--id", help="Prospect ids (repeat, or comma-separated)."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Delete every prospect.")] = False,
    fmt: FormatOpt = Format.json,
) -> None:
    """Delete some prospects (--ids) or all of them (--all)."""
    prospect_ids = split_ids(ids)
    if bool(prospect_ids) == all_:
        raise typer.BadParameter("give exactly one of --ids or --all")
    body: dict[str, Any] = {"all": True} if all_ else {"prospect_ids": prospect_ids}
    with client(ctx) as api:
        emit(api.delete(f"/api/campaigns/{campaign_id}/leads", body), fmt)


@command(app, "import")
def import_leads(
    ctx: typer.Context,
    campaign_id: CampaignArg,
    file: Annotated[Path, typer.Argument(help="CSV file (columns auto-mapped by header).")],
    mapping: Annotated[
        str | None,
        typer.Option("--mapping", help='Column mapping JSON, e.g. \'{"E-mail": "email"}\'.'),
    ] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Upload a CSV; bad rows are skipped, listed with their line and reason, and never
    abort the file."""
    json_object(mapping, source="--mapping")  # fail early on a typo, before uploading
    with client(ctx) as api:
        emit(upload_csv(api, campaign_id, file, mapping=mapping), fmt)


def upload_csv(api: ApiClient, campaign_id: str, file: Path, *, mapping: str | None) -> Any:
    """The server's import: one column mapper for the CLI and the API."""
    content = read_text(file).encode()
    files = {"file": (file.name if str(file) != "-" else "leads.csv", content, "text/csv")}
    data = {"mapping": mapping} if mapping else None
    path = f"/api/campaigns/{campaign_id}/leads/import-csv"
    return api.upload(path, files=files, data=data, timeout=120.0)

"""`coldcraft lint`: judge a skeleton and render it for a lead (no LLM call)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from coldcraft.cli.api_base import (
    EXIT_API_ERROR,
    ApiKeyOpt,
    ApiUrlOpt,
    FormatOpt,
    handles_errors,
    json_object,
    skeleton_file,
)
from coldcraft.cli.client import DEFAULT_API_URL, ApiClient
from coldcraft.cli.output import Format, emit


@handles_errors
def lint(
    file: Annotated[Path, typer.Argument(help="Skeleton JSON file ('-' = stdin).")],
    lead: Annotated[
        str | None, typer.Option("--lead", help="A sample lead (JSON object) to render with.")
    ] = None,
    api_url: ApiUrlOpt = DEFAULT_API_URL,
    api_key: ApiKeyOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Run the quality gate on a skeleton; exit 1 when it does not pass."""
    body: dict[str, Any] = {"skeleton": skeleton_file(file)}
    sample = json_object(lead, source="--lead")
    if sample is not None:
        body["sample_lead"] = sample
    with ApiClient(api_url, api_key) as api:
        result = api.post("/api/skeletons/lint", body)
    emit(result, fmt)
    if not result.get("passed"):
        raise typer.Exit(EXIT_API_ERROR)

"""`coldcraft campaigns`: create, inspect, edit, launch, pause, resume, delete."""

from __future__ import annotations

from typing import Annotated

import typer

from coldcraft.cli.api_base import FormatOpt, client, command, compact, group, split_ids
from coldcraft.cli.output import Format, emit

app = group("Campaigns (email or LinkedIn) and their lifecycle.")

CampaignArg = Annotated[str, typer.Argument(help="Campaign id.")]
SenderOpt = Annotated[
    list[str] | None,
    typer.Option("--sender", help="Sender account id (repeat, or comma-separated)."),
]
SignatureOpt = Annotated[str | None, typer.Option("--signature", help="Campaign signature.")]
DailyLimitOpt = Annotated[int | None, typer.Option("--daily-limit", help="Sends per day.")]
ReviewPolicyOpt = Annotated[
    str | None,
    typer.Option(
        "--review-policy",
        help="What a person must review before launch: none | flagged (default) | all.",
    ),
]
ResearchOpt = Annotated[
    bool | None,
    typer.Option(
        "--research/--no-research",
        help="Research each prospect's company site before writing AI drafts "
        "(docs/research.md). Off by default.",
    ),
]


@command(app, "create")
def create_campaign(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Campaign name (unique per account).")],
    type_: Annotated[str, typer.Option("--type", help="email | linkedin.")] = "email",
    sender: SenderOpt = None,
    signature: SignatureOpt = None,
    daily_limit: DailyLimitOpt = None,
    review_policy: ReviewPolicyOpt = None,
    research: ResearchOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Create a draft campaign with its seeded sequence."""
    body = compact(
        {
            "type": type_,
            "name": name,
            "sender_account_ids": split_ids(sender) if sender else None,
            "signature": signature,
            "daily_limit": daily_limit,
            "review_policy": review_policy,
            "research": research,
        }
    )
    with client(ctx) as api:
        emit(api.post("/api/campaigns", body), fmt)


@command(app, "list")
def list_campaigns(ctx: typer.Context, fmt: FormatOpt = Format.json) -> None:
    """List campaigns (with their node counts)."""
    with client(ctx) as api:
        emit(api.get("/api/campaigns"), fmt)


@command(app, "get")
def get_campaign(
    ctx: typer.Context, campaign_id: CampaignArg, fmt: FormatOpt = Format.json
) -> None:
    """Show a campaign, its sequence and its prospects by status."""
    with client(ctx) as api:
        emit(api.get(f"/api/campaigns/{campaign_id}"), fmt)


@command(app, "update")
def update_campaign(
    ctx: typer.Context,
    campaign_id: CampaignArg,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    sender: SenderOpt = None,
    signature: SignatureOpt = None,
    daily_limit: DailyLimitOpt = None,
    review_policy: ReviewPolicyOpt = None,
    research: ResearchOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Change a campaign's name, signature, daily limit, senders, review policy or research
    (only what is given)."""
    body = compact(
        {
            "name": name,
            "signature": signature,
            "daily_limit": daily_limit,
            "sender_account_ids": split_ids(sender) if sender is not None else None,
            "review_policy": review_policy,
            "research": research,
        }
    )
    if not body:
        raise typer.BadParameter("nothing to update: give --name, --signature, ...")
    with client(ctx) as api:
        emit(api.patch(f"/api/campaigns/{campaign_id}", body), fmt)


@command(app, "delete")
def delete_campaign(
    ctx: typer.Context, campaign_id: CampaignArg, fmt: FormatOpt = Format.json
) -> None:
    """Delete a campaign with its nodes, prospects, sessions and messages; cancels its runs."""
    with client(ctx) as api:
        emit(api.delete(f"/api/campaigns/{campaign_id}"), fmt)


def _transition(ctx: typer.Context, campaign_id: str, action: str, fmt: Format) -> None:
    with client(ctx) as api:
        emit(api.post(f"/api/campaigns/{campaign_id}/{action}"), fmt)


@command(app, "launch")
def launch_campaign(
    ctx: typer.Context, campaign_id: CampaignArg, fmt: FormatOpt = Format.json
) -> None:
    """Validate and move a draft campaign to active (drafts become pending)."""
    _transition(ctx, campaign_id, "launch", fmt)


@command(app, "pause")
def pause_campaign(
    ctx: typer.Context, campaign_id: CampaignArg, fmt: FormatOpt = Format.json
) -> None:
    """Pause an active campaign."""
    _transition(ctx, campaign_id, "pause", fmt)


@command(app, "resume")
def resume_campaign(
    ctx: typer.Context, campaign_id: CampaignArg, fmt: FormatOpt = Format.json
) -> None:
    """Resume a paused campaign."""
    _transition(ctx, campaign_id, "resume", fmt)

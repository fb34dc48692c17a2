"""The whole pipeline, end to end, through the HTTP API: what `coldcraft demo` runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from coldcraft.cli.api_runs import wait_for_run
from coldcraft.cli.client import ApiClient
from coldcraft.demo import script


@dataclass
class DemoResult:
    campaign_id: str = ""
    session_id: str = ""
    prospects: int = 0
    examples: int = 0
    drafts: int = 0
    passed: int = 0
    export_path: Path | None = None
    notes: list[str] = field(default_factory=list)


def sample_leads_csv() -> bytes:
    return resources.files("coldcraft.demo").joinpath("data/sample_leads.csv").read_bytes()


class DemoRunner:
    def __init__(self, api: ApiClient, console: Console, out_dir: Path) -> None:
        self.api = api
        self.console = console
        self.out_dir = out_dir
        self.result = DemoResult()

    def run(self, leads_csv: bytes, leads_name: str) -> DemoResult:
        campaign = self.setup_campaign()
        ai_node, follow_up = self.build_sequence(campaign["id"])
        self.import_leads(leads_csv, leads_name)
        skeleton = self.chat(ai_node["id"])
        self.generate_examples()
        self.lint(skeleton)
        self.resolve()
        self.generate_drafts(ai_node["id"])
        self.show_drafts(ai_node["id"], follow_up["id"])
        self.export()
        return self.result

    # -- setup ------------------------------------------------------------------------
    def step(self, title: str) -> None:
        self.console.rule(f"[bold]{title}")

    def setup_campaign(self) -> dict[str, Any]:
        self.step("1. Workspace, sender and campaign")
        self.api.put("/api/context", json={"context": script.WORKSPACE_CONTEXT})
        sender_id = self._sender_id()
        for old in self.api.get("/api/campaigns")["campaigns"]:
            if old["name"] == script.CAMPAIGN_NAME:  # a second run starts over, cleanly
                self.api.delete(f"/api/campaigns/{old['id']}")
        body = {
            "type": "email",
            "name": script.CAMPAIGN_NAME,
            "sender_account_ids": [sender_id],
            "signature": script.SIGNATURE,
        }
        campaign: dict[str, Any] = self.api.post("/api/campaigns", json=body)["campaign"]
        self.result.campaign_id = campaign["id"]
        self.console.print(f"campaign [cyan]{campaign['name']}[/] ({campaign['id']})")
        return campaign

    def _sender_id(self) -> str:
        for sender in self.api.get("/api/senders", params={"type": "email"})["senders"]:
            if sender.get("email_address") == script.SENDER["email_address"]:
                return str(sender["id"])
        return str(self.api.post("/api/senders", json=script.SENDER)["sender"]["id"])

    def build_sequence(self, campaign_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        nodes_path = f"/api/campaigns/{campaign_id}/sequence/nodes"
        ai_body = {"type": "ai", "position": 0, "ai_node": {"purpose": script.AI_PURPOSE}}
        self.api.post(nodes_path, json=ai_body)
        delay = {"type": "delay", "position": 1, "delay_days": script.FOLLOW_UP_DELAY_DAYS}
        nodes = self.api.post(nodes_path, json=delay)["sequence_nodes"]
        ai_node = next(n for n in nodes if n["type"] == "ai")
        follow_up = next(n for n in nodes if n["type"] == "email")
        content = {"subject": script.FOLLOW_UP_SUBJECT, "body": script.FOLLOW_UP_BODY}
        self.api.put(f"{nodes_path}/{follow_up['id']}", json=content)
        summary = " -> ".join(n["type"] for n in nodes)
        self.console.print(f"sequence: {summary} (AI first touch, templated follow-up)")
        return ai_node, follow_up

    def import_leads(self, csv_bytes: bytes, name: str) -> None:
        path = f"/api/campaigns/{self.result.campaign_id}/leads/import-csv"
        counts = self.api.upload(path, files={"file": (name, csv_bytes, "text/csv")})
        self.result.prospects = counts["imported"]
        self.console.print(
            f"imported [green]{counts['imported']}[/] prospects from {name} "
            f"({counts['duplicates']} duplicates, {counts['invalid']} invalid rows)"
        )

    # -- framework chat ---------------------------------------------------------------
    def chat(self, node_id: str) -> dict[str, Any]:
        self.step("2. Framework chat (three turns)")
        skeleton: dict[str, Any] = {}
        for message in script.CHAT_TURNS:
            self.console.print(f"[bold]you:[/] {message}")
            reply = self.api.post(
                f"/api/campaigns/{self.result.campaign_id}/generate-content",
                json={"node_id": node_id, "message": message},
            )
            self.result.session_id = reply["session_id"]
            self.console.print(f"[bold magenta]agent:[/] {reply['assistant_message']}")
            skeleton = reply["skeleton"] or skeleton
        self._show_skeleton(skeleton)
        return skeleton

    def _show_skeleton(self, skeleton: dict[str, Any]) -> None:
        if not skeleton:
            self.result.notes.append("the agent produced no skeleton")
            return
        text = f"[bold]Subject:[/] {skeleton['subject']}\n\n{skeleton['body']}"
        self.console.print(Panel(text, title="skeleton", expand=False))
        example = f"[bold]Subject:[/] {skeleton['exampleSubject']}\n\n{skeleton['exampleBody']}"
        self.console.print(Panel(example, title="rendered example", expand=False))

    # -- examples, lint, resolve, drafts --------------------------------------------
    def generate_examples(self) -> None:
        self.step(f"3. Example emails for {script.EXAMPLE_LEADS} leads (a run)")
        page = self.api.get(
            f"/api/campaigns/{self.result.campaign_id}/leads",
            params={"limit": script.EXAMPLE_LEADS},
        )
        leads = [_lead(p) for p in page["prospects"]]
        session_path = f"/api/campaigns/ai-chat-sessions/{self.result.session_id}"
        started = self.api.post(f"{session_path}/generate-examples", json={"leads": leads})
        run = wait_for_run(self.api, started["runId"])
        examples = self.api.get(session_path)["session"]["generated_examples"] or []
        self.result.examples = len(examples)
        self.console.print(f"run {run['id']}: {run['status']}, {len(examples)} examples")

    def lint(self, skeleton: dict[str, Any]) -> None:
        self.step("4. Lint the skeleton (the judge, no model call)")
        verdict = self.api.post("/api/skeletons/lint", json={"skeleton": skeleton})
        label = "[green]passed[/]" if verdict["passed"] else "[red]failed[/]"
        warnings = [i["rule"] for i in verdict["issues"]]
        self.console.print(f"judge: {label}; notes: {', '.join(warnings) or 'none'}")

    def resolve(self) -> None:
        self.step("5. Resolve: render templates, copy examples onto prospects")
        path = f"/api/campaigns/{self.result.campaign_id}/generate-messages"
        resolved = self.api.post(path, json={"action": "resolve"})
        for node in resolved.get("counts", {}).get("nodes", []):
            self.console.print(
                f"node {node['position']} ({node['type']}): {node['messages']} messages, "
                f"{node['missing']} still to write"
            )

    def generate_drafts(self, node_id: str) -> None:
        self.step("6. AI drafts for every prospect (a run)")
        path = f"/api/campaigns/{self.result.campaign_id}/generate-messages"
        started = self.api.post(path, json={"action": "generate_ai", "node_id": node_id})
        run = wait_for_run(self.api, started["runId"])
        usage = run.get("usage") or {}
        self.console.print(
            f"run {run['id']}: {run['status']}; {usage.get('requests', 0)} model requests, "
            f"${float(usage.get('cost_usd') or 0):.4f}"
        )

    def show_drafts(self, ai_node_id: str, follow_up_id: str) -> None:
        self.step("7. The outbox")
        path = f"/api/campaigns/{self.result.campaign_id}/generate-messages"
        messages = self.api.get(path, params={"status": "draft", "limit": 1000})["messages"]
        ai_drafts = [m for m in messages if m["node_id"] == ai_node_id]
        self.result.drafts = len(messages)
        self.result.passed = sum(1 for m in ai_drafts if (m.get("quality") or {}).get("passed"))
        table = Table(title=f"{len(messages)} drafts; a few AI first touches")
        for column in ("subject", "opening", "quality"):
            table.add_column(column, overflow="fold")
        for message in ai_drafts[: script.DRAFTS_SHOWN]:
            table.add_row(message["subject"] or "", _opening(message), _verdict(message))
        self.console.print(table)
        follow_ups = sum(1 for m in messages if m["node_id"] == follow_up_id)
        self.console.print(
            f"AI drafts passing the judge: {self.result.passed}/{len(ai_drafts)}; "
            f"templated follow-ups: {follow_ups}"
        )

    def export(self) -> None:
        self.step("8. Export")
        path = f"/api/campaigns/{self.result.campaign_id}/generate-messages/export.csv"
        self.out_dir.mkdir(parents=True, exist_ok=True)
        target = self.out_dir / "drafts.csv"
        target.write_text(self.api.get_text(path), encoding="utf-8")
        self.result.export_path = target
        self.console.print(f"wrote {target}")


def _lead(prospect: dict[str, Any]) -> dict[str, Any]:
    keys = ("first_name", "last_name", "email", "company", "position", "headline")
    lead = {k: prospect[k] for k in keys if prospect.get(k)}
    return {"id": prospect["id"], **lead, "custom_fields": prospect.get("custom_fields") or {}}


def _opening(message: dict[str, Any]) -> str:
    paragraphs = [p for p in (message.get("body_text") or "").split("\n\n") if p.strip()]
    return " / ".join(paragraphs[:2])[:160]


def _verdict(message: dict[str, Any]) -> str:
    quality = message.get("quality") or {}
    if message.get("error"):
        return f"[red]error: {message['error'].get('code')}[/]"
    rules = ", ".join(i["rule"] for i in quality.get("issues", []))
    head = "[green]passed[/]" if quality.get("passed") else "[red]failed[/]"
    return f"{head} {rules}".strip()

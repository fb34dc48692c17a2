"""Studio benchmark: `python -m bench studio [--prospects 10000] [--nodes 5] [--backend both]`.

On a resolved N x K campaign (the outbox benchmark's templated campaign; its first step also
names a custom field 4 prospects in 5 lack, so those drafts are flagged), signed in to the
studio with a session cookie: p50/p95 over 40 calls of the review queue's first page (50
rows, flagged first), the page where the flagged part ends and the rest begins, the queue
filtered by a missing field, a draft view, and the review summary page. In process through
httpx's ASGITransport: the server's time (template rendering included) plus a little client
overhead. The process's CPU time per call is printed too: on a shared machine it is the
steadier figure (on SQLite it includes the database's work; on PostgreSQL it does not).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time

import httpx

from bench.outbox_bench import TEMPLATE_BODY, Measure, fresh_app, report, templated_campaign
from coldcraft.accounts.service import account_service
from coldcraft.store.session import unit_of_work

REPEAT = 40


async def _p95(client: httpx.AsyncClient, label: str, url: str) -> Measure:
    seconds = []
    cpu = time.process_time()
    for _ in range(REPEAT):
        started = time.perf_counter()
        reply = await client.get(url)
        seconds.append(time.perf_counter() - started)
        if reply.status_code != 200:
            raise RuntimeError(f"GET {url}: {reply.status_code} {reply.text[:300]}")
    cpu = (time.process_time() - cpu) / REPEAT
    seconds.sort()
    p50, p95 = seconds[len(seconds) // 2], seconds[int(len(seconds) * 0.95) - 1]
    measure = Measure(label, p95, cpu, None)
    measure.note = (
        f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms over {REPEAT} calls; "
        f"process CPU {cpu * 1000:.0f} ms a call"
    )
    return measure


def _matching(html: str) -> int:
    found = re.search(r"(\d+) draft\(s\) match", html)
    assert found, "no count on the queue page"
    return int(found.group(1))


async def run_backend(backend: str, args: argparse.Namespace) -> None:
    print(f"\n[{backend}]", flush=True)
    async with fresh_app(backend) as (client, maker, user):
        campaign_id = await templated_campaign(client, args.prospects, args.nodes)
        detail = (await client.get(f"/api/campaigns/{campaign_id}")).json()
        first = detail["sequence_nodes"][0]["id"]
        flag = {"body": TEMPLATE_BODY.replace("%step%", "1") + "\nRe: %custom_fields.project%"}
        nodes = f"/api/campaigns/{campaign_id}/sequence/nodes"
        (await client.put(f"{nodes}/{first}", json=flag)).raise_for_status()
        path = f"/api/campaigns/{campaign_id}/generate-messages"
        reply = await client.post(path, json={"action": "resolve"})
        reply.raise_for_status()
        async with unit_of_work(maker) as session:
            _, key = await account_service.create_key(session, email=user.email)
        client.headers.pop("Authorization")
        signed_in = await client.post("/login", data={"api_key": key})
        assert signed_in.status_code == 303, signed_in.text
        base = f"/campaigns/{campaign_id}"
        queue = await client.get(f"{base}/review/queue?review=unreviewed")
        flagged = queue.text.count('class="flag"')
        draft = re.search(r'href="(/campaigns/[^"]+/drafts/[^"?]+)', queue.text)
        assert draft, "the queue shows no draft"
        total = _matching(queue.text)
        only = await client.get(f"{base}/review/queue?review=unreviewed&flagged=true")
        deep = _matching(only.text) // 50 + 1  # where the flagged part ends
        pages = {
            "queue page 1 (50 rows)": f"{base}/review/queue?review=unreviewed",
            f"queue page {deep}": f"{base}/review/queue?review=unreviewed&page={deep}",
            "queue by missing field": f"{base}/review/queue?missing_field=custom_fields.project",
            "draft view": draft.group(1),
            "review summary page": f"{base}/review",
        }
        print(f"  {total} unreviewed drafts, {flagged} flagged on page 1", flush=True)
        for label, url in pages.items():
            report(await _p95(client, label, url))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench studio", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--prospects", type=int, default=10_000)
    parser.add_argument("--nodes", type=int, default=5)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    if argv is None:
        argv = [arg for arg in sys.argv[1:] if arg != "studio"]
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        asyncio.run(run_backend(backend, args))


if __name__ == "__main__":
    main()

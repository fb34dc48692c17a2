"""How long the judge takes per call: judge_email on a realistic 150-word first touch, and
judge_skeleton on the seed skeleton. Target: well under 2 ms per call.

Each iteration varies the text slightly (a different lead name), so caches keyed on the
whole text (textstat's) don't flatter the numbers. Wall time is what a caller waits;
CPU time leaves out the noise of other processes on a shared machine.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from coldcraft.skeletons.judge import judge_email, judge_skeleton
from coldcraft.skeletons.schema import Skeleton
from coldcraft.skeletons.seed import SEED_SKELETON

ITERATIONS = 2000
NAMES = ["Sarah", "Priya", "Tomás", "Lena", "Marcus", "Aiko", "Femi", "Jonas"]

SUBJECT = "Quick thought on {company}'s onboarding"
BODY = """Hi {name},

Most heads of ops we talk to lose six hours a week to the glue between their CRM, billing \
and support tools. It breaks quietly, and someone on the team ends up fixing it on a \
Friday night.

We replaced that glue at 40 SaaS companies like Northwind and Contoso with one workflow \
layer that your ops team owns. Northwind cut manual fixes by half in the first month, and \
their finance close got two days shorter.

Given you lead operations at {company} while the team grows fast, this might be timely. I \
can share the playbook we used with them, with the numbers behind each step, and you can \
judge for yourself whether it fits how your team works today. No slides, just the \
workflows, the failure cases we hit and what we would do differently next time.

Worth a 10-min chat next week?

Sid"""

SEED = Skeleton.model_validate(SEED_SKELETON)


def _email_call(i: int) -> Callable[[], object]:
    name, company = NAMES[i % len(NAMES)], f"Acme{i}"
    subject, body = SUBJECT.format(company=company), BODY.format(name=name, company=company)
    return lambda: judge_email(subject, body)


def _skeleton_call(i: int) -> Callable[[], object]:
    # A different name per call, so no cache inside the judge can help.
    body = SEED.example_body.replace("Sarah", f"{NAMES[i % len(NAMES)]} {i}")
    skeleton = SEED.model_copy(update={"example_body": body})
    return lambda: judge_skeleton(skeleton)


def _measure(make: Callable[[int], Callable[[], object]]) -> tuple[list[float], list[float]]:
    make(-1)()  # warm up: lazy imports and first-use caches
    wall, cpu = [], []
    for i in range(ITERATIONS):
        call = make(i)
        w0, c0 = time.perf_counter(), time.thread_time()
        call()
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    return wall, cpu


def _summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"median {statistics.median(ordered):.3f} ms  p95 {p95:.3f} ms"


def main() -> None:
    words = len(BODY.format(name="Sarah", company="Acme").split())
    print(f"judge benchmark: {ITERATIONS} calls each, per-call times")
    runs = [
        (f"judge_email ({words} words)", _email_call),
        ("judge_skeleton (seed)", _skeleton_call),
    ]
    for label, make in runs:
        wall, cpu = _measure(make)
        print(f"{label:28} wall {_summary(wall)} | cpu {_summary(cpu)}")


if __name__ == "__main__":
    main()

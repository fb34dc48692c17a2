"""The studio in a real browser (headless Chromium): one long journey on the offline model,
then focused checks (CSRF refusal, another account's 404, a hostile lead name as text)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from coldcraft.demo.runner import sample_leads_csv
from coldcraft.demo.script import CHAT_TURNS
from tests.studio.browser.conftest import Studio, shot

pytestmark = pytest.mark.browser

HOSTILE = "<script>window.pwned=1</script>"


def _sign_in_with_key(page: Page, studio: Studio, key: str) -> None:
    page.goto(studio.url + "/")
    expect(page).to_have_url(re.compile(r"/login\?next=/"))
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Campaigns")).to_be_visible()


def _create_campaign(page: Page, name: str) -> str:
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/")[2] + "/")
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    return page.url.split("#")[0]


def _upload(page: Page, csv: bytes) -> None:
    page.get_by_label("Upload a CSV").set_input_files(
        {"name": "leads.csv", "mimeType": "text/csv", "buffer": csv}
    )
    page.get_by_role("button", name="Preview mapping").click()
    expect(page.get_by_role("table", name="Column mapping")).to_be_visible()


def _press(page: Page, key: str) -> None:
    """A shortcut, once the page's script is running."""
    page.wait_for_load_state()
    page.keyboard.press(key)


def _start_after_quote(page: Page) -> None:
    expect(page.get_by_role("heading", name="Before it spends: the quote")).to_be_visible()
    page.get_by_role("button", name="Start").click()


def test_the_whole_job(page: Page, live_studio: Studio) -> None:
    _, link = live_studio.account("journey@example.com")
    errors: list[str] = []  # the browser console's errors
    page.on(
        "console",
        lambda msg: errors.append(f"{msg.text} {msg.location}") if msg.type == "error" else None,
    )
    page.goto(link)  # the one-time link signs in...
    expect(page.get_by_role("heading", name="Campaigns")).to_be_visible()
    url = _create_campaign(page, "Relay for ops leaders")

    # Sequence: an AI first touch before the seeded email, a delay between them.
    page.get_by_label("Add a step").select_option("ai")
    page.get_by_label("at position").select_option("1")
    page.get_by_role("button", name="Add step").click()
    page.get_by_label("Add a step").select_option("delay")
    page.get_by_label("at position").select_option("2")
    page.get_by_role("button", name="Add step").click()
    page.get_by_role("button", name="Move step 2 up").click()  # the AI step goes first
    expect(page.locator(".steps > li").first).to_contain_text("ai")

    # The template step, with live checks as you type.
    page.get_by_role("link", name="Edit template").click()
    page.get_by_label("Subject").fill("Following up, %first_name%")
    page.get_by_label("Body").fill("Hi %frist_name%,")
    expect(page.locator("#verdict")).to_contain_text("unknown merge field %frist_name%")
    page.get_by_label("Body").fill("Hi %first_name%,\n\nthere && friend")
    expect(page.locator("#verdict")).to_contain_text("line 3")
    body = "Hi %first_name|there%,\n\nDid my note about %company% reach you? Worth a chat?\n\nSam"
    page.get_by_label("Body").fill(body)
    expect(page.locator("#verdict")).not_to_contain_text("unknown merge field")
    shot(page, "template-step")
    page.get_by_role("button", name="Save step").click()

    # A sender, then the leads (the mapping preview first).
    page.get_by_text("Add a sender").click()
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Email").fill("sam@example.com")
    page.get_by_role("button", name="Add sender").click()
    _upload(page, sample_leads_csv())
    page.get_by_role("button", name=re.compile(r"Import 30 row")).click()
    expect(page.get_by_role("status")).to_contain_text("30 imported")
    page.get_by_role("link", name="Back to the campaign").click()
    page.get_by_label("Search prospects").fill("northwind")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("cell", name="Northwind Logistics")).to_be_visible()

    # Framework chat: three turns; each reply appears when its run ends.
    page.get_by_role("link", name="Framework chat").click()
    for turn, message in enumerate(CHAT_TURNS, start=1):
        page.get_by_label("Your message").fill(message)
        page.get_by_role("button", name="Send").click()
        expect(page.locator(".msg.assistant")).to_have_count(turn)
    expect(page.locator("mark.ai").first).to_be_visible()  # AI blocks marked
    page.get_by_label("Compare with version").select_option("1")
    page.get_by_role("button", name="Show the difference").click()
    expect(page.locator("ins").first).to_be_visible()
    shot(page, "framework-chat")

    # Examples: the quote, the run, each example appearing with its verdict.
    page.get_by_role("button", name="Write examples (see the quote)").click()
    _start_after_quote(page)
    expect(page.locator(".example")).to_have_count(3)
    expect(page.locator(".example").first).to_contain_text("passes")

    # Drafts: resolve, then the AI drafts (a run, watched live).
    page.goto(url)
    page.get_by_role("button", name="Resolve drafts").click()
    page.goto(url + "/launch")  # the gate refuses: the AI drafts are not written yet
    page.get_by_role("button", name="Launch").click()
    expect(page.get_by_role("heading", name=re.compile("The gate refused"))).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("have no message (run generate_ai)")
    shot(page, "launch-refused")
    page.goto(url)
    page.get_by_role("button", name=re.compile("Write AI drafts")).click()
    _start_after_quote(page)
    expect(page.locator("[data-run-label]")).to_contain_text("completed")

    # Review: the summary, the queue, the draft view, acting from the keyboard.
    page.goto(url + "/review")
    shot(page, "review-summary")
    page.get_by_role("link", name="Start reviewing: flagged first").click()
    shot(page, "review-queue")
    _press(page, "j")  # the first draft
    expect(page.get_by_role("heading", name="As the recipient sees it")).to_be_visible()
    first = page.url
    _press(page, "a")  # approve, and on to the next
    expect(page.get_by_role("status")).to_contain_text("Approved")
    assert page.url != first
    page.get_by_placeholder("why (optional)").fill("Not our audience")
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("status")).to_contain_text("Rejected")

    _press(page, "e")  # edit: the verdict follows the typing
    page.locator("#edit-body").fill("I hope this email finds you well.")
    expect(page.locator("#live-verdict")).to_contain_text("Fails the judge")
    page.locator("#edit-body").fill(
        "Hi Marcus,\n\nOpening a second fulfilment centre usually doubles the hand-offs "
        "between tools. Relay replaces the spreadsheet glue so ops stays in one place, and "
        "teams your size cut hours of manual reporting every week.\n\nWorth a short call "
        "next week to see if it fits?\n\nSam"
    )
    expect(page.locator("#live-verdict")).to_contain_text("Passes the judge")
    page.get_by_role("button", name="Save edit").click()
    expect(
        page.get_by_role("heading", name="Changed from the machine-written original")
    ).to_be_visible()

    page.goto(url + "/review/queue?source=ai")  # an AI draft: regenerate with a note
    _press(page, "j")
    expect(page).to_have_url(re.compile(r"/drafts/"))
    expect(page.locator("article.email mark.ai").first).to_be_visible()  # the AI's words
    shot(page, "draft")
    _press(page, "g")
    page.get_by_label("Note for the writer").fill("Mention their new fulfilment centre")
    page.get_by_role("button", name="See the quote").click()
    _start_after_quote(page)
    expect(page.locator("[data-run-label]")).to_contain_text("completed")

    # Bulk approve what is left (after a confirmation that says how many), then launch.
    page.goto(url + "/review/queue?review=unreviewed")
    page.get_by_role("link", name=re.compile(r"Approve all \d+")).click()
    count = re.search(r"Approve (\d+) draft", page.get_by_role("heading").inner_text())
    assert count
    page.get_by_role("button", name=f"Approve {count.group(1)} draft(s)").click()
    expect(page.get_by_role("status")).to_contain_text(f"Approved {count.group(1)}")
    page.goto(url + "/launch")
    page.get_by_role("button", name="Launch").click()
    expect(page.get_by_role("status")).to_contain_text("Launched")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV: one row per prospect").click()
    assert download.value.suggested_filename.startswith("coldcraft-wide-")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV: one row per message").click()
    assert download.value.suggested_filename.startswith("coldcraft-long-")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(link)  # ...once
    expect(page.get_by_role("alert")).to_contain_text("used or has expired")
    # Refusals are 4xx pages on purpose; anything else (a script error, a CSP violation) is a bug.
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []


def test_key_sign_in_csrf_ownership_and_escaping(page: Page, live_studio: Studio) -> None:
    owner_key, _ = live_studio.account("owner@example.com")
    intruder_key, _ = live_studio.account("intruder@example.com")
    _sign_in_with_key(page, live_studio, owner_key)
    url = _create_campaign(page, "Private")
    hostile = f"Email,First Name,Company\nx@example.com,{HOSTILE},Acme\n".encode()
    _upload(page, hostile)
    page.get_by_role("button", name=re.compile("Import 1 row")).click()
    page.goto(url)
    expect(page.get_by_role("cell", name=HOSTILE)).to_be_visible()  # shown as text
    assert page.evaluate("window.pwned") is None
    assert owner_key not in page.content()

    # A form post without the session's CSRF token is refused.
    status = page.evaluate(
        """async (url) => (await fetch(url + "/rename", {method: "POST",
            headers: {"Content-Type": "application/x-www-form-urlencoded"},
            body: "name=Hijacked"})).status""",
        url,
    )
    assert status == 403

    page.get_by_role("button", name="Sign out").click()
    _sign_in_with_key(page, live_studio, intruder_key)
    reply = page.goto(url)
    assert reply is not None
    assert reply.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()

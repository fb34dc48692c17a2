"""`coldcraft keys create --scope` against a fresh embedded database."""

from __future__ import annotations

import pytest

from coldcraft.cli.main import app
from tests.cli.test_admin import data_dir, runner  # noqa: F401  (the embedded data dir)


@pytest.mark.usefixtures("data_dir")
def test_keys_create_with_scopes() -> None:
    args = ["keys", "create", "--email", "a@example.com", "--scope", "read,write"]
    assert runner.invoke(app, args).exit_code == 0
    listed = runner.invoke(app, ["keys", "list", "--email", "a@example.com"]).stdout
    assert "\tread,write\t" in listed
    bad = runner.invoke(app, ["keys", "create", "--email", "a@example.com", "--scope", "root"])
    assert bad.exit_code == 1
    assert "Unknown scope 'root'" in bad.stderr

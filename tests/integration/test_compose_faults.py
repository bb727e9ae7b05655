"""Compose is safe by default: no default database password, the UI only on localhost, a proxy before exposing it."""

from __future__ import annotations

import pytest

from tests.integration.test_compose import REPO, compose_config, run_compose_config

pytestmark = pytest.mark.fault


@pytest.fixture(scope="module")
def config() -> dict:
    return compose_config()


def test_postgres_password_has_no_default():
    result = run_compose_config()
    assert result.returncode != 0
    assert "DAGSTER_POSTGRES_PASSWORD" in result.stderr


def test_ui_binds_to_localhost_unless_told_otherwise(config):
    def published(cfg):
        [port] = cfg["services"]["webserver"]["ports"]
        return port if isinstance(port, str) else f"{port.get('host_ip', '0.0.0.0')}:{port['published']}"
    assert published(config).startswith("127.0.0.1:")
    assert published(compose_config(LAYOFFS_AI_UI_BIND="0.0.0.0")).startswith("0.0.0.0:")


def test_readme_says_to_put_an_authenticating_proxy_in_front():
    readme = (REPO / "README.md").read_text()
    assert "authenticating reverse proxy" in readme and "LAYOFFS_AI_UI_BIND" in readme

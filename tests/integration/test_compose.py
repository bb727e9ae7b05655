"""docker-compose.yml and docker/: validated with Debian's docker-compose parser and Dagster's instance schema."""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DOCKER = REPO / "docker"
DAGSTER_SERVICES = ("user_code", "webserver", "daemon")
PG_VARS = ("DAGSTER_POSTGRES_USER", "DAGSTER_POSTGRES_PASSWORD", "DAGSTER_POSTGRES_DB")


def compose_config(**env: str) -> dict:
    """`docker-compose config` (normalised YAML) with a clean environment plus `env`; no engine needed."""
    proc = run_compose_config(**{"DAGSTER_POSTGRES_PASSWORD": "pw-from-test", **env})
    assert proc.returncode == 0, f"docker-compose config failed:\n{proc.stderr}"
    return yaml.safe_load(proc.stdout)


def run_compose_config(**env: str) -> subprocess.CompletedProcess:
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.skip("docker-compose not installed (apt-get install docker-compose)")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "LAYOFFS_AI_", "COMPOSE_"))}
    return subprocess.run([exe, "-f", "docker-compose.yml", "config"], cwd=REPO, env={**clean, **env},
                          capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def config() -> dict:
    return compose_config()


def mounts(service: dict) -> dict[str, str]:
    """Named-volume or bind source -> container path, from short ('src:dst:rw') or long syntax."""
    out = {}
    for v in service.get("volumes", []):
        if isinstance(v, str):
            src, dst = v.split(":")[:2]
        else:
            src, dst = v.get("source"), v["target"]
        out[src] = dst
    return out


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def command_of(service: dict) -> list[str]:
    cmd = service.get("command")
    return cmd.split() if isinstance(cmd, str) else list(cmd or [])


def test_compose_config_has_the_four_services(config):
    assert set(config["services"]) == {"postgres", "user_code", "webserver", "daemon"}
    assert config["services"]["postgres"]["image"].startswith("postgres:16")
    assert "layoffs_ai_data" in config["volumes"]


def test_dagster_services_share_one_data_volume_at_the_layoffs_ai_home_path(config):
    paths = {name: mounts(config["services"][name]).get("layoffs_ai_data") for name in DAGSTER_SERVICES}
    assert None not in paths.values(), f"layoffs_ai_data is not mounted in every Dagster service: {paths}"
    assert len(set(paths.values())) == 1, f"layoffs_ai_data is mounted at different paths: {paths}"
    home = {name: env_of(config["services"][name]).get("LAYOFFS_AI_HOME") for name in DAGSTER_SERVICES}
    assert set(home.values()) == set(paths.values()), f"LAYOFFS_AI_HOME {home} is not the data mount {paths}"
    assert "layoffs_ai_data" not in mounts(config["services"]["postgres"])


def test_postgres_wiring_defaults_and_overrides(config):
    pg = config["services"]["postgres"]
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"])
    pg_env = env_of(pg)
    for name in DAGSTER_SERVICES:
        service = config["services"][name]
        env = env_of(service)
        for var in PG_VARS:
            assert env[var] == pg_env[var.replace("DAGSTER_", "")], f"{name}: {var} differs from the postgres service"
        assert env["DAGSTER_POSTGRES_HOST"] == "postgres"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    # values come from the environment (${VAR:-default}): an override reaches both sides
    overridden = compose_config(DAGSTER_POSTGRES_PASSWORD="s3cret-from-env", DAGSTER_POSTGRES_DB="dagster_e2e")
    assert env_of(overridden["services"]["postgres"])["POSTGRES_PASSWORD"] == "s3cret-from-env"
    for name in DAGSTER_SERVICES:
        env = env_of(overridden["services"][name])
        assert (env["DAGSTER_POSTGRES_PASSWORD"], env["DAGSTER_POSTGRES_DB"]) == ("s3cret-from-env", "dagster_e2e")


def test_services_run_the_right_dagster_processes_from_one_image(config):
    services = config["services"]
    assert {services[n]["build"]["dockerfile"] for n in DAGSTER_SERVICES} == {"docker/Dockerfile"}
    assert len({services[n]["image"] for n in DAGSTER_SERVICES}) == 1
    code = command_of(services["user_code"])
    assert code[:3] == ["dagster", "code-server", "start"]
    assert code[code.index("-m") + 1] == "orchestration.definitions"
    web, daemon = command_of(services["webserver"]), command_of(services["daemon"])
    assert web[0] == "dagster-webserver" and daemon[:2] == ["dagster-daemon", "run"]
    assert web[web.index("-w") + 1] == daemon[daemon.index("-w") + 1] == "/opt/dagster/workspace.yaml"
    assert any(str(p).split("/")[0].endswith(":3000") or (isinstance(p, dict) and p.get("target") == 3000)
               for p in services["webserver"]["ports"])
    homes = {n: env_of(services[n])["DAGSTER_HOME"] for n in DAGSTER_SERVICES}
    assert set(homes.values()) == {"/opt/dagster/home"}, homes


def test_workspace_points_at_the_user_code_grpc_server(config):
    workspace = yaml.safe_load((DOCKER / "workspace.yaml").read_text())
    (entry,) = workspace["load_from"]
    grpc = entry["grpc_server"]
    code = command_of(config["services"]["user_code"])
    assert grpc["host"] == "user_code" and str(grpc["port"]) == code[code.index("-p") + 1]
    tool = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["dg"]["project"]
    assert grpc["location_name"] == code[code.index("--location-name") + 1] == tool["code_location_name"]


def test_image_installs_dagster_yaml_as_dagster_home_config_and_prepares_dbt(config):
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.M)
    home = env_of(config["services"]["webserver"])["DAGSTER_HOME"]
    assert f"DAGSTER_HOME={home}" in dockerfile
    assert re.search(r'^COPY docker/dagster\.yaml "?\$DAGSTER_HOME"?/dagster\.yaml$', dockerfile, re.M)
    assert re.search(r"^COPY docker/workspace\.yaml /opt/dagster/workspace\.yaml$", dockerfile, re.M)
    assert "dg utils refresh-defs-state" in dockerfile  # the dbt component's manifest, as `make prepare` does
    for line in re.findall(r"^COPY (.+)$", dockerfile, re.M):
        for src in line.split()[:-1]:
            assert (REPO / src).exists(), f"Dockerfile copies {src}, which is not in the repo"


def test_dagster_yaml_uses_postgres_storage_from_env_vars(config):
    from dagster._config import process_config
    from dagster._core.instance.config import dagster_instance_config
    from dagster._core.instance.ref import InstanceRef

    raw = yaml.safe_load((DOCKER / "dagster.yaml").read_text())
    pg = raw["storage"]["postgres"]["postgres_db"]
    env_vars = {field: value["env"] for field, value in pg.items()}
    assert set(env_vars) >= {"username", "password", "hostname", "db_name"}
    service_env = env_of(config["services"]["daemon"])
    assert all(var in service_env for var in env_vars.values()), f"{env_vars} not all set in the services"
    assert raw["telemetry"] == {"enabled": False} and raw["nux"] == {"enabled": False}
    assert raw["concurrency"]["runs"]["max_concurrent_runs"] == 1
    assert raw["run_coordinator"]["class"] == "QueuedRunCoordinator"
    data_path = mounts(config["services"]["user_code"])["layoffs_ai_data"]
    assert raw["compute_logs"]["config"]["base_dir"].startswith(data_path + "/")  # webserver reads run logs

    dagster_instance_config(str(DOCKER))  # Dagster's own schema check of the whole file; raises when invalid
    with pytest.MonkeyPatch.context() as mp:  # resolve {env: ...} the way the containers will
        for key, value in service_env.items():
            mp.setenv(key, value)
        ref = InstanceRef.from_dir(str(DOCKER))
        assert (ref.storage_data.module_name, ref.storage_data.class_name) == ("dagster_postgres", "DagsterPostgresStorage")
        for data in (ref.storage_data, ref.run_coordinator_data, ref.run_launcher_data, ref.compute_logs_data):
            klass = getattr(importlib.import_module(data.module_name), data.class_name)
            result = process_config(klass.config_type(), data.config_dict)
            assert result.success, f"{data.class_name}: {result.errors}"
        resolved = process_config(
            getattr(importlib.import_module("dagster_postgres"), "DagsterPostgresStorage").config_type(),
            ref.storage_data.config_dict).value["postgres_db"]
        assert resolved["hostname"] == "postgres" and resolved["port"] == 5432
        assert resolved["username"] == service_env["DAGSTER_POSTGRES_USER"]


def test_every_layoffs_ai_setting_reaches_every_dagster_service(config):
    from ingestion.sources import DATASETS
    from orchestration.settings import PIPELINE_VARIABLES

    wanted = set(PIPELINE_VARIABLES) | {f"LAYOFFS_AI_URL_{d.upper()}" for d in DATASETS}
    for name in DAGSTER_SERVICES:
        env = env_of(config["services"][name])
        assert wanted <= set(env), f"{name} does not pass {sorted(wanted - set(env))}"
    passed = compose_config(LAYOFFS_AI_FETCH_DEADLINE_S="30", LAYOFFS_AI_URL_LAYOFFS_FYI="https://example.org/e")
    assert env_of(passed["services"]["user_code"])["LAYOFFS_AI_FETCH_DEADLINE_S"] == "30"
    assert env_of(passed["services"]["daemon"])["LAYOFFS_AI_URL_LAYOFFS_FYI"] == "https://example.org/e"
    example = (REPO / ".env.example").read_text()
    for var in wanted - {"LAYOFFS_AI_HOME"} | {"DAGSTER_POSTGRES_PASSWORD", "LAYOFFS_AI_UI_BIND"}:
        assert re.search(rf"^{var}=", example, re.M), f".env.example does not show {var}"


def test_webserver_and_daemon_wait_for_a_healthy_code_server(config):
    check = config["services"]["user_code"]["healthcheck"]["test"]
    assert "grpc-health-check" in " ".join(check) and "4000" in check
    for name in ("webserver", "daemon"):
        assert config["services"][name]["depends_on"]["user_code"]["condition"] == "service_healthy"


def test_image_copies_every_package_the_project_installs():
    """A new top-level package (safetext/, sqlcli/) must reach the image, or the container fails on import."""
    dockerfile = (DOCKER / "Dockerfile").read_text()
    include = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {pattern.rstrip("*") for pattern in include}
    copied = {line.split()[0] for line in re.findall(r"^COPY (.+)$", dockerfile, re.M)}
    assert packages <= copied, f"the Dockerfile does not copy {sorted(packages - copied)}"
    assert {p.parent.name for p in REPO.glob("*/__init__.py")} - {"tests", "bench"} <= packages

"""The scaled-out deployment, `temporal-compose.yml`, checked without docker: it is a valid Compose file (the
Compose specification's JSON schema as check-jsonschema ships it), every CINEMA_* variable it sets is a setting
the app reads, and it registers the search attributes the sagas use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from infra.servers import SEARCH_ATTRIBUTES
from infra.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "temporal-compose.yml"
PREFIX, NESTED = Settings.model_config["env_prefix"], Settings.model_config["env_nested_delimiter"]


def check_compose_schema(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec",
                           str(path)], capture_output=True, text=True, timeout=120)


def known_setting(variable: str, model: type[BaseModel] = Settings) -> bool:
    """Whether `CINEMA_X` / `CINEMA_SECTION__FIELD` names a field of Settings (pydantic-settings' own mapping)."""
    if not variable.startswith(PREFIX):
        return False
    *sections, leaf = variable.removeprefix(PREFIX).lower().split(str(NESTED))
    for section in sections:
        field = model.model_fields.get(section)
        annotation = field.annotation if field is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return False
        model = annotation
    return leaf in model.model_fields


def cinema_variables(compose: dict[str, Any]) -> set[str]:
    """Every CINEMA_* key in any service's environment (anchors resolved by the YAML loader)."""
    found: set[str] = set()
    for service in compose["services"].values():
        environment = service.get("environment") or {}
        names = environment if isinstance(environment, dict) else [e.split("=", 1)[0] for e in environment]
        found |= {name for name in names if name.startswith(PREFIX)}
    return found


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())  # type: ignore[no-any-return]


def test_the_deployment_is_a_valid_compose_file() -> None:
    checked = check_compose_schema(COMPOSE)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_validator_refuses_a_broken_compose_file(tmp_path: Path) -> None:
    broken = tmp_path / "compose.yml"  # a typo'd key and a port that is no port
    broken.write_text("services:\n  api:\n    image: cinema-app:local\n    port: ['8000:8000']\n"
                      "    deploy: {replicas: many}\n")
    checked = check_compose_schema(broken)
    assert checked.returncode == 1 and "port" in checked.stdout, checked.stdout + checked.stderr


def test_every_cinema_variable_it_sets_is_a_setting(compose: dict[str, Any]) -> None:
    variables = cinema_variables(compose)
    assert {"CINEMA_DATABASE_URL", "CINEMA_TEMPORAL_ADDRESS", "CINEMA_API_PORT"} <= variables
    assert sorted(v for v in variables if not known_setting(v)) == []


def test_unknown_variables_are_told_apart() -> None:
    assert known_setting("CINEMA_REDIS_URL") and known_setting("CINEMA_EVENTS__CLAIM_IDLE")
    assert not known_setting("CINEMA_REDIS_URI")
    assert not known_setting("CINEMA_EVENTS__NO_SUCH_THING") and not known_setting("CINEMA_REDIS_URL__HOST")
    assert not known_setting("REDIS_URL")


def test_it_registers_the_search_attributes_the_sagas_use(compose: dict[str, Any]) -> None:
    script = "\n".join(compose["services"]["temporal-search-attributes"]["command"])
    listed = script.split("for name in ", 1)[1].split(";", 1)[0].split()
    assert sorted(listed) == sorted(SEARCH_ATTRIBUTES)
    assert set(SEARCH_ATTRIBUTES.values()) == {"Keyword"}  # the loop creates them all as Keyword

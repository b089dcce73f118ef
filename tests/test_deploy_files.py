"""Issue 16: the deployment files, checked as far as they can be without Azure.

- m365agents.yml against the Agents Toolkit's own published schema (npm @microsoft/teamsfx-core, see the Makefile's
  toolkit-schema target), and every `${{VARIABLE}}` it or its files use is set before the step that needs it.
- infra/*.bicep parse with the Bicep grammar (tree-sitter-bicep: syntax only; no Bicep compiler installs from a
  registry here, see docs/deploy.md), the parameters file and every module call match the declared parameters,
  every `module.outputs.x` exists, and every app setting is a variable the bot or its host reads.
- The SSO app's Entra manifest asks for every delegated Graph permission the bot uses and pre-authorizes Teams.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import tree_sitter_bicep
import yaml
from cryptography.fernet import Fernet
from dotenv import dotenv_values
from jsonschema import Draft7Validator
from tree_sitter import Language, Node, Parser

from bot.auth.scopes import ALL_SCOPES

ROOT = Path(__file__).resolve().parent.parent
INFRA = ROOT / "infra"
TOOLKIT_YAML = ROOT / "m365agents.yml"
SCHEMA_DIR = ROOT / "build" / "schemas"
PLACEHOLDER = re.compile(r"\$\{\{([A-Z0-9_]+)\}\}")
# Set by the Toolkit itself, or asked for when empty (subscription, resource group).
TOOLKIT_BUILT_INS = {"TEAMSFX_ENV", "AZURE_SUBSCRIPTION_ID", "AZURE_RESOURCE_GROUP_NAME"}
# aadApp/update generates this one when the Entra manifest uses it and it is empty (the schema says so).
GENERATED_BY_AAD_UPDATE = "AAD_APP_ACCESS_AS_USER_PERMISSION_ID"
TEAMS_CLIENTS = {"1fec8e78-bce4-4aaf-ab1b-5451cc387264", "5e3ce6c0-2b1f-4285-8d4b-75ee78787346"}


def toolkit_yaml() -> dict[str, Any]:
    return yaml.safe_load(TOOLKIT_YAML.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def toolkit_schema(version: str) -> dict[str, Any]:
    path = SCHEMA_DIR / f"m365agents.{version}.schema.json"
    assert path.is_file(), f"{path} is missing: run `make toolkit-schema` (make test does)"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def schema_errors(document: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    errors = sorted(Draft7Validator(schema).iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]


# --- the Agents Toolkit project -------------------------------------------------------------------------------


def test_m365agents_yml_is_valid_against_the_toolkits_schema() -> None:
    document = toolkit_yaml()
    schema = toolkit_schema(document["version"])
    assert schema["properties"]["version"]["const"] == document["version"]
    assert f"/{document['version']}/yaml.schema.json" in TOOLKIT_YAML.read_text(encoding="utf-8").splitlines()[0]
    assert schema_errors(document, schema) == []
    assert [step["uses"] for step in document["deploy"]] == ["azureAppService/zipDeploy"]
    assert {"provision", "deploy", "publish"} <= set(document)


@pytest.mark.parametrize(
    "break_it",
    [
        lambda d: d["provision"][3]["with"].pop("templates"),  # arm/deploy without templates
        lambda d: d["deploy"][0].update(uses="azureAppService/zipdeploy"),  # an action that does not exist
        lambda d: d["provision"][1]["with"].update(signInAudience="Everyone"),
    ],
)
def test_the_schema_check_catches_a_broken_file(break_it: Any) -> None:
    document = toolkit_yaml()
    break_it(document)
    assert schema_errors(document, toolkit_schema(document["version"])) != []


def placeholders_of(node: Any) -> set[str]:
    return set(PLACEHOLDER.findall(json.dumps(node)))


def files_of(step: dict[str, Any]) -> Iterator[Path]:
    """The files an action reads and fills with the environment's variables."""
    settings = step.get("with", {})
    for key in ("manifestPath", "parameters"):
        if key in settings:
            yield ROOT / settings[key]
    for template in settings.get("templates", []):
        if "parameters" in template:
            yield ROOT / template["parameters"]


def produced_by(step: dict[str, Any]) -> set[str]:
    produced = set((step.get("writeToEnvironmentFile") or {}).values())
    if step["uses"] == "arm/deploy":
        for template in step["with"]["templates"]:
            produced |= set(bicep_declarations(ROOT / template["path"])["outputs"])
    if step["uses"] == "script" and "tools/state_key.py --toolkit" in step["with"]["run"]:
        produced.add("SECRET_STATE_ENCRYPTION_KEY")
    if step["uses"] == "aadApp/update":
        produced.add(GENERATED_BY_AAD_UPDATE)
    return produced


def set_by_the_admin() -> set[str]:
    """env/.env.dev's variables above its "Written by provision" line (an empty optional one is still set)."""
    template = (ROOT / "env" / ".env.dev").read_text(encoding="utf-8")
    before, marker, _ = template.partition("# --- Written by provision")
    assert marker, "env/.env.dev lost its 'Written by provision' section"
    return set(dotenv_values(stream=io.StringIO(before)))


def test_every_variable_is_set_before_the_step_that_uses_it() -> None:
    available = TOOLKIT_BUILT_INS | set_by_the_admin()
    for stage in ("provision", "deploy", "publish"):
        for index, step in enumerate(toolkit_yaml()[stage]):
            available |= produced_by(step) if step["uses"] == "aadApp/update" else set()
            needed = placeholders_of(step.get("with", {}))
            for path in files_of(step):
                needed |= set(PLACEHOLDER.findall(path.read_text(encoding="utf-8")))
            missing = needed - available
            assert not missing, f"{stage}[{index}] {step['uses']} uses {sorted(missing)} before anything sets them"
            available |= produced_by(step)


def test_the_env_templates_name_every_variable_and_hold_no_secret() -> None:
    env = dotenv_values(ROOT / "env" / ".env.dev")
    secrets = dotenv_values(ROOT / "env" / ".env.dev.user.example")
    used = set(PLACEHOLDER.findall(TOOLKIT_YAML.read_text(encoding="utf-8")))
    for path in (INFRA / "azure.parameters.json", INFRA / "aad.manifest.json", ROOT / "manifest" / "manifest.json"):
        used |= set(PLACEHOLDER.findall(path.read_text(encoding="utf-8")))
    unnamed = used - set(env) - set(secrets) - TOOLKIT_BUILT_INS - {GENERATED_BY_AAD_UPDATE}
    assert not unnamed, f"add to env/.env.dev (or env/.env.dev.user.example): {sorted(unnamed)}"
    assert not [name for name in env if name.startswith("SECRET_")]
    assert all(not value for value in secrets.values())
    assert "env/.env.*.user" in (ROOT / ".gitignore").read_text(encoding="utf-8")


# --- Bicep ------------------------------------------------------------------------------------------------------


@cache
def bicep_parser() -> Parser:
    return Parser(Language(tree_sitter_bicep.language()))


@cache
def bicep_tree(path: Path) -> Node:
    return bicep_parser().parse(path.read_bytes()).root_node


def text(node: Node) -> str:
    return (node.text or b"").decode()


def child(node: Node, kind: str) -> Node | None:
    return next((c for c in node.children if c.type == kind), None)


def object_properties(node: Node | None) -> dict[str, Node]:
    """`{ a: x, b: y }` -> {"a": x-node, "b": y-node}."""
    found: dict[str, Node] = {}
    for prop in node.children if node is not None else []:
        if prop.type == "object_property":
            key, value = prop.children[0], prop.children[-1]
            found[text(key).strip("'")] = value
    return found


@cache
def bicep_declarations(path: Path) -> dict[str, Any]:
    params: dict[str, bool] = {}  # name -> has a default
    outputs: list[str] = []
    modules: dict[str, tuple[Path, set[str]]] = {}  # symbol -> (file, params given)
    resources: dict[str, Node] = {}
    for node in bicep_tree(path).children:
        name = child(node, "identifier")
        if node.type == "parameter_declaration" and name is not None:
            params[text(name)] = child(node, "=") is not None
        elif node.type == "output_declaration" and name is not None:
            outputs.append(text(name))
        elif node.type == "module_declaration" and name is not None:
            target = path.parent / text(child(node, "string") or node).strip("'")
            given = object_properties(object_properties(child(node, "object")).get("params"))
            modules[text(name)] = (target, set(given))
        elif node.type == "resource_declaration" and name is not None:
            resources[text(name)] = node
    return {"params": params, "outputs": outputs, "modules": modules, "resources": resources}


def syntax_errors(node: Node) -> list[str]:
    if node.type == "ERROR" or node.is_missing:
        return [f"line {node.start_point[0] + 1}: {text(node)[:60]!r}"]
    return [problem for c in node.children for problem in syntax_errors(c)]


BICEP_FILES = sorted(INFRA.rglob("*.bicep"))


@pytest.mark.parametrize("path", BICEP_FILES, ids=lambda p: str(p.relative_to(INFRA)))
def test_bicep_parses(path: Path) -> None:
    assert syntax_errors(bicep_tree(path)) == []


def test_the_bicep_grammar_reports_a_syntax_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.bicep"
    broken.write_text((INFRA / "azure.bicep").read_text(encoding="utf-8").replace("kind: 'app,linux'", "kind 'app"))
    assert syntax_errors(bicep_parser().parse(broken.read_bytes()).root_node) != []


def test_the_parameters_file_matches_the_template() -> None:
    params = bicep_declarations(INFRA / "azure.bicep")["params"]
    given = set(json.loads((INFRA / "azure.parameters.json").read_text(encoding="utf-8"))["parameters"])
    assert given <= set(params), sorted(given - set(params))
    required = {name for name, has_default in params.items() if not has_default}
    assert required <= given, sorted(required - given)


def test_every_module_call_matches_the_module() -> None:
    main = bicep_declarations(INFRA / "azure.bicep")
    source = (INFRA / "azure.bicep").read_text(encoding="utf-8")
    for symbol, (path, given) in main["modules"].items():
        module = bicep_declarations(path)
        declared = set(module["params"])
        required = {name for name, has_default in module["params"].items() if not has_default}
        assert given <= declared, (symbol, sorted(given - declared))
        assert required <= given, (symbol, sorted(required - given))
        used = set(re.findall(rf"\b{symbol}\.outputs\.(\w+)", source))
        assert used <= set(module["outputs"]), (symbol, sorted(used - set(module["outputs"])))


def app_settings() -> dict[str, str]:
    node = bicep_declarations(INFRA / "azure.bicep")["resources"]["appSettings"]
    values = object_properties(object_properties(child(node, "object")).get("properties"))
    return {name: text(value) for name, value in values.items()}


# Variables read by App Service, the Python runtime's build (Oryx) or the OpenTelemetry distribution, not the bot.
PLATFORM_SETTINGS = {"SCM_DO_BUILD_DURING_DEPLOYMENT", "WEBSITES_PORT", "OTEL_SERVICE_NAME"}


def test_every_app_setting_is_read_by_the_bot_or_its_host() -> None:
    readers = "".join(
        (ROOT / name).read_text(encoding="utf-8")
        for name in ("bot/settings.py", "gunicorn.conf.py", "bot/storage.py", "bot/blobstore.py", ".env.example")
        if (ROOT / name).is_file()
    )
    # The shared state store's variables (issue 11) until that branch is merged; then bot/settings.py reads them.
    state_store = {
        "STATE_STORE",
        "AZURE_STORAGE_ACCOUNT_URL",
        "STATE_CONTAINER",
        "STATE_ENCRYPTION_KEY",
        "AZURE_CLIENT_ID",
    }
    unread = {name for name in app_settings() if f'"{name}"' not in readers and name not in readers.split()}
    assert unread <= PLATFORM_SETTINGS | state_store, sorted(unread - PLATFORM_SETTINGS - state_store)


def test_no_secret_is_an_app_setting_in_clear() -> None:
    settings = app_settings()
    for name in ("SSO_APP_PASSWORD", "STATE_ENCRYPTION_KEY"):
        assert settings[name].startswith("'@Microsoft.KeyVault(SecretUri="), name
    assert "MicrosoftAppPassword" not in settings  # the bot's identity is the managed identity
    assert settings["MicrosoftAppType"] == "'UserAssignedMSI'"
    assert not [name for name in settings if "KEY" in name.upper() and "KeyVault" not in settings[name]]
    storage = (INFRA / "modules" / "state.bicep").read_text(encoding="utf-8")
    assert "allowSharedKeyAccess: false" in storage and "listKeys" not in "".join(p.read_text() for p in BICEP_FILES)


def test_the_blob_role_is_scoped_to_the_state_container() -> None:
    resources = bicep_declarations(INFRA / "modules" / "state.bicep")["resources"]
    role = object_properties(child(resources["blobDataRole"], "object"))
    assert text(role["scope"]) == "container"
    main = (INFRA / "azure.bicep").read_text(encoding="utf-8")
    assert "roleDefinitionId: storageBlobDataContributor" in main
    assert "storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'" in main


# --- the SSO app's Entra manifest ---------------------------------------------------------------------------------


def test_the_sso_app_asks_for_every_graph_permission_and_pre_authorizes_teams() -> None:
    manifest = json.loads((INFRA / "aad.manifest.json").read_text(encoding="utf-8"))
    [graph] = [r for r in manifest["requiredResourceAccess"] if r["resourceAppId"] == "Microsoft Graph"]
    delegated = {a["id"] for a in graph["resourceAccess"] if a["type"] == "Scope"}
    assert set(ALL_SCOPES) <= delegated, f"add to infra/aad.manifest.json: {sorted(set(ALL_SCOPES) - delegated)}"
    assert not [a for a in graph["resourceAccess"] if a["type"] != "Scope"]  # no application permissions
    assert {app["appId"] for app in manifest["preAuthorizedApplications"]} == TEAMS_CLIENTS
    [scope] = manifest["oauth2Permissions"]
    assert scope["value"] == "access_as_user" and scope["isEnabled"]
    teams = json.loads((ROOT / "manifest" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["identifierUris"] == [teams["webApplicationInfo"]["resource"]]
    assert manifest["appId"] == teams["webApplicationInfo"]["id"] == "${{SSO_APP_ID}}"
    assert manifest["accessTokenAcceptedVersion"] == 2


# --- the state key the provision step makes -------------------------------------------------------------------

# How the Toolkit's script action reads a variable from a script's output (teamsfx-core scriptDriver.js).
SET_ENV = re.compile(r"::(set-teamsfx-env|set-output)\s+(\w+)=(([\"'])(.*?)\4|[^\"'\s]+)")


def run_state_key(*args: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "SECRET_STATE_ENCRYPTION_KEY"}
    result = subprocess.run(
        [sys.executable, "tools/state_key.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_state_key_is_a_fernet_key_the_toolkit_can_read() -> None:
    Fernet(run_state_key().encode())  # raises on a malformed key
    [(_, name, value, *_)] = SET_ENV.findall(run_state_key("--toolkit"))
    assert name == "SECRET_STATE_ENCRYPTION_KEY"
    Fernet(value.encode())
    assert run_state_key("--toolkit") != run_state_key("--toolkit")


def test_an_existing_state_key_is_kept() -> None:
    assert SET_ENV.findall(run_state_key("--toolkit", SECRET_STATE_ENCRYPTION_KEY="existing")) == []


# --- what zip deploy uploads ----------------------------------------------------------------------------------


def git_files(*args: str) -> set[str]:
    result = subprocess.run(["git", "ls-files", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(result.stdout.splitlines())


def test_zip_deploy_uploads_the_same_runtime_files_as_the_image() -> None:
    """`.webappignore` (atk deploy) leaves exactly the app: app.py, gunicorn.conf.py, requirements.txt and
    constraints.txt, bot/, cards/
    (gitignore rules, which the Toolkit's ignore file follows; checked on the committed files)."""
    tracked = git_files("--cached")
    uploaded = tracked - git_files("--cached", "--ignored", "--exclude-from=.webappignore")
    expected = {"app.py", "gunicorn.conf.py", "requirements.txt", "constraints.txt"}
    expected |= {f for f in tracked if f.startswith(("bot/", "cards/")) and not f.endswith(".md")}
    assert uploaded == expected, (sorted(uploaded - expected), sorted(expected - uploaded))
    zip_command = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert "zip -r build/app.zip app.py gunicorn.conf.py requirements.txt constraints.txt bot cards" in zip_command

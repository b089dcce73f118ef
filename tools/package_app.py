"""Build the Teams app package: build/appPackage.zip with manifest.json, fr.json, color.png and outline.png at its root.

    BOT_ID=<Azure Bot app id> BOT_DOMAIN=<bot host name> python tools/package_app.py [--out build/appPackage.zip]
    python tools/package_app.py --sync     # rewrite the command menu in manifest/*.json from bot/commands.py

Sources, all in manifest/: `manifest.json` (the newest schema bundled in npm @microsoft/app-manifest) and `fr.json`
(its French localization) with `${{NAME}}` placeholders, and the icons drawn by tools/icons.py.

Placeholders are filled from the environment at packaging time:
  BOT_ID        required, a GUID: the Azure Bot's Microsoft App ID (the bot's MicrosoftAppId). It is the bot id and
                the SSO `webApplicationInfo.id`.
  BOT_DOMAIN    required, a bare host name where the bot is reachable (no scheme, no path), e.g.
                managerdesk.azurewebsites.net: validDomains, the SSO resource api://BOT_DOMAIN/botid-BOT_ID and the
                developer/privacy/terms links (https://BOT_DOMAIN/, /privacy, /terms).
  TEAMS_APP_ID  optional GUID for the Teams app itself; defaults to BOT_ID.
  SSO_APP_ID    optional GUID of the Entra app Teams SSO gets tokens for (`webApplicationInfo.id`); defaults to
                BOT_ID. Set it when the bot's identity is a managed identity (docs/deploy.md).

The command menu (`bots[0].commandLists`, one list per scope) and its French titles and descriptions are generated from
bot/commands.py `MENU_COMMANDS`, the single source of truth. The committed manifest files carry the same lists so
they read as a whole; `--sync` rewrites them and tests/test_manifest.py fails when they drift.

The filled manifest and the localization are validated against the bundled official schemas before anything is
written; the script refuses (exit 2, one clear message) on a missing or placeholder BOT_ID, a bad BOT_DOMAIN,
a schema error or missing node_modules.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python tools/package_app.py` puts tools/ on the path, not the repository
    sys.path.insert(0, str(ROOT))

from bot.commands import MENU_COMMANDS  # noqa: E402

MANIFEST_DIR = ROOT / "manifest"
MANIFEST = MANIFEST_DIR / "manifest.json"
LOCALIZATION = MANIFEST_DIR / "fr.json"
ICONS = ("color.png", "outline.png")
DEFAULT_OUT = ROOT / "build" / "appPackage.zip"
SCHEMA_ROOT = ROOT / "node_modules" / "@microsoft" / "app-manifest" / "build" / "json-schemas" / "teams"

SCOPES = ("personal", "team", "groupChat")
PLACEHOLDER = re.compile(r"\$\{\{([A-Z0-9_]+)\}\}")
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
HOST = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)
# Zip entries get a fixed timestamp so the same inputs give the same bytes.
ZIP_TIME = (2024, 1, 1, 0, 0, 0)


class PackagingError(Exception):
    """Something a human must fix before the package can be built."""


# --- command menu ------------------------------------------------------------------------------------------


def command_lists() -> list[dict[str, Any]]:
    """`bots[0].commandLists`: one list per scope, every command's name and English description."""
    commands = [{"title": c.name, "description": c.description_en} for c in MENU_COMMANDS]
    return [{"scopes": [scope], "commands": [dict(c) for c in commands]} for scope in SCOPES]


def command_translations() -> dict[str, str]:
    """The French command menu: each command's French word (`name_fr`, which the bot answers too) and description."""
    result = {}
    for i in range(len(SCOPES)):
        for j, command in enumerate(MENU_COMMANDS):
            key = f"bots[0].commandLists[{i}].commands[{j}]"
            result[f"{key}.title"] = command.name_fr
            result[f"{key}.description"] = command.description_fr
    return result


def with_commands(manifest: dict[str, Any]) -> dict[str, Any]:
    result = json.loads(json.dumps(manifest))
    result["bots"][0]["commandLists"] = command_lists()
    return result


def localization_with_commands(localization: dict[str, Any]) -> dict[str, Any]:
    result = {k: v for k, v in localization.items() if not k.startswith("bots[")}
    result.update(command_translations())
    return result


# --- placeholders --------------------------------------------------------------------------------------------


def placeholder_values(env: Mapping[str, str]) -> dict[str, str]:
    """The values for `${{NAME}}`, checked; PackagingError with a message a human can act on otherwise."""
    bot_id = env.get("BOT_ID", "").strip()
    if not bot_id:
        raise PackagingError(
            "BOT_ID is not set: export BOT_ID=<the Azure Bot's Microsoft App ID (a GUID)> and run again"
        )
    if PLACEHOLDER.search(bot_id) or not GUID.match(bot_id):
        raise PackagingError(f"BOT_ID must be the Azure Bot's Microsoft App ID (a GUID), got {bot_id!r}")
    domain = env.get("BOT_DOMAIN", "").strip()
    if not domain:
        raise PackagingError(
            "BOT_DOMAIN is not set: export BOT_DOMAIN=<the bot's host name, e.g. managerdesk.azurewebsites.net>"
        )
    if PLACEHOLDER.search(domain) or not HOST.match(domain):
        raise PackagingError(f"BOT_DOMAIN must be a bare host name (no https://, no path), got {domain!r}")
    ids = {name: env.get(name, "").strip() or bot_id for name in ("TEAMS_APP_ID", "SSO_APP_ID")}
    for name, value in ids.items():
        if not GUID.match(value):
            raise PackagingError(f"{name} must be a GUID, got {value!r}")
    return {"BOT_ID": bot_id.lower(), "BOT_DOMAIN": domain.lower(), **{k: v.lower() for k, v in ids.items()}}


def fill(node: Any, values: Mapping[str, str]) -> Any:
    """A copy of `node` with every `${{NAME}}` in its strings replaced; PackagingError on an unknown name."""
    if isinstance(node, dict):
        return {key: fill(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [fill(value, values) for value in node]
    if isinstance(node, str):

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise PackagingError(f"no value for placeholder ${{{{{name}}}}}")
            return values[name]

        return PLACEHOLDER.sub(replace, node)
    return node


# --- schemas -------------------------------------------------------------------------------------------------


def bundled_versions() -> list[str]:
    """The Teams manifest schema versions in node_modules, oldest first ("1.0" ... "1.30"; no devPreview)."""
    if not SCHEMA_ROOT.is_dir():
        raise PackagingError(f"{SCHEMA_ROOT} is missing: run `npm ci --no-audit --no-fund` (or `make node-deps`)")
    found = [p.name[1:] for p in SCHEMA_ROOT.iterdir() if re.fullmatch(r"v\d+\.\d+", p.name)]
    return sorted(found, key=lambda v: tuple(int(n) for n in v.split(".")))


def load_schema(version: str, name: str = "MicrosoftTeams.schema.json") -> dict[str, Any]:
    path = SCHEMA_ROOT / f"v{version}" / name
    if not path.is_file():
        raise PackagingError(f"no bundled schema {path}: run `npm ci --no-audit --no-fund` (or `make node-deps`)")
    return json.loads(path.read_text(encoding="utf-8"))


def ref_siblings_to_all_of(node: Any) -> Any:
    """A copy of a schema where `{"$ref": r, "maxLength": n, ...}` becomes `{"allOf": [{"$ref": r}, {...}]}`.

    Drafts 4 to 7 ignore every keyword next to `$ref`, so the localization schema's length limits
    ("description.short": {"$ref": nonEmptyString, "maxLength": 80}) would not apply; Ajv, which Microsoft's
    tooling uses, applies them. This keeps both the reference and the limits."""
    if isinstance(node, dict):
        node = {key: ref_siblings_to_all_of(value) for key, value in node.items()}
        siblings = {k: v for k, v in node.items() if k not in ("$ref", "description", "title", "default")}
        if "$ref" in node and siblings:
            kept = {k: v for k, v in node.items() if k in ("description", "title", "default")}
            return {**kept, "allOf": [{"$ref": node["$ref"]}, siblings]}
        return node
    if isinstance(node, list):
        return [ref_siblings_to_all_of(value) for value in node]
    return node


def schema_errors(instance: Any, schema: dict[str, Any]) -> list[str]:
    """Errors of `instance` against an official Teams schema. The schemas say draft-04, but draft-04 ignores
    `const` (manifestVersion is a const), so Draft 7 it is; check_schema() is skipped because two patterns use
    `\\p{L}`, which Python's `re` cannot compile (they apply to Office add-in extensions we do not use)."""
    from jsonschema import Draft7Validator  # the runtime venv has it; imported late so --help works without

    validator = Draft7Validator(ref_siblings_to_all_of(schema))
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    ]


# --- build ---------------------------------------------------------------------------------------------------


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def build_files(env: Mapping[str, str]) -> dict[str, bytes]:
    """The package's files, name -> bytes, validated. Raises PackagingError."""
    values = placeholder_values(env)
    manifest = fill(with_commands(read_json(MANIFEST)), values)
    localization = fill(localization_with_commands(read_json(LOCALIZATION)), values)

    version = manifest.get("manifestVersion")
    problems = [f"manifest.json {e}" for e in schema_errors(manifest, load_schema(version))]
    problems += [
        f"fr.json {e}"
        for e in schema_errors(localization, load_schema(version, "MicrosoftTeams.Localization.schema.json"))
    ]
    files = {"manifest.json": manifest, "fr.json": localization}
    referenced = {manifest["icons"]["color"], manifest["icons"]["outline"]}
    referenced |= {lang["file"] for lang in manifest.get("localizationInfo", {}).get("additionalLanguages", [])}
    missing = referenced - set(files) - set(ICONS)
    if missing:
        problems.append(f"manifest.json references files the package does not contain: {sorted(missing)}")
    if problems:
        raise PackagingError("the app package would be invalid:\n  " + "\n  ".join(problems))

    result = {name: (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode() for name, data in files.items()}
    for icon in ICONS:
        result[icon] = (MANIFEST_DIR / icon).read_bytes()
    return result


def write_zip(files: Mapping[str, bytes], out: Path) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buffer.getvalue())
    return out


def package(env: Mapping[str, str], out: Path = DEFAULT_OUT) -> Path:
    return write_zip(build_files(env), out)


def sync_commands() -> list[Path]:
    """Rewrite the command menu in the committed manifest files from bot/commands.py; the paths changed."""
    changed = []
    for path, transform in ((MANIFEST, with_commands), (LOCALIZATION, localization_with_commands)):
        before = read_json(path)
        after = transform(before)
        if after != before:
            path.write_text(json.dumps(after, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="zip to write (default build/appPackage.zip)")
    parser.add_argument("--sync", action="store_true", help="rewrite the command menu in manifest/*.json and exit")
    args = parser.parse_args(argv)
    if args.sync:
        changed = sync_commands()
        print("updated " + ", ".join(str(p.relative_to(ROOT)) for p in changed) if changed else "already in sync")
        return 0
    try:
        out = package(os.environ, args.out)
    except PackagingError as error:
        print(f"package_app: {error}", file=sys.stderr)
        return 2
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

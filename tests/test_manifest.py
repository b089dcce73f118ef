"""Issue 6: the Teams app package. Manifest and localization against the official schemas bundled in npm
@microsoft/app-manifest, the command menu against bot/commands.py, the icons, the zip.

node_modules is required (the Makefile installs it before the tests): when it is missing these tests fail, they
never skip.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from bot.commands import MENU_COMMANDS
from tools import icons
from tools import package_app as pkg

BOT_ID = "6f1c2b7e-0000-4000-8000-00000000b07a"
DOMAIN = "managerdesk.example.com"
ENV = {"BOT_ID": BOT_ID, "BOT_DOMAIN": DOMAIN}
PACKAGE_FILES = ["color.png", "fr.json", "manifest.json", "outline.png"]


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return pkg.build_files(ENV)


@pytest.fixture(scope="module")
def manifest(files) -> dict:
    return json.loads(files["manifest.json"])


@pytest.fixture(scope="module")
def localization(files) -> dict:
    return json.loads(files["fr.json"])


def committed(name: str) -> dict:
    return json.loads((pkg.MANIFEST_DIR / name).read_text(encoding="utf-8"))


def schema(name: str = "MicrosoftTeams.schema.json") -> dict:
    return pkg.load_schema(committed("manifest.json")["manifestVersion"], name)


def errors(instance, schema_) -> list[str]:
    """Draft 7 (Draft 4 ignores `const`), keywords next to `$ref` kept as Ajv keeps them; no check_schema()."""
    return [e.message for e in Draft7Validator(pkg.ref_siblings_to_all_of(schema_)).iter_errors(instance)]


# --- schemas -------------------------------------------------------------------------------------------------


def test_official_schemas_are_installed():
    assert pkg.SCHEMA_ROOT.is_dir(), f"{pkg.SCHEMA_ROOT} is missing: run `npm ci --no-audit --no-fund`"
    assert len(pkg.bundled_versions()) > 20


def test_manifest_uses_the_newest_bundled_schema():
    newest = pkg.bundled_versions()[-1]
    template = committed("manifest.json")
    assert template["manifestVersion"] == newest
    assert template["$schema"].endswith(f"/teams/v{newest}/MicrosoftTeams.schema.json")
    assert committed("fr.json")["$schema"].endswith(f"/teams/v{newest}/MicrosoftTeams.Localization.schema.json")


def test_filled_manifest_validates(manifest):
    assert errors(manifest, schema()) == []
    assert "${{" not in json.dumps(manifest)


def test_filled_manifest_validates_with_the_packages_own_validator(manifest):
    """Ajv draft-04, as @microsoft/app-manifest validates offline (tools/manifestcheck.js)."""
    version = manifest["manifestVersion"]
    proc = subprocess.run(
        [
            "node",
            str(pkg.ROOT / "tools" / "manifestcheck.js"),
            str(pkg.SCHEMA_ROOT / f"v{version}" / "MicrosoftTeams.schema.json"),
        ],
        input=json.dumps(manifest),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


def test_the_validator_catches_a_broken_manifest(manifest):
    broken = copy.deepcopy(manifest)
    broken["manifestVersion"] = "1.29"  # a const: Draft 4 semantics would let it through
    broken["accentColor"] = "teal"
    broken["bots"][0]["scopes"].append("meeting")
    broken["name"]["short"] = "x" * 31
    broken["surprise"] = True
    found = " | ".join(errors(broken, schema()))
    for expected in (
        "'1.30' was expected",
        "'teal' does not match",
        "'meeting' is not one of",
        "is too long",
        "surprise",
    ):
        assert expected in found


def test_template_keeps_placeholders():
    template = committed("manifest.json")
    assert template["bots"][0]["botId"] == "${{BOT_ID}}"
    assert template["webApplicationInfo"] == {
        "id": "${{SSO_APP_ID}}",
        "resource": "api://${{BOT_DOMAIN}}/botid-${{BOT_ID}}",
    }
    assert template["id"] == "${{TEAMS_APP_ID}}"


def test_localization_validates(localization, manifest):
    loc_schema = schema("MicrosoftTeams.Localization.schema.json")
    assert errors(localization, loc_schema) == []
    info = manifest["localizationInfo"]
    assert info["defaultLanguageTag"] == "en-us"
    assert info["additionalLanguages"] == [{"languageTag": "fr-fr", "file": "fr.json"}]
    broken = dict(localization, **{"description.short": "x" * 81, "name.tiny": "x"})
    found = errors(broken, loc_schema)
    assert len(found) == 2 and "is too long" in found[0] + found[1]


def test_length_limits_next_to_ref_are_enforced():
    """Plain Draft 7 ignores `maxLength` beside `$ref` ("description.short" is both); the rewrite keeps it."""
    loc_schema = schema("MicrosoftTeams.Localization.schema.json")
    too_long = dict(committed("fr.json"), **{"description.short": "x" * 81})
    assert list(Draft7Validator(loc_schema).iter_errors(too_long)) == []
    assert errors(too_long, loc_schema) == [f"'{'x' * 81}' is too long"]
    assert errors(dict(too_long, **{"description.short": "null"}), loc_schema)  # the nonEmptyString $ref still applies


def test_french_strings_are_translations(localization, manifest):
    assert localization["name.short"] == "Manager Desk"
    assert localization["description.short"] != manifest["description"]["short"]
    assert localization["description.full"] != manifest["description"]["full"]
    assert "Bookings" in localization["description.full"] and "Shifts" in localization["description.full"]


# --- what the manifest says ------------------------------------------------------------------------------------


def test_identity_and_sso(manifest):
    assert manifest["name"] == {"short": "Manager Desk", "full": "Manager Desk"}
    assert manifest["id"] == BOT_ID  # TEAMS_APP_ID defaults to BOT_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == BOT_ID
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    assert manifest["webApplicationInfo"] == {"id": BOT_ID, "resource": f"api://{DOMAIN}/botid-{BOT_ID}"}
    assert manifest["validDomains"] == [DOMAIN, "token.botframework.com"]
    developer = manifest["developer"]
    assert developer["privacyUrl"] == f"https://{DOMAIN}/privacy"
    assert developer["termsOfUseUrl"] == f"https://{DOMAIN}/terms"
    for word in ("Bookings", "Shifts"):
        assert word in manifest["description"]["short"] and word in manifest["description"]["full"]


def test_teams_app_id_can_differ_from_the_bot():
    other = "0b8d1f2e-1111-4222-8333-444455556666"
    manifest = json.loads(pkg.build_files({**ENV, "TEAMS_APP_ID": other})["manifest.json"])
    assert manifest["id"] == other and manifest["bots"][0]["botId"] == BOT_ID


def test_the_sso_app_can_differ_from_the_bot():
    """A managed-identity bot (docs/deploy.md): Teams SSO gets tokens for the SSO app, whose URI names the bot."""
    sso = "0c9d8e7f-2222-4333-8444-555566667777"
    manifest = json.loads(pkg.build_files({**ENV, "SSO_APP_ID": sso})["manifest.json"])
    assert manifest["webApplicationInfo"] == {"id": sso, "resource": f"api://{DOMAIN}/botid-{BOT_ID}"}
    assert manifest["bots"][0]["botId"] == BOT_ID
    with pytest.raises(pkg.PackagingError, match="SSO_APP_ID must be a GUID"):
        pkg.build_files({**ENV, "SSO_APP_ID": "sso"})


def test_accent_colour_matches_the_icon():
    assert committed("manifest.json")["accentColor"] == "#{:02X}{:02X}{:02X}".format(*icons.ACCENT)


# --- command menu ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["committed", "packaged"])
def test_command_lists_equal_all_commands_for_each_scope(source, manifest):
    data = committed("manifest.json") if source == "committed" else manifest
    lists = data["bots"][0]["commandLists"]
    assert [cl["scopes"] for cl in lists] == [["personal"], ["team"], ["groupChat"]]
    for command_list in lists:
        assert [c["title"] for c in command_list["commands"]] == [c.name for c in MENU_COMMANDS]
        assert [c["description"] for c in command_list["commands"]] == [c.description_en for c in MENU_COMMANDS]


@pytest.mark.parametrize("source", ["committed", "packaged"])
def test_french_command_menu_equals_all_commands(source, localization):
    data = committed("fr.json") if source == "committed" else localization
    for i in range(3):
        for j, command in enumerate(MENU_COMMANDS):
            assert data[f"bots[0].commandLists[{i}].commands[{j}].title"] == command.name_fr
            assert data[f"bots[0].commandLists[{i}].commands[{j}].description"] == command.description_fr
            assert command.name_fr in command.words  # the French menu entry is a word the bot answers
    keys = [k for k in data if k.startswith("bots[")]
    assert len(keys) == 3 * 2 * len(MENU_COMMANDS)


def test_committed_files_are_in_sync_with_bot_commands():
    """If this fails, run `python tools/package_app.py --sync` and commit manifest/."""
    assert pkg.with_commands(committed("manifest.json")) == committed("manifest.json")
    assert pkg.localization_with_commands(committed("fr.json")) == committed("fr.json")


def test_sync_follows_a_new_command(monkeypatch, tmp_path):
    for name in ("manifest.json", "fr.json"):
        (tmp_path / name).write_bytes((pkg.MANIFEST_DIR / name).read_bytes())
    monkeypatch.setattr(pkg, "MANIFEST", tmp_path / "manifest.json")
    monkeypatch.setattr(pkg, "LOCALIZATION", tmp_path / "fr.json")
    extra = dataclasses.replace(
        MENU_COMMANDS[0],
        name="rota",
        name_fr="planning",
        description_en="Show the rota",
        description_fr="Afficher le planning",
    )
    monkeypatch.setattr(pkg, "MENU_COMMANDS", (*MENU_COMMANDS, extra))
    assert pkg.sync_commands() == [tmp_path / "manifest.json", tmp_path / "fr.json"]
    synced = json.loads((tmp_path / "manifest.json").read_text())
    assert all(
        cl["commands"][-1] == {"title": "rota", "description": "Show the rota"}
        for cl in synced["bots"][0]["commandLists"]
    )
    fr = json.loads((tmp_path / "fr.json").read_text())
    assert fr[f"bots[0].commandLists[2].commands[{len(MENU_COMMANDS)}].description"] == "Afficher le planning"
    assert pkg.sync_commands() == []


# --- icons -----------------------------------------------------------------------------------------------------


def test_icons_are_reproducible():
    for name, data in icons.icons().items():
        assert (pkg.MANIFEST_DIR / name).read_bytes() == data, f"run python tools/icons.py ({name} is stale)"


def test_color_icon():
    width, height, rows = icons.decode_png((pkg.MANIFEST_DIR / "color.png").read_bytes())
    assert (width, height) == (192, 192)
    colours = {pixel for row in rows for pixel in row}
    assert icons.ACCENT in colours and icons.WHITE in colours
    assert all(len(pixel) == 3 for pixel in colours)  # opaque: Teams puts it on its own tile
    assert rows[0][0] == rows[-1][-1] == icons.ACCENT  # full-bleed background


def test_outline_icon_is_white_on_transparent():
    width, height, rows = icons.decode_png((pkg.MANIFEST_DIR / "outline.png").read_bytes())
    assert (width, height) == (32, 32)
    pixels = [pixel for row in rows for pixel in row]
    assert all(len(pixel) == 4 for pixel in pixels)
    assert {pixel[:3] for pixel in pixels} == {(255, 255, 255)}
    alphas = [pixel[3] for pixel in pixels]
    assert set(alphas) == {0, 255}
    assert 0.15 < alphas.count(255) / len(alphas) < 0.6
    border = rows[0] + rows[-1] + [row[0] for row in rows] + [row[-1] for row in rows]
    assert all(pixel[3] == 0 for pixel in border)


def test_png_decoder_handles_every_filter():
    import struct
    import zlib

    # 2x1 RGB image, one row per filter type, hand-built: each row decodes to (10,20,30),(40,60,80).
    raw = b""
    for kind, payload in [
        (0, [10, 20, 30, 40, 60, 80]),
        (1, [10, 20, 30, 30, 40, 50]),
        (2, [0, 0, 0, 0, 0, 0]),
        (3, [5, 10, 15, 15, 20, 25]),
        (4, [0, 0, 0, 0, 0, 0]),
    ]:
        raw += bytes([kind, *payload])
    header = struct.pack(">IIBBBBB", 2, 5, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + icons._chunk(b"IHDR", header) + icons._chunk(b"IDAT", zlib.compress(raw))
    data += icons._chunk(b"IEND", b"")
    _, _, rows = icons.decode_png(data)
    assert rows == [[(10, 20, 30), (40, 60, 80)]] * 5


# --- the zip ---------------------------------------------------------------------------------------------------


def test_zip_layout(tmp_path, files):
    out = pkg.package(ENV, tmp_path / "build" / "appPackage.zip")
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == PACKAGE_FILES
        assert archive.testzip() is None
        for name in PACKAGE_FILES:
            assert archive.read(name) == files[name]
        manifest = json.loads(archive.read("manifest.json"))
    referenced = {manifest["icons"]["color"], manifest["icons"]["outline"]}
    referenced |= {lang["file"] for lang in manifest["localizationInfo"]["additionalLanguages"]}
    assert referenced == set(PACKAGE_FILES) - {"manifest.json"}
    for icon in ("color.png", "outline.png"):
        assert files[icon] == (pkg.MANIFEST_DIR / icon).read_bytes()


def test_zip_is_deterministic(tmp_path):
    first = pkg.package(ENV, tmp_path / "a.zip").read_bytes()
    assert pkg.package(ENV, tmp_path / "b.zip").read_bytes() == first


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BOT_DOMAIN": DOMAIN}, "BOT_ID is not set"),
        ({"BOT_ID": "", "BOT_DOMAIN": DOMAIN}, "BOT_ID is not set"),
        ({"BOT_ID": "${{BOT_ID}}", "BOT_DOMAIN": DOMAIN}, "BOT_ID must be"),
        ({"BOT_ID": "my-bot", "BOT_DOMAIN": DOMAIN}, "BOT_ID must be"),
        ({"BOT_ID": BOT_ID}, "BOT_DOMAIN is not set"),
        ({"BOT_ID": BOT_ID, "BOT_DOMAIN": f"https://{DOMAIN}"}, "bare host name"),
        ({"BOT_ID": BOT_ID, "BOT_DOMAIN": f"{DOMAIN}/api"}, "bare host name"),
        ({"BOT_ID": BOT_ID, "BOT_DOMAIN": "${{BOT_DOMAIN}}"}, "bare host name"),
        ({**ENV, "TEAMS_APP_ID": "app"}, "TEAMS_APP_ID must be a GUID"),
    ],
)
def test_refuses_without_real_values(env, message, tmp_path):
    out = tmp_path / "appPackage.zip"
    with pytest.raises(pkg.PackagingError, match=re.escape(message)):
        pkg.package(env, out)
    assert not out.exists()


def test_refuses_an_invalid_manifest(monkeypatch, tmp_path):
    broken = committed("manifest.json")
    broken["accentColor"] = "teal"
    (tmp_path / "manifest.json").write_text(json.dumps(broken))
    monkeypatch.setattr(pkg, "MANIFEST", tmp_path / "manifest.json")
    with pytest.raises(pkg.PackagingError, match=r"manifest\.json accentColor: 'teal' does not match"):
        pkg.build_files(ENV)


def test_fails_loudly_without_node_modules(monkeypatch, tmp_path):
    monkeypatch.setattr(pkg, "SCHEMA_ROOT", tmp_path / "nowhere")
    with pytest.raises(pkg.PackagingError, match="npm ci"):
        pkg.build_files(ENV)


def test_command_line(tmp_path):
    script = str(pkg.ROOT / "tools" / "package_app.py")
    base_env = {k: v for k, v in os.environ.items() if k not in ("BOT_ID", "BOT_DOMAIN", "TEAMS_APP_ID", "SSO_APP_ID")}
    out = tmp_path / "appPackage.zip"
    refused = subprocess.run(
        [sys.executable, script, "--out", str(out)], env=base_env, capture_output=True, text=True, check=False
    )
    assert refused.returncode == 2 and "BOT_ID is not set" in refused.stderr and not out.exists()
    built = subprocess.run(
        [sys.executable, script, "--out", str(out)],
        env={**base_env, **ENV},
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    assert sorted(zipfile.ZipFile(out).namelist()) == PACKAGE_FILES
    assert Path(out).stat().st_size > 0

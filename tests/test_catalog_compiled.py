"""The catalog compiled from open data (awesome-selfhosted, the CNCF landscape): the compiler on small datasets it is
given here, the shipped file against a fresh compile of ../shared/data, and a broken file refused with a clear
message."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.config import data_dir
from assistant.errors import InputError
from assistant.stack.catalog import COMPILED_NAME, load_catalog, source_repo
from assistant.stack.compile import compile_catalog, main, write
from assistant.stack.matching import alias_pattern
from tests.conftest import PROJECT

KNOWLEDGE = data_dir("knowledge")
SHARED_DATA = PROJECT.parent / "shared" / "data"

VAULTWARDEN = """\
name: Vaultwarden
website_url: https://github.com/dani-garcia/vaultwarden
description: A prose description that must never be copied.
tags:
  - Password Managers
source_code_url: https://github.com/dani-garcia/vaultwarden
"""
HOMEPAGE = """\
name: Homepage by gethomepage
website_url: https://gethomepage.dev
description: Another description.
tags:
  - Personal Dashboards
source_code_url: https://github.com/gethomepage/homepage
"""
KEEP = """\
name: Keep
description: A notes app named by an ordinary word.
tags:
  - Note-taking & Editors
source_code_url: https://github.com/example/keep-notes
"""
GAME = """\
name: Some Game
description: Not in the role table.
tags:
  - Board Games Nobody Mapped
source_code_url: https://github.com/example/game
"""
LANDSCAPE = """\
landscape:
  - category:
    name: Provisioning
    subcategories:
      - subcategory:
        name: Container Registry
        items:
          - item:
            name: Harbor
            description: Prose.
            repo_url: https://github.com/goharbor/harbor
            homepage_url: https://goharbor.io/
          - item:
            name: Some Hosted Registry
            homepage_url: https://example.com/
      - subcategory:
        name: Key Management
        items:
          - item:
            name: Teller
            repo_url: https://github.com/tellerops/teller
"""


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    software = root / "awesome-selfhosted" / "software"
    software.mkdir(parents=True)
    for name, text in {"vaultwarden": VAULTWARDEN, "homepage": HOMEPAGE, "keep": KEEP, "game": GAME}.items():
        (software / f"{name}.yml").write_text(text, encoding="utf-8")
    (root / "awesome-selfhosted" / "SNAPSHOT").write_text("snapshot: abc123\n", encoding="utf-8")
    (root / "cncf-landscape").mkdir()
    (root / "cncf-landscape" / "landscape.yml").write_text(LANDSCAPE, encoding="utf-8")
    return root


def test_the_compiler_maps_tags_to_roles_and_keeps_no_prose(data: Path, tmp_path: Path) -> None:
    catalog = compile_catalog(data, KNOWLEDGE / "role_table.yaml")
    by_slug = {t.slug: t for t in catalog.tools}
    assert by_slug["vaultwarden"].roles == ["password-manager"]
    assert by_slug["vaultwarden"].source == "github.com/dani-garcia/vaultwarden"
    assert by_slug["homepage"].name == "Homepage"  # "by gethomepage" names the author, not the tool
    assert by_slug["harbor"].roles == ["registry"]
    assert by_slug["teller"].roles == ["family-key-management"]  # a coarse subcategory is a family, never a role
    assert by_slug["keep"].common_name and not by_slug["vaultwarden"].common_name
    assert "some-game" not in by_slug  # its tag is not in the role table
    assert "some-hosted-registry" not in by_slug  # no source repository: a vendor, not a project one runs
    out = tmp_path / "compiled.json"
    write(catalog, out)
    text = out.read_text(encoding="utf-8")
    assert '"description"' not in text and "Prose" not in text and "never be copied" not in text
    assert "CC-BY-SA 3.0" in json.loads(text)["attribution"]["awesome-selfhosted"]
    assert "abc123" in json.loads(text)["attribution"]["awesome-selfhosted"]


def test_the_command_refuses_a_folder_without_the_datasets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path), "--out", str(tmp_path / "x.json")]) == 2
    assert "holds no awesome-selfhosted" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


def test_the_shipped_file_is_a_fresh_compile_of_the_shared_data(tmp_path: Path) -> None:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the open datasets are not at {SHARED_DATA}")
    out = tmp_path / "compiled.json"
    write(compile_catalog(SHARED_DATA, KNOWLEDGE / "role_table.yaml"), out)
    assert out.read_text(encoding="utf-8") == (KNOWLEDGE / COMPILED_NAME).read_text(encoding="utf-8")


def test_the_shipped_catalog_is_small_and_knows_thousands_of_tools() -> None:
    assert (KNOWLEDGE / COMPILED_NAME).stat().st_size < 2_000_000
    catalog = load_catalog(KNOWLEDGE / "roles.yaml")
    assert len(catalog.tools) > 1000
    hand = {t.slug for t in catalog.tools if t.origin == "hand"}
    # hand-written entries win: the compiled Velero and Flux are the hand-written ones, with their charts
    assert {"velero", "flux", "talos", "paperless-ngx"} <= hand
    assert catalog.by_slug["vaultwarden"].origin == "awesome-selfhosted"
    assert "rook" not in catalog.by_slug  # the landscape's Rook is the hand-written Rook-Ceph (images rook/ceph)


def _catalog_copy(tmp_path: Path, compiled: str) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    shutil.copy(KNOWLEDGE / "roles.yaml", folder / "roles.yaml")
    (folder / COMPILED_NAME).write_text(compiled, encoding="utf-8")
    return folder / "roles.yaml"


@pytest.mark.parametrize("compiled", ['{"version": 1, "tools": [', '{"roles": [], "tools": [{"slug": 3}]}', "\x00\x01"])
def test_a_broken_compiled_catalog_is_refused_with_a_clear_message(tmp_path: Path, compiled: str) -> None:
    with pytest.raises(InputError, match=r"compiled catalog .* is unreadable .*make catalog"):
        load_catalog(_catalog_copy(tmp_path, compiled))


def test_without_a_compiled_file_the_hand_written_catalog_still_works(tmp_path: Path) -> None:
    path = _catalog_copy(tmp_path, "")
    (path.parent / COMPILED_NAME).unlink()
    catalog = load_catalog(path)
    assert "velero" in catalog.by_slug and "vaultwarden" not in catalog.by_slug


def test_a_common_word_name_names_the_tool_only_inside_a_sentence() -> None:
    catalog = load_catalog(KNOWLEDGE / "roles.yaml")
    keep = next(t for t in catalog.tools if t.origin != "hand" and t.common_name and t.name == "Keep")
    pattern = alias_pattern(keep.names)
    assert pattern.search("We could deploy Keep for the alerts")
    assert not pattern.search("Keep the old dashboards.")
    assert not pattern.search("It works. Keep it simple")
    assert not pattern.search("we keep backups")


def test_source_repositories_are_normalised() -> None:
    assert source_repo("https://github.com/Org/Repo.git") == "github.com/org/repo"
    assert source_repo("https://gitlab.com/mayan-edms/mayan-edms/-/tree/main") == "gitlab.com/mayan-edms/mayan-edms"
    assert source_repo("https://www.plex.tv/") == ""

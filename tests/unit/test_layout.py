"""The layout of docs/architecture.md, held by the imports themselves.

The domain (``coops``, then ``commitments``) has no views and imports no
audience package; ``coops`` knows nothing of ``commitments``; each audience
package uses the domain and the site's infrastructure, never another audience
(the API reads the public site's open-data records, the one allowed edge).
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
AUDIENCES = ("accounts", "workspace", "federation", "public", "api", "documents", "webhooks")
# The site's infrastructure, which the domain may import: settings from the
# environment, caches, mail, files, time limits. It is a folder, so that
# a module joins the layer by where it lives, not by a hand-kept list.
INFRASTRUCTURE_FOLDER = ROOT / "qualicoop" / "lib"
INFRASTRUCTURE = {
    f"qualicoop.lib.{path.stem}"
    for path in INFRASTRUCTURE_FOLDER.glob("*.py")
    if path.stem != "__init__"
}
# The modules an audience may take from another, and no others (never views):
# the documents' downloads are declared with the workspace's and the
# federation's own access decorators, so that who may download what is written
# once (the synthesis page, in the federation's area, shares its campaign
# filter), and so are the webhooks' pages; the API serves the public site's
# records and search, and validates a cooperative's writes with the
# workspace's own forms (the same messages).
ALLOWED_BETWEEN_AUDIENCES = {
    ("api", "qualicoop.public.opendata"),
    ("api", "qualicoop.public.search"),
    ("api", "qualicoop.public.project_filters"),
    ("api", "qualicoop.workspace.forms"),
    ("documents", "qualicoop.workspace.access"),
    ("documents", "qualicoop.federation.access"),
    ("documents", "qualicoop.federation.forms"),
    ("webhooks", "qualicoop.workspace.access"),
    ("webhooks", "qualicoop.federation.access"),
}


def _modules(package):
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module
            # "from package import module" imports that module.
            for alias in node.names:
                name = f"{base}.{alias.name}"
                yield name if (ROOT / (name.replace(".", "/") + ".py")).exists() else base


def _audience_of(module):
    parts = module.split(".")
    if parts[0] == "qualicoop" and len(parts) > 1 and parts[1] in AUDIENCES:
        return parts[1]
    return None


@pytest.mark.parametrize("package", ["coops", "commitments"])
def test_the_domain_imports_no_audience_and_only_infrastructure_of_the_site(package):
    wrong = []
    for path in _modules(package):
        for module in _imports(path):
            if module.split(".")[0] == "qualicoop" and (
                module != "qualicoop.lib" and ".".join(module.split(".")[:3]) not in INFRASTRUCTURE
            ):
                wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert wrong == []


def test_cooperatives_know_nothing_of_commitments():
    wrong = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in _modules("coops")
        for module in _imports(path)
        if module.split(".")[0] == "commitments"
    ]
    assert wrong == []


def test_the_domain_has_no_views():
    views = [
        str(path.relative_to(ROOT))
        for package in ("coops", "commitments")
        for path in _modules(package)
        if path.stem in {"views", "urls"} or "views" in path.parts or "urls" in path.parts
    ]
    assert views == []


def test_the_infrastructure_folder_holds_the_layer():
    assert {"qualicoop.lib.mail", "qualicoop.lib.file_store", "qualicoop.lib.env"} <= INFRASTRUCTURE


def test_infrastructure_imports_only_itself_below_the_site():
    wrong = []
    for path in _modules("qualicoop/lib"):
        for module in _imports(path):
            top = module.split(".")[0]
            below = module == "qualicoop.lib" or module.startswith("qualicoop.lib.")
            if top in {"coops", "commitments"} or (top == "qualicoop" and not below):
                wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert wrong == []


@pytest.mark.parametrize("audience", AUDIENCES)
def test_an_audience_imports_no_other_audience(audience):
    wrong = []
    for path in _modules(f"qualicoop/{audience}"):
        for module in _imports(path):
            other = _audience_of(module)
            if other and other != audience and (audience, module) not in ALLOWED_BETWEEN_AUDIENCES:
                wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert wrong == []

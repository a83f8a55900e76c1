"""The apps depend on each other one way: core ← accounts ← service_requests ← chat.

A lower app announces what happened (a signal) and a higher one reacts; it never imports
the higher one, and no import inside a function hides a dependency (docs/architecture.md).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["core", "accounts", "service_requests", "chat"]
# The exceptions, each said where it is made: access to a request needs the request model
# (and names the user model in its type hints).
ALLOWED_UPWARD = {
    ("core/permissions.py", "tenantdesk.service_requests.models"),
    ("core/permissions.py", "tenantdesk.accounts.models"),
}


def _modules():
    for path in sorted((ROOT / "tenantdesk").rglob("*.py")):
        relative = path.relative_to(ROOT / "tenantdesk").as_posix()
        if "/migrations/" in relative:
            continue
        yield relative, ast.parse(path.read_text(), filename=str(path))


def _imported(node) -> list[str]:
    if isinstance(node, ast.ImportFrom) and node.module:
        return [node.module]
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return []


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "tenantdesk" or len(parts) < 2 or parts[1] not in LAYERS:
        return None
    return LAYERS.index(parts[1])


def test_no_app_imports_an_app_built_on_it():
    wrong = []
    for relative, tree in _modules():
        own = relative.split("/")[0]
        if own not in LAYERS:
            continue
        for node in ast.walk(tree):
            for module in _imported(node):
                layer = _layer(module)
                upward = layer is not None and layer > LAYERS.index(own)
                if upward and (relative, module) not in ALLOWED_UPWARD:
                    wrong.append(f"{relative} imports {module}")
    assert not wrong, wrong


def test_no_function_hides_an_import_of_our_own_code():
    hidden = []
    for relative, tree in _modules():
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            # AppConfig.ready() is where Django wants receivers connected.
            if relative.endswith("apps.py") and function.name == "ready":
                continue
            for node in ast.walk(function):
                hidden += [
                    f"{relative}:{node.lineno} {module}"
                    for module in _imported(node)
                    if module.startswith("tenantdesk")
                ]
    assert not hidden, hidden


def test_the_check_sees_imports_at_all():
    # Guards the two tests above against passing because they parse nothing.
    count = sum(len(_imported(node)) for _r, tree in _modules() for node in ast.walk(tree))
    assert count > 100

"""No import inside a function hides a dependency on our own code (docs/architecture.md).

Which app may import which is import-linter's (the contracts in pyproject.toml, run by
`make lint` and CI as `lint-imports`); what it cannot tell is an import tucked into a
function, where a dependency the contracts allow would still be hidden from a reader.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
    # Guards the test above against passing because it parses nothing.
    count = sum(len(_imported(node)) for _r, tree in _modules() for node in ast.walk(tree))
    assert count > 100


def test_no_module_is_over_400_lines():
    """Modules by sub-domain (issue 19): a module that grows past this is two things."""
    long = [
        f"{relative}: {len(path.read_text().splitlines())}"
        for relative, path in (
            (p.relative_to(ROOT).as_posix(), p) for p in (ROOT / "tenantdesk").rglob("*.py")
        )
        if "/migrations/" not in relative and len(path.read_text().splitlines()) > 400
    ]
    assert not long, long

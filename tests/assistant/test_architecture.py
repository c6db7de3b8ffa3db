"""Architecture rules, read from the source with ``ast`` (nothing is imported):

* no module imports another module's ``_private`` names (``from x import _y``, or ``x._y`` on an
  imported project module);
* no import cycles among the modules of assistant/, tools/ and ui/ (module-level imports; imports
  inside functions and ``if TYPE_CHECKING:`` blocks are lazy and do not count);
* ``assistant/answerers/`` imports nothing from ``tools``;
* ``tools`` imports from ``assistant`` only ``assistant.types``, ``assistant.errors`` and ``assistant.settings``;
* ``assistant`` never imports streamlit.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("assistant", "tools", "ui")
TOOLS_MAY_IMPORT = {"assistant.types", "assistant.errors", "assistant.settings"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the module imported (a submodule when ``from pkg import sub`` names one)
    names: tuple[str, ...]  # names taken from the target (empty for ``import x``)
    line: int
    top: bool  # run when the module is imported (not inside a function or a TYPE_CHECKING block)


def module_name(path: Path, root: Path = REPO) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules_of(root: Path) -> dict[str, Path]:
    """Every module of the project's packages under ``root``, by dotted name."""
    return {module_name(p, root): p for pkg in PACKAGES for p in sorted((root / pkg).rglob("*.py"))}


MODULES = modules_of(REPO)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, top: bool) -> Iterator[tuple[ast.AST, bool]]:
    for child in ast.iter_child_nodes(node):
        lazy = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) or (
            isinstance(child, ast.If) and _is_type_checking(child)
        )
        yield child, top
        yield from _walk(child, top and not lazy)


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    if not level:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def imports(module: str, modules: dict[str, Path] = MODULES) -> list[Import]:
    path = modules[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Import] = []
    for node, top in _walk(tree, True):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, (), node.lineno, top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, path.name == "__init__.py", node.level, node.module)
            plain = [a.name for a in node.names if f"{target}.{a.name}" not in modules]
            found += [Import(module, f"{target}.{a.name}", (), node.lineno, top) for a in node.names if f"{target}.{a.name}" in modules]
            if plain:
                found.append(Import(module, target, tuple(plain), node.lineno, top))
    return found


ALL_IMPORTS = [imp for module in MODULES for imp in imports(module)]


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _in(target: str, package: str) -> bool:
    return target == package or target.startswith(package + ".")


def _project(target: str) -> bool:
    return any(_in(target, p) for p in PACKAGES)


def _where(imp: Import, modules: dict[str, Path] = MODULES) -> str:
    path = modules[imp.module]
    return f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}:{imp.line}"


def private_uses(modules: dict[str, Path] = MODULES) -> list[str]:
    """``from x import _y`` and ``x._y`` where x is another project module."""
    every = ALL_IMPORTS if modules is MODULES else [i for m in modules for i in imports(m, modules)]
    bad = [
        f"{_where(i, modules)}: imports {', '.join(n for n in i.names if _private(n))} from {i.target}"
        for i in every
        if _project(i.target) and i.target != i.module and any(_private(n) for n in i.names)
    ]
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                aliases.update({(a.asname or a.name): a.name for a in node.names if _project(a.name) and a.asname})
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(module, path.name == "__init__.py", node.level, node.module)
                aliases.update({(a.asname or a.name): f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules})
        shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
                if _private(node.attr) and aliases[node.value.id] != module:
                    bad.append(f"{shown}:{node.lineno}: uses {aliases[node.value.id]}.{node.attr}")
    return sorted(set(bad))


def cycles(modules: dict[str, Path] = MODULES) -> list[list[str]]:
    """Import cycles among project modules (module-level imports), each as its modules, sorted."""
    every = ALL_IMPORTS if modules is MODULES else [i for m in modules for i in imports(m, modules)]
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for i in every:
        if i.top and i.target in modules and i.target != i.module:
            graph[i.module].add(i.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_scan_sees_the_project() -> None:
    assert {"assistant.cli", "assistant.answerers.extractive", "tools.transcribe", "ui.app"} <= MODULES.keys()
    assert any(i.module == "assistant.evaluation.tatqa" and i.target == "assistant.evaluation.metrics" and i.top for i in ALL_IMPORTS)
    assert any(i.module == "assistant.evaluation.tatqa" and i.target == "assistant.orchestrator" and not i.top for i in ALL_IMPORTS)


def test_no_module_imports_another_modules_private_names() -> None:
    bad = private_uses()
    assert not bad, "private names used across modules (make them public):\n" + "\n".join(bad)


def test_no_import_cycles() -> None:
    found = cycles()
    assert not found, "import cycles (module-level imports):\n" + "\n".join(" <-> ".join(c) for c in found)


# Answerers that still run perception themselves (issue 15, items 3-4: the image tools should hand these
# over typed in ImageDescription). Each entry must go once its import does; nothing may be added.
ANSWERERS_STILL_IMPORTING_TOOLS = {
    ("assistant.answerers.chart_chain", "tools.describe_image.printed_table"),  # reads printed tables from OCR lines
    ("assistant.answerers.chart_chain", "tools.describe_image.images"),  # loads pixels for the colour of printed figures
    ("assistant.answerers.chart_qa", "tools.describe_image.axes"),  # reads the axes from OCR lines
    ("assistant.answerers.prompting", "tools.describe_image.dicom"),  # a DICOM's pixels for a model prompt
    ("assistant.answerers.transformers_vlm", "tools.describe_image.caption"),  # the caption prompt
}


def test_answerers_import_nothing_from_tools() -> None:
    found = {(i.module, i.target): _where(i) for i in ALL_IMPORTS if _in(i.module, "assistant.answerers") and _in(i.target, "tools")}
    new = [f"{where}: {target}" for (module, target), where in found.items() if (module, target) not in ANSWERERS_STILL_IMPORTING_TOOLS]
    assert not new, "assistant/answerers imports tools (perception belongs in tools, reasoning over its output here):\n" + "\n".join(new)
    gone = ANSWERERS_STILL_IMPORTING_TOOLS - found.keys()
    assert not gone, f"no longer imported, remove from ANSWERERS_STILL_IMPORTING_TOOLS: {sorted(gone)}"


def test_tools_import_only_types_errors_settings_from_assistant() -> None:
    bad = [
        f"{_where(i)}: {i.target}"
        for i in ALL_IMPORTS
        if _in(i.module, "tools") and _in(i.target, "assistant") and not any(_in(i.target, ok) for ok in TOOLS_MAY_IMPORT)
    ]
    assert not bad, f"tools import from assistant beyond {sorted(TOOLS_MAY_IMPORT)}:\n" + "\n".join(bad)


def test_assistant_never_imports_streamlit() -> None:
    bad = [f"{_where(i)}: {i.target}" for i in ALL_IMPORTS if _in(i.module, "assistant") and _in(i.target, "streamlit")]
    assert not bad, "assistant imports streamlit:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from assistant.types import _clock\n", ["imports _clock from assistant.types"]),
        ("from .types import Evidence, _clock as clock\n", ["imports _clock from assistant.types"]),
        ("import assistant.types as t\nx = t._clock\n", ["uses assistant.types._clock"]),
        ("from assistant import types\nx = types._clock()\n", ["uses assistant.types._clock"]),
        ("from assistant.types import Evidence, __all__\ndef f():\n    return _own()\n", []),
    ],
)
def test_the_private_scan_catches_what_it_should(tmp_path: Path, source: str, expected: list[str]) -> None:
    (tmp_path / "assistant").mkdir()
    (tmp_path / "assistant" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "assistant" / "types.py").write_text("def _clock(): ...\nclass Evidence: ...\n", encoding="utf-8")
    (tmp_path / "assistant" / "probe.py").write_text(source, encoding="utf-8")
    found = [line.split(": ", 1)[1] for line in private_uses(modules_of(tmp_path))]
    assert found == expected


def test_the_cycle_scan_counts_module_level_imports_only(tmp_path: Path) -> None:
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "tools" / "a.py").write_text("from tools import b\n", encoding="utf-8")
    (tmp_path / "tools" / "b.py").write_text("def f():\n    from tools import a\n", encoding="utf-8")
    (tmp_path / "tools" / "c.py").write_text("import tools.d\n", encoding="utf-8")
    (tmp_path / "tools" / "d.py").write_text("from . import c\n", encoding="utf-8")
    assert cycles(modules_of(tmp_path)) == [["tools.c", "tools.d"]]

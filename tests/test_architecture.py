"""Layers point down: the import graph of `publish/` has no cycle and no upward import.

Every module of the package is parsed (not imported) and each `import` it makes, at module
level or inside a function, becomes an edge to the `publish` module it names. Each module
belongs to one layer of `LAYERS`, bottom first; a module may import its own layer or a lower
one, never a higher one, and no chain of imports may lead back to where it started.

A module that fits no layer fails the test: a new module gets a place in the table below
before it gets code. `python -m tests.test_architecture [PACKAGE_FOLDER]` prints the figures
(modules, cycles, upward imports) of any checkout.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("errors", ("publish", "publish.errors")),
    ("model", ("publish.model",)),
    ("files", ("publish.files", "publish.pages")),
    ("config", ("publish.config",)),
    ("locale", ("publish.locale", "publish.strings", "publish.resources",
                "publish.sentences")),
    ("content", ("publish.reader", "publish.catalogs", "publish.sms", "publish.speech",
                 "publish.braille",
                 "publish.summary", "publish.print_link",
                 "publish.theme", "publish.templates", "publish.fetching", "publish.localise",
                 "publish.outline", "publish.readability", "publish.epub")),
    ("renderers", ("publish.renderers",)),
    ("rendering", ("publish.rendering",)),
    ("site", ("publish.site",)),
    ("build", ("publish.build",)),
    ("serve", ("publish.serve",)),
    ("commands", ("publish.commands", "publish.__main__")),
)
"""Bottom first: errors and the content model; files and page paths; the configuration;
locales, the translation protocol, built-in data and sentences; reading pages, catalogs, SMS,
speech, themes and their templates; the renderers; rendering one page; the build; the
preview server that runs it; the command line, which nothing imports."""


def module_names(package: Path) -> dict[str, Path]:
    """Dotted name → source file, for every module under the package folder."""
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package modules `name` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            # `from publish.build import state` names a module; `from publish.build import
            # build` names something inside publish.build.
            targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules
                       else module for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(package: Path) -> dict[str, set[str]]:
    modules = module_names(package)
    return {name: imports(name, path, modules) for name, path in modules.items()}


# Where the modules of the layout before the build package and the commands package would
# sit: only for printing the figures of an older checkout.
FORMER_MODULES = {"publish.cli": "commands", "publish.cache": "build",
                  "publish.scheduling": "build", "publish.progress": "build"}


def layer_of(module: str, former: bool = False) -> int | None:
    """Index in `LAYERS` of the longest prefix that names the module or its package."""
    if former and module in FORMER_MODULES:
        return [name for name, _prefixes in LAYERS].index(FORMER_MODULES[module])
    best: tuple[int, int] | None = None
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or (prefix != "publish"
                                           and module.startswith(prefix + "."))
            if matches and (best is None or len(prefix) > best[1]):
                best = (index, len(prefix))
    return best[0] if best else None


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        # Iterative, so a long chain of imports cannot hit the recursion limit.
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def upward(graph: dict[str, set[str]], former: bool = False) -> list[str]:
    """`a -> b (layer of a < layer of b)` for every import that points up."""
    found = []
    for module, targets in sorted(graph.items()):
        here = layer_of(module, former)
        for target in sorted(targets):
            there = layer_of(target, former)
            if here is not None and there is not None and there > here:
                found.append(f"{module} ({LAYERS[here][0]}) -> {target} ({LAYERS[there][0]})")
    return found


def _lines(items: Iterable[object]) -> str:
    return "\n".join(f"  {item}" for item in items)


GRAPH = import_graph(ROOT / "publish")


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(module for module in GRAPH if layer_of(module) is None)
    assert not unplaced, f"add these modules to LAYERS:\n{_lines(unplaced)}"


def test_no_import_cycle() -> None:
    found = cycles(GRAPH)
    assert not found, f"import cycles:\n{_lines(' <-> '.join(group) for group in found)}"


def test_no_upward_import() -> None:
    found = upward(GRAPH)
    assert not found, f"imports that point up a layer:\n{_lines(found)}"


def test_the_commands_are_imported_by_nothing() -> None:
    importers = sorted(f"{module} -> {target}" for module, targets in GRAPH.items()
                       for target in targets
                       if layer_of(target) == len(LAYERS) - 1 and layer_of(module) != layer_of(
                           target))
    assert not importers


def test_the_catalogs_are_a_library() -> None:
    """No command line and no build inside `publish.catalogs`."""
    for module, targets in GRAPH.items():
        if module == "publish.catalogs" or module.startswith("publish.catalogs."):
            source = module_names(ROOT / "publish")[module].read_text("utf-8")
            assert "import click" not in source, module
            assert not [t for t in targets if t.startswith(("publish.build",
                                                            "publish.commands"))], module


def test_rendering_and_build_are_apart() -> None:
    """Rendering a page knows nothing of plans, state or schedulers; the build package is
    the only home of `build()`."""
    assert not [t for t in GRAPH["publish.rendering"] if t.startswith("publish.build")]
    assert {"publish.build.plan", "publish.build.state", "publish.build.fingerprints",
            "publish.build.scheduling", "publish.build.progress",
            "publish.build.report"} <= set(GRAPH)


def test_the_checker_sees_what_it_must(tmp_path: Path) -> None:
    """The parser finds function-level, relative and `from package import module` imports."""
    graph = {"publish.build.run": {"publish.build.plan"}}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert upward({"publish.model": {"publish.commands"}, **graph}) == [
        "publish.model (model) -> publish.commands (commands)"]
    assert layer_of("publish") == 0 and layer_of("publishing") is None
    assert layer_of("publish.renderers.pdf") == layer_of("publish.renderers")
    source = ("def f():\n    from publish.build import state\n    from . import plan\n"
              "    import publish.errors\n")
    modules = {"publish.build": Path("__init__.py"), "publish.build.state": Path("s.py"),
               "publish.build.plan": Path("p.py"), "publish.build.run": Path("r.py"),
               "publish.errors": Path("e.py")}
    probe = tmp_path / "run.py"
    probe.write_text(source, "utf-8")
    found = imports("publish.build.run", probe, modules)
    assert found == {"publish.build.state", "publish.build.plan", "publish.errors"}


def figures(package: Path) -> str:
    graph = import_graph(package)
    found_cycles = cycles(graph)
    found_upward = upward(graph, former=True)
    unplaced = sorted(module for module in graph if layer_of(module, former=True) is None)
    edges = sum(len(targets) for targets in graph.values())
    lines = [f"{package}: {len(graph)} modules, {edges} imports",
             f"cycles: {len(found_cycles)}", _lines(" <-> ".join(g) for g in found_cycles),
             f"upward imports: {len(found_upward)}", _lines(found_upward),
             f"modules without a layer: {len(unplaced)}", _lines(unplaced)]
    return "\n".join(line for line in lines if line)


if __name__ == "__main__":
    print(figures(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "publish"))

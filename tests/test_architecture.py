"""The shape of the code (docs/architecture.md): the stages as packages, imports in one direction.

A module imports from its own package or from a package listed before it in STAGES; nothing
imports upward, nothing is imported inside a function to dodge a circle, and the import graph has
no circle.  The library never imports click.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "derive"

# Lowest first.  A top-level module (errors.py, results.py, api.py, ...) is its own stage.
STAGES = ("_version", "errors", "results", "runtime", "sources", "project", "notation", "model",
          "meaning", "understand", "decide", "worked", "repair", "code", "pipeline", "report", "export",
          "api", "__main__", "__init__")
MAX_MODULE_LINES = 500
MAX_CLASS_LINES = 250
GRAMMAR_TRANSFORMERS = {("derive.notation.build", "Build")}     # one method per grammar rule


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def stage(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return parts[1]


def _resolve(module: str, path: Path, node: ast.ImportFrom | ast.Import, known) -> list[str]:
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join(package + ([base] if base else []))
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
    out = []
    for name in names:
        if name.split(".")[0] != "derive":
            continue
        while name not in known and "." in name:
            name = name.rsplit(".", 1)[0]
        out.append(name)
    return out


def import_graph():
    """(edges at module level, imports written inside functions or classes), module -> modules."""
    known = modules()
    top, inner = {m: set() for m in known}, {m: set() for m in known}
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        at_top = {id(n) for n in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _resolve(module, path, node, known):
                    if target != module:
                        (top if id(node) in at_top else inner)[module].add(target)
    return top, inner


def test_every_module_imports():
    import importlib
    for module in modules():
        importlib.import_module(module)


def test_every_module_belongs_to_a_stage():
    unknown = sorted(m for m in modules() if stage(m) not in STAGES)
    assert not unknown, f"modules outside the stages of docs/architecture.md: {unknown}"


def test_no_import_inside_a_function():
    _, inner = import_graph()
    found = {m: sorted(t) for m, t in inner.items() if t}
    assert not found, f"imports of derive modules inside functions: {found}"


def test_no_upward_import():
    top, inner = import_graph()
    upward = []
    for module in top:
        for target in top[module] | inner[module]:
            if target == "derive":
                if module != "derive":
                    upward.append((module, target))
                continue
            if STAGES.index(stage(target)) > STAGES.index(stage(module)):
                upward.append((module, target))
    assert not upward, "imports that go up the stages: " + ", ".join(f"{a} -> {b}" for a, b in sorted(upward))


def test_no_import_circle():
    top, inner = import_graph()
    graph = {m: top[m] | inner[m] for m in top}
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def connect(v):                     # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
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
                circles.append(sorted(component))

    for v in graph:
        if v not in index:
            connect(v)
    assert not circles, f"import circles: {circles}"


def test_only_the_package_re_exports():
    """A name imported into a module is used there, not passed on: `# noqa: F401` re-exports live
    only in derive/__init__.py."""
    offenders = [m for m, p in modules().items()
                 if m != "derive" and "noqa: F401" in p.read_text(encoding="utf-8")]
    assert not offenders, offenders


def _defined(tree) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def test_names_are_imported_from_the_module_that_defines_them():
    """No module passes on a name it imported itself (an implicit re-export): each import names
    the module where the name is defined, so moving code shows every user."""
    known = modules()
    trees = {m: ast.parse(p.read_text(encoding="utf-8")) for m, p in known.items()}
    defined = {m: _defined(tree) for m, tree in trees.items()}
    passed_on = []
    for module, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            source = node.module or ""
            if node.level:
                package = module.split(".") if known[module].name == "__init__.py" else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                source = ".".join(package + ([source] if source else []))
            if source not in known or source == "derive":
                continue
            for alias in node.names:
                if f"{source}.{alias.name}" not in known and alias.name not in defined[source]:
                    passed_on.append(f"{module} imports {alias.name} from {source}")
    assert not passed_on, passed_on


def test_the_library_never_imports_click():
    for module, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] != "click" for a in node.names), module
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "click", module


def test_modules_and_classes_are_small():
    long_modules, long_classes = [], []
    for module, path in modules().items():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE_LINES:
            long_modules.append((module, text.count("\n")))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and (module, node.name) not in GRAMMAR_TRANSFORMERS:
                length = node.end_lineno - node.lineno + 1
                if length > MAX_CLASS_LINES:
                    long_classes.append((module, node.name, length))
    assert not long_modules, f"modules over {MAX_MODULE_LINES} lines: {long_modules}"
    assert not long_classes, f"classes over {MAX_CLASS_LINES} lines: {long_classes}"


# The one piece of process state by nature: a process has one interval timer and one SIGALRM handler.
PROCESS_STATE = {("derive.runtime.clock", "_ends"), ("derive.runtime.clock", "_run"),
                 ("derive.runtime.clock", "_previous")}
MUTATORS = ("append", "pop", "update", "setdefault", "clear", "extend", "insert", "remove", "add")


def _module_containers(tree) -> set[str]:
    return {t.id for n in tree.body if isinstance(n, (ast.Assign, ast.AnnAssign))
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
            if isinstance(t, ast.Name) and isinstance(n.value, (ast.Dict, ast.List, ast.Set, ast.Call))}


def _written(function) -> set[str]:
    """Names of containers a function writes into: x[k] = ..., del x[k], x.append(...), m.X[k] = ..."""
    local = {a.arg for a in function.args.args + function.args.kwonlyargs}
    local |= {t.id for n in ast.walk(function) if isinstance(n, (ast.Assign, ast.For, ast.With, ast.comprehension))
              for t in ast.walk(n.target if isinstance(n, (ast.For, ast.comprehension)) else
                                (n if isinstance(n, ast.With) else ast.Tuple(elts=n.targets)))
              if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store)}
    out = set()
    for node in ast.walk(function):
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            targets = [t.value for t in targets if isinstance(t, ast.Subscript)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
            targets = [node.func.value]
        for target in targets:
            if isinstance(target, ast.Name) and target.id not in local:
                out.add(target.id)
            elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                out.add(target.attr)
    return out


def test_no_global_mutable_state_shared_between_networks():
    """The lecture's spellings belong to a network, the described Specs to a report, the bounds to
    a run (a context): no module-level container that a run writes into."""
    trees = {m: ast.parse(p.read_text(encoding="utf-8")) for m, p in modules().items()}
    containers = {m: _module_containers(tree) for m, tree in trees.items()}
    owner = {}
    for module, names in containers.items():
        for name in names:
            owner.setdefault(name, set()).add(module)
    found = set()
    for module, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for name in _written(node):
                    for where in owner.get(name, ()):
                        if (where, name) not in PROCESS_STATE and (where == module or name.isupper()):
                            found.add((module, f"{where}.{name}"))
    assert not found, f"module-level state written at run time: {sorted(found)}"

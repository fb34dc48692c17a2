"""The architecture rules of the target structure (shared/spec/architecture.md), checked with ast.

Every rule is a small pure function: a parsed tree (`parse_tree({module name: source})`) in,
a list of violation strings out. Each rule is tested twice: on the real tree (it must report
nothing) and on a tiny synthetic tree with one planted violation (it must report exactly that),
which proves the check can fail. No database, no app, no fixtures: the module only reads files.

Example::

    tree = parse_tree({
        "coldcraft.skeletons.schema": "from coldcraft.config import Settings",
        "coldcraft.config": "class Settings: ...",
    })
    assert check_pure_packages(tree) == [
        "coldcraft.skeletons.schema:1 imports coldcraft.config"
        " (skeletons/ may import only coldcraft.skeletons)"
    ]

The constants right below are the rules' data (owners, allow-lists): amend those, not the code.
"""

from __future__ import annotations

import ast
import functools
from collections import defaultdict, deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC_ROOT = Path(__file__).resolve().parents[1] / "src" / "coldcraft"
PROJECT = "coldcraft"
MODELS_PACKAGE = "coldcraft.store.models"

# Rule 6, table ownership: ORM class -> the packages (or modules) that may use it in code.
# Annotations and imports are always fine; coldcraft.store (the unit of work) always may.
TABLE_OWNERS: dict[str, tuple[str, ...]] = {
    # runs/claims.py owns the task_* claim columns of a chat session (compare-and-set).
    "AIChatSession": ("coldcraft.chat", "coldcraft.runs.claims"),
    # worker/ reaches runs only through runs' repositories, so it is no owner.
    "Run": ("coldcraft.runs",),
    "RunItem": ("coldcraft.runs",),
    "User": ("coldcraft.accounts",),
    "ApiKey": ("coldcraft.accounts",),
    "Campaign": ("coldcraft.campaigns",),
    "SequenceNode": ("coldcraft.sequences",),
    "Prospect": ("coldcraft.prospects",),
    "CampaignProspectMessage": ("coldcraft.messages",),
    "SenderAccount": ("coldcraft.senders",),
    "WorkspaceContext": ("coldcraft.context",),
    # The idempotency middleware stores keys; the sweep purges the expired ones.
    "IdempotencyKey": ("coldcraft.api", "coldcraft.worker.sweep"),
    # The studio's one-time sign-in links (studio/links.py).
    "StudioLink": ("coldcraft.studio",),
    # The database cache of company research, per domain (companies/).
    "CompanyResearch": ("coldcraft.companies",),
}
TABLES_ALWAYS_USABLE_IN = ("coldcraft.store",)
# Read-only joins another domain's listing needs, (module, table) -> why.
TABLE_JOINS_ALLOWED: dict[tuple[str, str], str] = {
    ("coldcraft.messages.repository", "Prospect"): "drafts are listed in prospect import order",
    ("coldcraft.messages.repository", "SequenceNode"): "then in sequence position order",
}
# Subscripted type forms whose arguments are types (a type alias is no use of a table).
TYPE_FORMS = frozenset({"Annotated", "typing.Annotated"})

# Rule 2: start-up speed of the command line is the one reason for a function-local import.
LOCAL_IMPORTS_ALLOWED_IN = ("coldcraft.cli",)

# Rule 3: the pure packages and everything each may import from the project.
MCP_SCHEMA_DOMAINS = (
    "campaigns", "chat", "examples", "lint", "messages", "prospects", "quotes", "runs",
    "sequences",
)  # fmt: skip
PURE_PACKAGES: dict[str, tuple[str, ...]] = {
    "coldcraft.skeletons": ("coldcraft.skeletons",),
    "coldcraft.llm": ("coldcraft.llm", "coldcraft.config", "coldcraft.skeletons"),
    # Company research fetches and extracts; runs and the writer will call it, not the reverse.
    "coldcraft.research": (
        "coldcraft.research",
        "coldcraft.config",
        "coldcraft.llm",
        "coldcraft.skeletons",
    ),
    # The eval runs the agents over the golden set: models, judge, research; no database.
    "coldcraft.evals": (
        "coldcraft.evals",
        "coldcraft.config",
        "coldcraft.llm",
        "coldcraft.skeletons",
        "coldcraft.research",
        "coldcraft.context.judge",
    ),
    # The MCP server is an HTTP client of the API: the request/response models, nothing else.
    "coldcraft.mcp_server": (
        "coldcraft.mcp_server",
        *(f"coldcraft.{domain}.schemas" for domain in MCP_SCHEMA_DOMAINS),
    ),
}

# Rule 4: the DBOS engine is wired in by the app and the command line, nobody else.
WORKER_PACKAGE = "coldcraft.worker"
WORKER_IMPORTERS = ("coldcraft.worker", "coldcraft.app", "coldcraft.cli")

# Rule 5: the web framework stays at the edge (uvicorn is not on this list: serving is fine).
WEB_FRAMEWORKS = frozenset({"fastapi", "starlette", "sse_starlette"})
WEB_MODULE_BASENAMES = frozenset({"endpoints", "deps"})
WEB_MODULES = ("coldcraft.routes", "coldcraft.app", "coldcraft.api", "coldcraft.studio.pages")
# Justified exceptions, module -> why. Empty on purpose: add a reason with every entry.
WEB_IMPORT_EXCEPTIONS: dict[str, str] = {}

# Rule 7: who may commit. The unit of work, the request plumbing and the command line.
COMMIT_ALLOWED_IN = ("coldcraft.store", "coldcraft.api", "coldcraft.cli")

# Rule 8: class names that may be defined in more than one module, name -> why.
DUPLICATE_CLASS_NAMES_ALLOWED: dict[str, str] = {}

FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


# ---------------------------------------------------------------------------------------------
# Parsing: modules and their resolved imports


@dataclass(frozen=True)
class Import:
    """One imported name: what module it loads, what it binds, and where the import sits."""

    target: str  # the module the import loads, resolved to an absolute name
    qualified: str  # the dotted name the binding refers to, e.g. coldcraft.store.models.Run
    bound: str  # the local name it binds
    line: int
    local: bool  # inside a function body: runs at call time, not import time
    type_only: bool  # under `if TYPE_CHECKING:`: never runs


@dataclass(frozen=True)
class Module:
    name: str
    tree: ast.Module
    imports: tuple[Import, ...]

    def project_imports(self) -> Iterator[Import]:
        return (imp for imp in self.imports if within(imp.target, (PROJECT,)))


Tree = Mapping[str, Module]
Rule = Callable[[Tree], list[str]]


def unique(violations: Iterable[str]) -> list[str]:
    """Drop repeats in order (`from x import a, b` is one statement, reported once)."""
    return list(dict.fromkeys(violations))


def within(name: str, prefixes: Collection[str]) -> bool:
    """True when `name` is one of `prefixes` or a submodule of one."""
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def parse_tree(sources: Mapping[str, str], packages: Collection[str] = ()) -> dict[str, Module]:
    """Parse {module name: source}. A name is a package if listed or a prefix of another name."""
    known = set(sources)
    package_names = set(packages) | {
        name.rsplit(".", i)[0] for name in known for i in range(1, name.count(".") + 1)
    }
    modules = {}
    for name, source in sources.items():
        tree = ast.parse(source, filename=name)
        imports = tuple(_resolve_imports(tree, name, name in package_names, known))
        modules[name] = Module(name, tree, imports)
    return modules


@functools.cache
def real_tree() -> dict[str, Module]:
    sources, packages = {}, set()
    for path in sorted(SRC_ROOT.rglob("*.py")):
        parts = (PROJECT, *path.relative_to(SRC_ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
            packages.add(".".join(parts))
        sources[".".join(parts)] = path.read_text(encoding="utf-8")
    return parse_tree(sources, packages)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_statements(
    node: ast.AST, local: bool = False, type_only: bool = False
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool, bool]]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node, local, type_only
    elif isinstance(node, ast.If) and _is_type_checking(node.test):
        for stmt in node.body:
            yield from _import_statements(stmt, local, True)
        for stmt in node.orelse:  # the `else:` of TYPE_CHECKING does run
            yield from _import_statements(stmt, local, type_only)
    else:
        local = local or isinstance(node, FUNCTION_NODES)
        for child in ast.iter_child_nodes(node):
            yield from _import_statements(child, local, type_only)


def _resolve_imports(
    tree: ast.Module, module: str, is_package: bool, known: set[str]
) -> Iterator[Import]:
    for stmt, local, type_only in _import_statements(tree):
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                bound = alias.asname or alias.name.split(".")[0]
                qualified = alias.name if alias.asname else bound
                yield Import(alias.name, qualified, bound, stmt.lineno, local, type_only)
            continue
        base = _absolute_base(stmt, module, is_package)
        for alias in stmt.names:
            qualified = f"{base}.{alias.name}"
            # `from coldcraft.x import y` loads coldcraft.x.y when that is a module.
            target = qualified if qualified in known else base
            bound = alias.asname or alias.name
            yield Import(target, qualified, bound, stmt.lineno, local, type_only)


def _absolute_base(stmt: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not stmt.level:
        return stmt.module or ""
    parts = module.split(".")
    # A package's `.` is the package itself; a plain module's `.` is its parent.
    anchor = ".".join(parts[: len(parts) - stmt.level + is_package])
    return f"{anchor}.{stmt.module}" if stmt.module else anchor


# ---------------------------------------------------------------------------------------------
# Rule 1: no import cycles (module-level imports that really run at import time)


def check_import_cycles(tree: Tree) -> list[str]:
    graph = {
        name: {
            imp.target
            for imp in module.imports
            if not (imp.local or imp.type_only) and imp.target in tree and imp.target != name
        }
        for name, module in tree.items()
    }
    violations = []
    for component in _strongly_connected(graph):
        if len(component) > 1:
            loop = " -> ".join(_shortest_loop(component[0], graph, set(component)))
            violations.append(
                f"import cycle of {len(component)} modules: {', '.join(component)} (e.g. {loop})"
            )
    return violations


def _strongly_connected(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm; each component sorted, components in a stable order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = stack[stack.index(node) :]
            del stack[stack.index(node) :]
            components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components)


def _shortest_loop(start: str, graph: Mapping[str, set[str]], members: set[str]) -> list[str]:
    """One shortest import path from `start` back to itself, to show where to cut."""
    parents: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for successor in sorted(graph[node] & members):
            if successor == start:
                path = [node]
                while path[-1] != start:
                    path.append(parents[path[-1]])
                return [*reversed(path), start]
            if successor not in parents:
                parents[successor] = node
                queue.append(successor)
    return [start]


# ---------------------------------------------------------------------------------------------
# Rules 2 to 5: who imports what. These count every import, also type-only and function-local
# ones: they are about what a module knows, not about what runs at import time.


def check_local_imports(tree: Tree) -> list[str]:
    return unique(
        f"{module.name}:{imp.line} imports {imp.target} inside a function"
        for module in tree.values()
        if not within(module.name, LOCAL_IMPORTS_ALLOWED_IN)
        for imp in module.project_imports()
        if imp.local
    )


def check_pure_packages(tree: Tree) -> list[str]:
    violations = []
    for package, allowed in PURE_PACKAGES.items():
        label = package.removeprefix(f"{PROJECT}.")
        for module in tree.values():
            if within(module.name, (package,)):
                violations += [
                    f"{module.name}:{imp.line} imports {imp.target}"
                    f" ({label}/ may import only {', '.join(allowed)})"
                    for imp in module.project_imports()
                    if not within(imp.target, allowed)
                ]
    return unique(violations)


def check_worker_importers(tree: Tree) -> list[str]:
    return unique(
        f"{module.name}:{imp.line} imports {imp.target} (only worker/, app.py and cli/ may)"
        for module in tree.values()
        if not within(module.name, WORKER_IMPORTERS)
        for imp in module.imports
        if within(imp.target, (WORKER_PACKAGE,))
    )


def check_web_framework_imports(tree: Tree) -> list[str]:
    return unique(
        f"{module.name}:{imp.line} imports {imp.target.split('.')[0]}"
        " (only endpoints.py, deps.py, routes.py, app.py and api/ may)"
        for module in tree.values()
        if not _may_import_web_framework(module.name)
        for imp in module.imports
        if imp.target.split(".")[0] in WEB_FRAMEWORKS
    )


def _may_import_web_framework(name: str) -> bool:
    return (
        name.rsplit(".", 1)[-1] in WEB_MODULE_BASENAMES
        or within(name, WEB_MODULES)
        or name in WEB_IMPORT_EXCEPTIONS
    )


# ---------------------------------------------------------------------------------------------
# Rule 6: an ORM class is used in code only by its owner (annotations do not count)


def check_table_ownership(tree: Tree) -> list[str]:
    violations = []
    for module in tree.values():
        if within(module.name, TABLES_ALWAYS_USABLE_IN):
            continue
        lines_by_table: dict[str, list[int]] = defaultdict(list)
        bindings = {imp.bound: imp.qualified for imp in module.imports}
        for table, line in _table_uses(module.tree, bindings):
            allowed = (module.name, table) in TABLE_JOINS_ALLOWED
            if not allowed and not within(module.name, TABLE_OWNERS[table]):
                lines_by_table[table].append(line)
        violations += [
            f"{module.name} uses {table} in code at line(s) "
            f"{', '.join(map(str, sorted(set(lines))))} (owner: {', '.join(TABLE_OWNERS[table])})"
            for table, lines in sorted(lines_by_table.items())
        ]
    return violations


def _table_uses(node: ast.AST, bindings: Mapping[str, str]) -> Iterator[tuple[str, int]]:
    """(table class, line) for each Name/Attribute that refers to an ORM class outside an
    annotation. `isinstance(x, Model)`, `select(Model)` and `Model.column` all count."""
    if isinstance(node, ast.Name | ast.Attribute):
        table = _referenced_table(node, bindings)
        if table:
            yield table, node.lineno
            return
    for child in _children_outside_annotations(node):
        yield from _table_uses(child, bindings)


def _children_outside_annotations(node: ast.AST) -> Iterator[ast.AST]:
    if isinstance(node, ast.arg):
        return  # a parameter is its name and its annotation: nothing that runs
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        yield from node.decorator_list
        yield from node.args.defaults
        yield from (default for default in node.args.kw_defaults if default)
        yield from node.body
    elif isinstance(node, ast.AnnAssign):
        yield node.target
        if node.value:
            yield node.value
    elif isinstance(node, ast.Subscript) and _dotted_name(node.value) in TYPE_FORMS:
        return  # `Annotated[User, Depends(...)]`: a type for FastAPI, not a use of the table
    else:
        yield from ast.iter_child_nodes(node)


def _referenced_table(node: ast.Name | ast.Attribute, bindings: Mapping[str, str]) -> str | None:
    dotted = _dotted_name(node)
    if dotted is None:
        return None
    head, _, rest = dotted.partition(".")
    if head not in bindings:
        return None
    qualified = f"{bindings[head]}.{rest}" if rest else bindings[head]
    owner_module, _, name = qualified.rpartition(".")
    return name if name in TABLE_OWNERS and within(owner_module, (MODELS_PACKAGE,)) else None


def _dotted_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        parent = _dotted_name(node.value)
        return f"{parent}.{node.attr}" if parent else None
    return None


def check_table_owner_map(tree: Tree) -> list[str]:
    """Every ORM class has an owner, and the owner map names no class that is gone."""
    orm_classes = {
        cls.name: module.name
        for module in tree.values()
        if within(module.name, (MODELS_PACKAGE,))
        for cls in _top_level_classes(module.tree)
        if any((_dotted_name(base) or "").endswith("Base") for base in cls.bases)
    }
    unowned = [
        f"ORM class {name} ({module}) has no entry in TABLE_OWNERS"
        for name, module in sorted(orm_classes.items())
        if name not in TABLE_OWNERS
    ]
    stale = [
        f"TABLE_OWNERS names {name}, which is no ORM class in {MODELS_PACKAGE}"
        for name in TABLE_OWNERS
        if name not in orm_classes
    ]
    return unowned + stale


# ---------------------------------------------------------------------------------------------
# Rule 7: a transaction is committed by whoever opened it


def check_commits(tree: Tree) -> list[str]:
    return [
        f"{module.name}:{node.lineno} calls .commit() (only store/, api/ and cli/ may)"
        for module in tree.values()
        if not within(module.name, COMMIT_ALLOWED_IN)
        for node in ast.walk(module.tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
    ]


# ---------------------------------------------------------------------------------------------
# Rule 8: one name, one thing


def check_duplicate_class_names(tree: Tree) -> list[str]:
    modules_by_class: dict[str, set[str]] = defaultdict(set)
    for module in tree.values():
        for cls in _top_level_classes(module.tree):
            if not cls.name.startswith("_"):  # a private class is its module's own business
                modules_by_class[cls.name].add(module.name)
    return [
        f"class {name} is defined in {len(modules)} modules: {', '.join(sorted(modules))}"
        for name, modules in sorted(modules_by_class.items())
        if len(modules) > 1 and name not in DUPLICATE_CLASS_NAMES_ALLOWED
    ]


def _top_level_classes(tree: ast.Module) -> Iterator[ast.ClassDef]:
    """Module-level classes, also under `if`/`try`; not nested in classes or functions."""
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.ClassDef):
            yield node
        elif not isinstance(node, FUNCTION_NODES):
            pending.extend(ast.iter_child_nodes(node))


# ---------------------------------------------------------------------------------------------
# Tests

RULES = [
    pytest.param(check_import_cycles, id="import-cycles"),
    pytest.param(check_local_imports, id="local-imports"),
    pytest.param(check_pure_packages, id="pure-skeletons-llm"),
    pytest.param(check_worker_importers, id="worker-importers"),
    pytest.param(check_web_framework_imports, id="web-framework-imports"),
    pytest.param(check_table_ownership, id="table-ownership"),
    pytest.param(check_table_owner_map, id="table-owner-map"),
    pytest.param(check_commits, id="commits"),
    pytest.param(check_duplicate_class_names, id="duplicate-class-names"),
]


@pytest.mark.parametrize("rule", RULES)
def test_real_tree_obeys(rule: Rule) -> None:
    violations = rule(real_tree())
    assert violations == [], f"{len(violations)} violation(s):\n" + "\n".join(violations)


def _lines(*lines: str) -> str:
    return "\n".join(lines) + "\n"


# A small tree that obeys every rule while brushing against each exception: a type-only back
# edge, a lazy import in cli/, llm importing config and skeletons, app importing the worker,
# annotations of foreign tables (and an Annotated alias), the claims and sweep exceptions,
# commits in store/ and api/, a private class name in two modules.
CLEAN_TREE: dict[str, str] = {
    "coldcraft": "",
    "coldcraft.config": "class Settings: ...\n",
    "coldcraft.app": _lines(
        "from fastapi import FastAPI",
        "from coldcraft import routes",
        "from coldcraft.worker import engine",
    ),
    "coldcraft.routes": "from coldcraft.chat import endpoints\n",
    "coldcraft.api": "",
    "coldcraft.api.deps": _lines(
        "from typing import Annotated",
        "from fastapi import Depends",
        "from coldcraft.store.models import User",
        "async def get_session(session):",
        "    await session.commit()",
        "CurrentUser = Annotated[User, Depends(get_session)]",  # a type alias: no table use
        "class _Request: ...",  # private: may share its name with other modules' own
    ),
    "coldcraft.cli": "",
    "coldcraft.cli.main": _lines(
        "def serve():",
        "    import uvicorn",
        "    from coldcraft import app",  # lazy on purpose: start-up speed
    ),
    "coldcraft.skeletons": "",
    "coldcraft.skeletons.schema": "class Skeleton: ...\n",
    "coldcraft.skeletons.template": _lines(
        "from .schema import Skeleton",
        "class CompiledTemplate: ...",
    ),
    "coldcraft.llm": "",
    "coldcraft.llm.usage": _lines(
        "from coldcraft.config import Settings",
        "from ..skeletons.template import CompiledTemplate",
        "class Usage: ...",
    ),
    "coldcraft.store": "",
    "coldcraft.store.base": "class Base: ...\n",
    "coldcraft.store.session": _lines(
        "async def unit_of_work(session):",
        "    await session.commit()",
    ),
    "coldcraft.store.models": _lines(
        "from coldcraft.store.base import Base",
        *(f"class {name}(Base): ..." for name in TABLE_OWNERS),
    ),
    "coldcraft.campaigns": "",
    "coldcraft.campaigns.access": "def get_owned(): ...\n",
    "coldcraft.campaigns.service": _lines(
        "from . import access",
        "from .access import get_owned",
    ),
    "coldcraft.chat": "",
    "coldcraft.chat.endpoints": _lines(
        "from fastapi import APIRouter",
        "from coldcraft.chat import service",
        "class _Request: ...",
    ),
    "coldcraft.chat.repository": _lines(
        "from sqlalchemy import select",
        "from coldcraft.store.models import AIChatSession",
        "def latest(session):",
        "    return select(AIChatSession).order_by(AIChatSession.created_at)",
    ),
    "coldcraft.chat.service": _lines(
        "from __future__ import annotations",
        "from typing import TYPE_CHECKING",
        "from coldcraft.runs import service as runs",
        "from coldcraft.store.models import Run",
        "def describe(run: Run, *, default: int = 0) -> Run:",
        "    latest: Run = run",
        "    return latest",
    ),
    "coldcraft.runs": "",
    "coldcraft.runs.service": _lines(
        "from typing import TYPE_CHECKING",
        "from coldcraft.store.models import Run",
        "if TYPE_CHECKING:",
        "    from coldcraft.chat import service",  # type-only back edge: no cycle
        "def get(session, run_id):",
        "    return session.get(Run, run_id)",
    ),
    "coldcraft.runs.claims": _lines(
        "from coldcraft.store import models",
        "def claim_column():",
        "    return models.AIChatSession.task_id",
    ),
    "coldcraft.worker": "",
    "coldcraft.worker.engine": "from coldcraft.runs import service\n",
    "coldcraft.worker.sweep": _lines(
        "from coldcraft.store.models import IdempotencyKey",
        "def purge(session):",
        "    return session.execute(IdempotencyKey.__table__.delete())",
    ),
}


@pytest.mark.parametrize("rule", RULES)
def test_clean_synthetic_tree_passes(rule: Rule) -> None:
    assert rule(parse_tree(CLEAN_TREE)) == []


PLANTED = [
    pytest.param(
        check_import_cycles,
        {"coldcraft.campaigns.access": "from coldcraft.campaigns import service\n"},
        [
            "import cycle of 2 modules: coldcraft.campaigns.access, coldcraft.campaigns.service"
            " (e.g. coldcraft.campaigns.access -> coldcraft.campaigns.service"
            " -> coldcraft.campaigns.access)"
        ],
        id="import-cycles",
    ),
    pytest.param(
        check_local_imports,
        {"coldcraft.chat.tasks": _lines("def run():", "    from ..runs import service")},
        ["coldcraft.chat.tasks:2 imports coldcraft.runs.service inside a function"],
        id="local-imports",
    ),
    pytest.param(
        check_pure_packages,
        {"coldcraft.skeletons.judge": "from coldcraft.config import Settings\n"},
        [
            "coldcraft.skeletons.judge:1 imports coldcraft.config"
            " (skeletons/ may import only coldcraft.skeletons)"
        ],
        id="pure-skeletons",
    ),
    pytest.param(
        check_pure_packages,
        {"coldcraft.llm.models": "from ..store import models\n"},
        [
            "coldcraft.llm.models:1 imports coldcraft.store.models"
            " (llm/ may import only coldcraft.llm, coldcraft.config, coldcraft.skeletons)"
        ],
        id="pure-llm",
    ),
    pytest.param(
        check_pure_packages,
        {"coldcraft.mcp_server.tools": "from coldcraft.messages.service import message_service\n"},
        [
            "coldcraft.mcp_server.tools:1 imports coldcraft.messages.service (mcp_server/ may"
            " import only coldcraft.mcp_server, "
            + ", ".join(f"coldcraft.{d}.schemas" for d in MCP_SCHEMA_DOMAINS)
            + ")"
        ],
        id="pure-mcp-server",
    ),
    pytest.param(
        check_worker_importers,
        {"coldcraft.runs.queue": "from coldcraft.worker.engine import enqueue\n"},
        [
            "coldcraft.runs.queue:1 imports coldcraft.worker.engine"
            " (only worker/, app.py and cli/ may)"
        ],
        id="worker-importers",
    ),
    pytest.param(
        check_web_framework_imports,
        {"coldcraft.chat.turns": _lines("import json", "import starlette.responses")},
        [
            "coldcraft.chat.turns:2 imports starlette"
            " (only endpoints.py, deps.py, routes.py, app.py and api/ may)"
        ],
        id="web-framework-imports",
    ),
    pytest.param(
        check_table_ownership,
        {
            "coldcraft.messages.service": _lines(
                "from sqlalchemy import select",
                "from coldcraft.store.models import Run",
                "def unfinished(run: Run):",
                "    return select(Run)",
            )
        },
        ["coldcraft.messages.service uses Run in code at line(s) 4 (owner: coldcraft.runs)"],
        id="table-ownership-select",
    ),
    pytest.param(
        check_table_ownership,
        {
            "coldcraft.examples.service": _lines(
                "from coldcraft.store.models.chat_session import AIChatSession as Chat",
                "def is_chat(x: Chat) -> bool:",
                "    return isinstance(x, Chat)",
            )
        },
        [
            "coldcraft.examples.service uses AIChatSession in code at line(s) 3"
            " (owner: coldcraft.chat, coldcraft.runs.claims)"
        ],
        id="table-ownership-isinstance",
    ),
    pytest.param(
        check_table_ownership,
        {
            "coldcraft.worker.steps": _lines(
                "import coldcraft.store.models",
                "def load(session, run_id):",
                "    return session.get(coldcraft.store.models.Run, run_id)",
            )
        },
        ["coldcraft.worker.steps uses Run in code at line(s) 3 (owner: coldcraft.runs)"],
        id="table-ownership-attribute",
    ),
    pytest.param(
        check_table_owner_map,
        {
            "coldcraft.store.models.outbox": _lines(
                "from coldcraft.store.base import Base",
                "class OutboxEntry(Base): ...",
            )
        },
        ["ORM class OutboxEntry (coldcraft.store.models.outbox) has no entry in TABLE_OWNERS"],
        id="table-owner-map",
    ),
    pytest.param(
        check_commits,
        {"coldcraft.chat.turns": _lines("async def save(session):", "    await session.commit()")},
        ["coldcraft.chat.turns:2 calls .commit() (only store/, api/ and cli/ may)"],
        id="commits",
    ),
    pytest.param(
        check_duplicate_class_names,
        {"coldcraft.chat.schemas": "class Usage: ...\n"},
        ["class Usage is defined in 2 modules: coldcraft.chat.schemas, coldcraft.llm.usage"],
        id="duplicate-class-names",
    ),
]


@pytest.mark.parametrize(("rule", "planted", "expected"), PLANTED)
def test_planted_violation_is_reported(
    rule: Rule, planted: dict[str, str], expected: list[str]
) -> None:
    assert rule(parse_tree({**CLEAN_TREE, **planted})) == expected


@pytest.mark.parametrize(
    ("module", "source", "targets"),
    [
        ("coldcraft.a.b", "from . import c", ["coldcraft.a.c"]),
        ("coldcraft.a.b", "from . import helper", ["coldcraft.a"]),
        ("coldcraft.a", "from .b import thing", ["coldcraft.a.b"]),
        ("coldcraft.a", "from . import b", ["coldcraft.a.b"]),
        ("coldcraft.a.b", "from ..x import y", ["coldcraft.x"]),
        ("coldcraft.a.b", "from coldcraft.a import c, thing", ["coldcraft.a.c", "coldcraft.a"]),
        ("coldcraft.a.b", "import coldcraft.x as x", ["coldcraft.x"]),
    ],
)
def test_imports_resolve_to_modules(module: str, source: str, targets: list[str]) -> None:
    sources = dict.fromkeys(["coldcraft.a", "coldcraft.a.b", "coldcraft.a.c", "coldcraft.x"], "")
    tree = parse_tree({**sources, module: source})
    assert [imp.target for imp in tree[module].imports] == targets

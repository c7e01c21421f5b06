"""An upgrade of moto, botocore or awslambdaric fails here, all at once, naming what moved.

:mod:`lambdalab.upstream` lists every upstream internal the cloud relies on. These tests
check each entry against the installed packages, prove that the check fails on a renamed
name, and scan ``lambdalab/`` so that no new use of an internal escapes the list.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lambdalab import upstream

SOURCE_ROOT = Path(upstream.__file__).parent
UPSTREAM_PACKAGES = ("moto", "botocore", "awslambdaric", "runtime_client", "werkzeug")
# Documented APIs: what is imported from these needs no entry (their private names do).
PUBLIC_MODULES = ("botocore.exceptions", "botocore.config", "botocore.session",
                  "werkzeug.serving", "werkzeug.wrappers", "werkzeug.exceptions")
FIRST_PARTY = "lambdalab"
MODULE_NAME = re.compile(r"^(moto|botocore|awslambdaric)(\.\w+)+$")  # a module named in a str

# Private attributes the scan flags on objects it cannot tell apart from upstream ones but
# that are not upstream's (our own classes' fields, the standard library's), each with
# its reason, e.g. ``"_getframe": "sys._getframe, the standard library's"``. None is
# needed now: lambdalab keeps its own facts about moto's objects in owned_state, not as
# attributes stuck onto them.
ALLOWED_PRIVATE: dict[str, str] = {}


# --- the check --------------------------------------------------------------------------


@pytest.fixture
def no_running_cloud() -> Iterator[None]:
    """A running LocalCloud has swapped moto's methods for its wrappers; check moto's own.

    Only a cloud an earlier test module left running (a notebook's cloud runs until the
    process ends) can be running here; stopping it is what the next one would do anyway.
    """
    from lambdalab.cloud import running_cloud

    cloud = running_cloud()
    if cloud is not None:
        cloud.stop()
    yield


def used_in(name: str) -> str:
    """The files of ``lambdalab/`` that name the entry's last part, as the tree is now."""
    word = re.compile(rf"\b{re.escape(name.rsplit('.', 1)[-1])}\b")
    files = sorted(str(path.relative_to(SOURCE_ROOT.parent))
                   for path in SOURCE_ROOT.rglob("*.py")
                   if path.name != "upstream.py" and word.search(path.read_text()))
    return ", ".join(files) or "no file of lambdalab/ names it"


def test_every_upstream_internal_is_as_the_cloud_assumes(no_running_cloud: None) -> None:
    """Protects every wrap, replacement and private read of moto, botocore and awslambdaric:
    after an upgrade this one test lists everything that moved, each with its use."""
    report = [f"{problem}\n    named in: {used_in(entry.name)}"
              for entry in upstream.INTERNALS if (problem := upstream.problem(entry))]
    assert not report, (f"{len(report)} upstream internals moved; the cloud relies on each "
                        "(lambdalab/upstream.py):\n" + "\n".join(report))


class RouteTable:  # stands in for moto's, with one field renamed
    def __init__(self) -> None:
        self.id = self.vpc_id = "placeholder"
        self.main_association_id = None
        self._associations: dict[str, str] = {}
        self._routes_by_id: dict[str, object] = {}  # moto's ``_routes``, renamed


def test_guard_reports_a_renamed_method_and_attribute(no_running_cloud: None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Protects the guard itself: a renamed moto method and a renamed instance attribute
    are reported, exactly those, each by name (on top of whatever else has moved)."""
    import moto.ec2.models.route_tables as route_tables
    from moto.awslambda.models import LambdaStorage

    before = upstream.problems()
    monkeypatch.setattr(LambdaStorage, "_latest_of", LambdaStorage._get_latest, raising=False)
    monkeypatch.delattr(LambdaStorage, "_get_latest")
    monkeypatch.setattr(route_tables, "RouteTable", RouteTable)

    found = [line for line in upstream.problems() if line not in before]

    assert [line.split(" ")[0] for line in found] == [
        "moto.awslambda.models.LambdaStorage._get_latest",
        "moto.ec2.models.route_tables.RouteTable._routes"], "\n".join(found)
    assert "LambdaStorage has no '_get_latest'" in found[0]
    assert "sets self._routes" in found[1]


def test_guard_reports_changed_parameters(no_running_cloud: None,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Protects the signature check: a renamed parameter we pass by position, and a
    dropped one we pass by keyword, are reported with the signature upstream has now."""
    from moto.awslambda.models import LambdaBackend
    from moto.ec2.models import EC2Backend

    def get_function(self: object, name: str, qualifier: str | None = None) -> None: ...

    def create_security_group(self: object, name: str, description: str) -> None: ...

    monkeypatch.setattr(LambdaBackend, "get_function", get_function)
    monkeypatch.setattr(EC2Backend, "create_security_group", create_security_group)
    entries = [entry for entry in upstream.INTERNALS if entry.qualname in (
        "LambdaBackend.get_function", "EC2Backend.create_security_group")]

    found = upstream.problems(entries)

    assert len(found) == 2, found
    assert found[0].endswith("takes (name, qualifier), we assume "
                             "(function_name_or_arn, qualifier)"), found[0]
    assert found[1].endswith("takes (name, description), without is_default"), found[1]


# --- the completeness scan ----------------------------------------------------------------


@dataclass(frozen=True)
class Use:
    """One use of an upstream internal: a dotted name, or ``._attr`` on an unknown object."""

    line: int
    name: str
    how: str


def _is_private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def _is_internal(path: str) -> bool:
    """An upstream name outside the public modules, or a private name anywhere upstream."""
    if path.split(".")[0] not in UPSTREAM_PACKAGES:
        return False
    public = any(path == m or path.startswith(m + ".") for m in PUBLIC_MODULES)
    return not public or any(_is_private(part) for part in path.split("."))


class UpstreamScan(ast.NodeVisitor):
    """Finds, in source order and with each function's own imports, every use of an
    upstream internal: imports, attribute chains on imported names, ``(Owner, "name")``
    argument pairs (``patcher.wrap``, ``patcher.set``, ``getattr``, …), private attributes
    on objects not ours, and ``self`` fields and private hooks of upstream subclasses."""

    def __init__(self) -> None:
        self.scopes: list[dict[str, str | None]] = [{}]
        self.classes: list[str | None] = []  # upstream base of each enclosing class
        self.uses: list[Use] = []

    def _use(self, node: ast.AST, name: str, how: str) -> None:
        self.uses.append(Use(getattr(node, "lineno", 0), name, how))

    def _bind(self, name: str, path: str | None) -> None:
        self.scopes[-1][name] = path

    def resolve(self, node: ast.AST) -> str | None:
        """The dotted name an expression stands for, if it starts from an import."""
        if isinstance(node, ast.Name):
            for scope in reversed(self.scopes):
                if node.id in scope:
                    return scope[node.id]
            return None
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def _private_attribute(self, node: ast.AST, target: ast.expr, attr: str) -> None:
        if not _is_private(attr):
            return
        if isinstance(target, ast.Name) and target.id in ("self", "cls"):
            base = self.classes[-1] if self.classes else None
            if base:  # a field or hook of the upstream class we subclass
                self._use(node, f"{base}.{attr}", "self field of an upstream subclass")
            return
        owner = self.resolve(target)
        if owner is None:
            self._use(node, f".{attr}", "private attribute")
        elif owner.split(".")[0] in UPSTREAM_PACKAGES:
            self._use(node, f"{owner}.{attr}", "private attribute")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self._bind(alias.asname, alias.name)
            else:
                top = alias.name.split(".")[0]
                self._bind(top, top)
            if _is_internal(alias.name):
                self._use(node, alias.name, "import")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = FIRST_PARTY if node.level else (node.module or "")
        for alias in node.names:
            path = f"{module}.{alias.name}"
            self._bind(alias.asname or alias.name, path)
            if _is_internal(path):
                self._use(node, path, "import")

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        if not isinstance(node, ast.Lambda) and self.classes and self.classes[-1] \
                and _is_private(node.name):
            self._use(node, f"{self.classes[-1]}.{node.name}", "override of an upstream hook")
        arguments = node.args
        for outer in [*getattr(node, "decorator_list", []), *arguments.defaults,
                      *[d for d in arguments.kw_defaults if d is not None]]:
            self.visit(outer)
        self.scopes.append({})
        for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                    arguments.vararg, arguments.kwarg]:
            if arg is not None:
                self._bind(arg.arg, None)  # a parameter hides an import of that name
        body = node.body if isinstance(node.body, list) else [node.body]
        for statement in body:
            self.visit(statement)
        self.scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _visit_function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            self.visit(base)
        bases = [self.resolve(base) for base in node.bases]
        upstream_base = next((b for b in bases if b and _is_internal(b)), None)
        self.classes.append(upstream_base)
        for statement in node.body:
            self.visit(statement)
        self.classes.pop()

    def visit_Attribute(self, node: ast.Attribute) -> None:
        path = self.resolve(node)
        if path and _is_internal(path):
            self._use(node, path, "attribute")
        elif path is None:
            self._private_attribute(node, node.value, node.attr)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        args = node.args
        if isinstance(node.func, ast.Name) and node.func.id in (
                "getattr", "setattr", "hasattr", "delattr") and len(args) >= 2 \
                and isinstance(args[1], ast.Constant) and isinstance(args[1].value, str):
            self._private_attribute(node, args[0], args[1].value)
        for owner, name in zip(args, args[1:], strict=False):
            path = self.resolve(owner)
            if path and isinstance(name, ast.Constant) and isinstance(name.value, str) \
                    and _is_internal(path):
                self._use(node, f"{path}.{name.value}", "named by string")
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        key = node.slice
        target = node.value
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            if isinstance(target, ast.Call) and isinstance(target.func, ast.Name) \
                    and target.func.id == "vars" and len(target.args) == 1:
                self._private_attribute(node, target.args[0], key.value)  # vars(obj)["_x"]
            elif isinstance(target, ast.Attribute) and target.attr == "__dict__":
                self._private_attribute(node, target.value, key.value)  # obj.__dict__["_x"]
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and MODULE_NAME.match(node.value) \
                and _is_internal(node.value):
            self._use(node, node.value, "module named by string")


def scan(source: str) -> list[Use]:
    """Every use of an upstream internal in one module's source."""
    scanner = UpstreamScan()
    scanner.visit(ast.parse(source))
    return scanner.uses


def unlisted(uses: list[Use], entries: tuple[upstream.Internal, ...]) -> list[Use]:
    """The uses that no entry covers (an entry covers its owners too) and no allowance."""
    names = {entry.name for entry in entries}
    owners = {name.rsplit(".", i)[0] for name in names for i in range(1, name.count(".") + 1)}
    last_parts = {entry.qualname.rsplit(".", 1)[-1] for entry in entries}
    return [use for use in uses
            if not (use.name in names or use.name in owners
                    or (use.name.startswith(".") and (use.name[1:] in last_parts
                                                      or use.name[1:] in ALLOWED_PRIVATE)))]


def test_every_use_of_an_upstream_internal_is_listed() -> None:
    """Protects the list's completeness: code under lambdalab/ (as it is now) that uses a
    moto, botocore or awslambdaric internal the list lacks fails here, with file and line."""
    missing = [f"{path.relative_to(SOURCE_ROOT.parent)}:{use.line}: {use.name} ({use.how})"
               for path in sorted(SOURCE_ROOT.rglob("*.py")) if path.name != "upstream.py"
               for use in unlisted(scan(path.read_text()), upstream.INTERNALS)]
    assert not missing, ("upstream internals used but not listed in lambdalab/upstream.py "
                         "(add an entry; or, for a private attribute of our own, an "
                         "ALLOWED_PRIVATE reason):\n" + "\n".join(missing))


SAMPLE = '''
from botocore.exceptions import ClientError
from botocore.httpsession import URLLib3Session
import awslambdaric.bootstrap
from moto.x.models import Thing, thing_backends
from lambdalab.mine import ours


class Signed(Thing):
    def __init__(self):
        self._field = 1

    def _hook(self):
        return self._other


def install(patcher, backend, ClientError):
    patcher.wrap(Thing, "method", None)
    Thing.attr = 1
    backend._lambdas.clear()
    ours._private()
    getattr(backend, "_secret", None)
    vars(backend)["_hidden"], backend.__dict__["_stored"], vars(backend)["public"]
    return "botocore.retries.special", ClientError._not_botocores
'''


def test_scan_finds_every_kind_of_use() -> None:
    """Protects the completeness scan itself: each kind of use it promises to find is found
    (and public names, our own privates and shadowed imports are not)."""
    found = {(use.name, use.how) for use in unlisted(scan(SAMPLE), ())}

    assert found == {
        ("botocore.httpsession.URLLib3Session", "import"),
        ("awslambdaric.bootstrap", "import"),
        ("moto.x.models.Thing", "import"),
        ("moto.x.models.thing_backends", "import"),
        ("moto.x.models.Thing._field", "self field of an upstream subclass"),
        ("moto.x.models.Thing._hook", "override of an upstream hook"),
        ("moto.x.models.Thing._other", "self field of an upstream subclass"),
        ("moto.x.models.Thing.method", "named by string"),
        ("moto.x.models.Thing.attr", "attribute"),
        ("._lambdas", "private attribute"),
        ("._secret", "private attribute"),
        ("._hidden", "private attribute"),
        ("._stored", "private attribute"),
        ("._not_botocores", "private attribute"),
        ("botocore.retries.special", "module named by string"),
    }

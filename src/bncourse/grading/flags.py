"""Static scan of a submission for code that reaches for the grading machinery.

Flagged submissions are graded like any other (the sandbox and the out-of-process checks already make
such code useless); the reasons are written for the instructor to look at. The scan reads every code
cell that is not an unchanged copy of a release cell, after IPython's own translation of ``%magics``
and ``!shell`` lines into Python.
"""
from __future__ import annotations

import ast
from typing import Iterable

GUARDED_MODULES = {"numpy", "np", "bnbook", "bncourse", "sys", "builtins", "__builtins__", "importlib",
                   "os", "subprocess", "shutil", "json", "nbgrader", "IPython", "ctypes", "pathlib", "io"}
GUARDED_NAMES = {"verify", "np", "numpy", "bnbook", "bncourse", "__builtins__", "__import__",
                 "get_ipython", "open", "print", "AssertionError", "isinstance", "type", "len"}
SUSPECT_CALLS = {
    "setattr": "setattr() on a module or object", "delattr": "delattr()", "exec": "exec()",
    "eval": "eval()", "compile": "compile()", "__import__": "__import__()", "globals": "globals()",
}
SUSPECT_ATTRS = {
    "set_custom_exc": "replaces IPython's exception handler", "system": "runs a shell command",
    "getoutput": "runs a shell command", "run_cell_magic": "runs a cell magic",
    "run_line_magic": "runs a line magic", "register_post_execute": "adds a post-execute hook",
    "events": "touches IPython's event hooks",
    "remove": "deletes files", "unlink": "deletes files", "rmtree": "deletes files",
    "rmdir": "deletes folders", "rename": "moves files", "replace": "moves files", "move": "moves files",
    "chmod": "changes file permissions", "write_text": "writes a file", "write_bytes": "writes a file",
    "Popen": "starts a process", "run": None, "call": None, "check_output": "starts a process",
    "modules": "touches sys.modules", "path": None, "meta_path": "touches the import system",
    "reload": "reloads a module", "import_module": "imports by name",
}
SUSPECT_STRINGS = ("gradebook", "solutions", "autograded", "submitted", "hidden test", "nbgrader")
SUSPECT_IMPORTS = {"bnbook", "bncourse", "nbgrader", "ctypes", "subprocess", "shutil", "importlib",
                   "socket", "multiprocessing", "sqlite3", "sqlalchemy", "builtins"}


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(_dotted(node.func) + "()")
    return ".".join(reversed(parts))


class _Scanner(ast.NodeVisitor):
    def __init__(self) -> None:
        self.reasons: list[str] = []
        self.modules = set(GUARDED_MODULES)

    def flag(self, node: ast.AST, reason: str) -> None:
        self.reasons.append(f"line {getattr(node, 'lineno', '?')}: {reason}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.modules.add((alias.asname or alias.name).split(".")[0])
            if alias.name.split(".")[0] in SUSPECT_IMPORTS:
                self.flag(node, f"imports {alias.name}")
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = (node.module or "").split(".")[0]
        if module in SUSPECT_IMPORTS:
            self.flag(node, f"imports from {node.module}")
        self.generic_visit(node)

    def _check_target(self, target: ast.AST, node: ast.AST, verb: str) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._check_target(elt, node, verb)
            return
        if isinstance(target, ast.Name):
            if target.id in GUARDED_NAMES:
                self.flag(node, f"{verb} the name {target.id!r}")
            return
        root = _root_name(target)
        if root in self.modules:
            what = _dotted(target) if isinstance(target, ast.Attribute) else _dotted(target.value) + "[...]"
            self.flag(node, f"{verb} {what}")

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._check_target(target, node, "rebinds")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_target(node.target, node, "rebinds")
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_target(node.target, node, "rebinds")
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._check_target(target, node, "deletes")
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name in GUARDED_NAMES:
            self.flag(node, f"defines a function named {node.name!r}")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if node.name in GUARDED_NAMES:
            self.flag(node, f"defines a class named {node.name!r}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            if func.id in SUSPECT_CALLS:
                self.flag(node, f"calls {SUSPECT_CALLS[func.id]}")
            if func.id == "open" and self._opens_for_writing(node):
                self.flag(node, "opens a file for writing")
        elif isinstance(func, ast.Attribute):
            root = _root_name(func)
            reason = SUSPECT_ATTRS.get(func.attr)
            if func.attr in ("run", "call") and root in ("subprocess", "sp"):
                reason = "starts a process"
            if func.attr in ("insert", "append", "extend", "pop", "update", "clear", "remove",
                             "__setitem__", "__delitem__", "setdefault") and isinstance(func.value, ast.Attribute) \
                    and _dotted(func.value) in ("sys.modules", "sys.path", "sys.meta_path", "sys.path_hooks"):
                reason = f"changes {_dotted(func.value)}"
            if func.attr == "open" and self._opens_for_writing(node, mode_arg=0):
                reason = "opens a file for writing"
            if reason and (root in self.modules or root == "get_ipython" or func.attr in (
                    "set_custom_exc", "register_post_execute", "write_text", "write_bytes", "unlink", "rmtree")):
                self.flag(node, f"{_dotted(func)}: {reason}")
        self.generic_visit(node)

    @staticmethod
    def _opens_for_writing(node: ast.Call, mode_arg: int = 1) -> bool:
        mode = None
        if len(node.args) > mode_arg and isinstance(node.args[mode_arg], ast.Constant):
            mode = node.args[mode_arg].value
        for kw in node.keywords:
            if kw.arg == "mode" and isinstance(kw.value, ast.Constant):
                mode = kw.value.value
        return isinstance(mode, str) and any(ch in mode for ch in "wax+")

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            low = node.value.lower()
            for word in SUSPECT_STRINGS:
                if word in low:
                    self.flag(node, f"mentions {word!r} in a string")
                    break


def _to_python(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - fall back to the raw text
        return source


def scan_source(source: str) -> list[str]:
    """The reasons to flag one code cell (empty when nothing suspicious)."""
    try:
        tree = ast.parse(_to_python(source))
    except SyntaxError:
        return []
    scanner = _Scanner()
    scanner.visit(tree)
    return scanner.reasons


def scan_notebook(nb, release_sources: Iterable[str] = ()) -> list[str]:
    """Reasons for a whole notebook; cells identical to a release cell are not the student's code."""
    known = {s.strip() for s in release_sources}
    reasons = []
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if source.strip() in known:
            continue
        reasons += [f"cell {index + 1}, {r}" for r in scan_source(source)]
    return reasons

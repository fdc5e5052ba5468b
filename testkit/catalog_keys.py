"""The message keys the bot's code uses, found by reading its source (no import, no run).

A key is the first argument of ``t(...)``, ``t.plural(...)``, ``who.t(...)`` or ``N_(...)``
when it is a string literal, or the ``key`` of a ``BotError`` subclass or a string given as
the first argument to one (``ReviewError(N_("review-not-yours"))``). ``t.plural`` keys are
plural entries. ``pybabel extract`` with the keywords in :data:`PYBABEL_KEYWORDS` finds the
same keys (the catalog test checks that it does).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

BOT = Path(__file__).resolve().parents[1] / "bot"
_KEY_RE = re.compile(r"[a-z]+(?:-[a-z]+)+|[a-z]+")


# pybabel extract -k t -k N_ -k plural:1,1 (no default keywords)
PYBABEL_KEYWORDS: dict[str, tuple[int, ...] | None] = {"t": None, "N_": None, "plural": (1, 1)}
_ERROR_CLASSES: set[str] = set()


@dataclass
class Keys:
    singular: dict[str, str] = field(default_factory=dict)  # key -> where
    plural: dict[str, str] = field(default_factory=dict)
    dynamic: list[str] = field(default_factory=list)  # t(<not a literal>) call sites


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _error_classes(root: Path) -> set[str]:
    """Names of BotError and its subclasses in the bot's code."""
    names = {"BotError"}
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in sorted(root.rglob("*.py"))]
    grew = True
    while grew:
        grew = False
        for tree in trees:
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ClassDef)
                    and node.name not in names
                    and any(_name(base) in names for base in node.bases)
                ):
                    names.add(node.name)
                    grew = True
    return names


def collect(root: Path = BOT) -> Keys:
    keys = Keys()
    global _ERROR_CLASSES
    _ERROR_CLASSES = _error_classes(root)
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    targets = (
                        stmt.targets
                        if isinstance(stmt, ast.Assign)
                        else [stmt.target]
                        if isinstance(stmt, ast.AnnAssign)
                        else []
                    )
                    if [getattr(t, "id", "") for t in targets] == ["key"] and (
                        value := _literal(getattr(stmt, "value", None))
                    ):
                        keys.singular.setdefault(value, f"{rel}:{stmt.lineno}")
            if not isinstance(node, ast.Call):
                continue
            name, where = _name(node.func), f"{rel}:{node.lineno}"
            first = node.args[0] if node.args else None
            is_translator = name == "t" or (
                isinstance(node.func, ast.Attribute)
                and node.func.attr == "plural"
                and _name(node.func.value) == "t"
            )
            if is_translator or name == "N_":
                literal = _literal(first)
                if literal is None:
                    keys.dynamic.append(where)
                elif name == "plural":
                    keys.plural.setdefault(literal, where)
                else:
                    keys.singular.setdefault(literal, where)
            elif (
                name in _ERROR_CLASSES | {"__init__"}
                and (literal := _literal(first))
                and _KEY_RE.fullmatch(literal)
            ):
                keys.singular.setdefault(literal, where)
    return keys

"""Derived structures: set operations, margins and rings by a small expression language.

Syntax
------
::

    expr    := term (("+" | "|" | "-") term)*        union (+ or |), difference (-)
    term    := primary ("&" primary)*                 intersection, binds tighter than + | -
    primary := NAME | "quoted name" | "(" expr ")" | CALL
    CALL    := expand(expr, M) | expand(expr, R, L, A, P, S, I)
             | contract(expr, M) | contract(expr, R, L, A, P, S, I)
             | ring(expr, INNER, OUTER)

Names are letters, digits and ``_`` (case-insensitive lookup); names with spaces or hyphens go in
single or double quotes: ``"PTV 60" - 'Liver-GTV'``. Margins are in mm (see
:mod:`hccrt.geometry.margins`). ``ring(X, a, b) = expand(X, b) - expand(X, a)``.

Examples: ``"(Liver - GTV)"``, ``"expand(GTV, 5) & Liver"``, ``"ring(PTV, 0, 20)"``,
``"expand(CTV, 5,5,5,5,10,10) - Spinal_Cord"``.

Evaluation works on fractional occupancies (float32 in [0, 1]): union = max, intersection = min,
difference = min(a, 1 - b), so an operand's sub-voxel boundary survives into the result
(contours are extracted at 0.5). Margins use the occupancy of their operand and return a map whose
0.5 level is the exact expanded/contracted surface (see
:func:`~hccrt.geometry.margins.expand_occupancy`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError
from hccrt.geometry.grid import Grid
from hccrt.geometry.margins import Margins, contract_occupancy, expand_occupancy

Occupancy = npt.NDArray[np.float32]

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d*)?|\.\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<op>[-+|&(),]))"
)
FUNCTIONS = ("expand", "contract", "ring")


class ExpressionError(InputError):
    """A structure expression that cannot be parsed or evaluated."""


@dataclass(frozen=True)
class Name:
    """A structure of the structure set."""

    name: str


@dataclass(frozen=True)
class Binary:
    """``left op right`` with op in ``+ - &`` (``|`` is stored as ``+``)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    """``expand``/``contract``/``ring`` applied to an expression with margins in mm."""

    function: str
    operand: Node
    values_mm: tuple[float, ...]


Node = Name | Binary | Call


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokens(expression: str) -> list[_Token]:
    tokens = []
    position = 0
    stripped_end = len(expression.rstrip())
    while position < stripped_end:
        match = _TOKEN.match(expression, position)
        if match is None or match.end() == position:
            start = position + len(expression[position:]) - len(expression[position:].lstrip())
            raise _error(expression, start, f"unexpected character {expression[start]!r}")
        kind = match.lastgroup or ""
        text = match.group(kind)
        start = match.start(kind) - (1 if kind in ("dq", "sq") else 0)
        tokens.append(_Token("name" if kind in ("dq", "sq") else kind, text, start))
        position = match.end()
    tokens.append(_Token("end", "", len(expression)))
    return tokens


def _error(expression: str, position: int, rule: str) -> ExpressionError:
    near = expression[position : position + 12] or "(end)"
    return ExpressionError(
        "expr", f"{rule} at position {position + 1}", expression, f"check the text at '{near}'"
    )


class _Parser:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = _tokens(expression)
        self.index = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def take(self, text: str) -> _Token:
        token = self.current
        if token.text != text or token.kind not in ("op",):
            shown = "end of expression" if token.kind == "end" else repr(token.text)
            raise _error(self.expression, token.position, f"expected '{text}', found {shown}")
        self.index += 1
        return token

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise _error(self.expression, 0, "empty expression")
        node = self.expr()
        if self.current.kind != "end":
            raise _error(
                self.expression, self.current.position, f"unexpected {self.current.text!r}"
            )
        return node

    def expr(self) -> Node:
        node = self.term()
        while self.current.kind == "op" and self.current.text in "+|-":
            op = "-" if self.current.text == "-" else "+"
            self.index += 1
            node = Binary(op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.primary()
        while self.current.kind == "op" and self.current.text == "&":
            self.index += 1
            node = Binary("&", node, self.primary())
        return node

    def primary(self) -> Node:
        token = self.current
        if token.kind == "op" and token.text == "(":
            self.index += 1
            node = self.expr()
            self.take(")")
            return node
        if token.kind == "name":
            self.index += 1
            is_call = self.current.kind == "op" and self.current.text == "("
            if is_call and token.text.lower() in FUNCTIONS:
                return self.call(token)
            if is_call:
                raise _error(
                    self.expression,
                    token.position,
                    f"unknown function '{token.text}' (use {', '.join(FUNCTIONS)})",
                )
            return Name(token.text)
        shown = "end of expression" if token.kind == "end" else repr(token.text)
        raise _error(self.expression, token.position, f"expected a structure name, found {shown}")

    def call(self, function: _Token) -> Node:
        self.take("(")
        operand = self.expr()
        values = []
        while self.current.kind == "op" and self.current.text == ",":
            self.index += 1
            token = self.current
            if token.kind != "number":
                raise _error(self.expression, token.position, "expected a margin in mm")
            values.append(float(token.text))
            self.index += 1
        self.take(")")
        name = function.text.lower()
        allowed = (2,) if name == "ring" else (1, 6)
        if len(values) not in allowed:
            counts = " or ".join(str(n) for n in allowed)
            raise _error(
                self.expression,
                function.position,
                f"{name}() takes {counts} margin value(s) in mm, got {len(values)}",
            )
        if name == "ring" and values[0] > values[1]:
            raise _error(
                self.expression, function.position, "ring(X, inner, outer) needs inner <= outer"
            )
        return Call(name, operand, tuple(values))


def parse_expression(expression: str) -> Node:
    """Parse a structure expression into a syntax tree.

    Raises
    ------
    ExpressionError
        With the 1-based position of the problem.
    """
    return _Parser(expression).parse()


def structure_names(node: Node) -> tuple[str, ...]:
    """Names used by an expression, in first-use order, without repeats."""
    if isinstance(node, Name):
        return (node.name,)
    if isinstance(node, Binary):
        seen = structure_names(node.left) + structure_names(node.right)
    else:
        seen = structure_names(node.operand)
    return tuple(dict.fromkeys(seen))


def evaluate(node: Node, resolve: Callable[[str], npt.ArrayLike], grid: Grid) -> Occupancy:
    """Evaluate an expression on ``grid``; ``resolve(name)`` returns that structure's occupancy."""
    if isinstance(node, Name):
        values = np.asarray(resolve(node.name), dtype=np.float32)
        if values.shape != grid.shape:
            raise InputError(node.name, f"occupancy shape must be {grid.shape}", values.shape, "")
        return values
    if isinstance(node, Binary):
        left = evaluate(node.left, resolve, grid)
        right = evaluate(node.right, resolve, grid)
        combined: Occupancy
        if node.op == "+":
            combined = np.maximum(left, right)
        elif node.op == "&":
            combined = np.minimum(left, right)
        else:
            combined = np.minimum(left, np.float32(1.0) - right)
        return combined
    operand = evaluate(node.operand, resolve, grid)
    if node.function == "ring":
        inner, outer = node.values_mm
        grown = expand_occupancy(operand, grid, outer)
        core = expand_occupancy(operand, grid, inner) if inner > 0 else operand
        ring: Occupancy = np.minimum(grown, np.float32(1.0) - core)
        return ring
    margins = (
        Margins.isotropic(node.values_mm[0])
        if len(node.values_mm) == 1
        else Margins(*node.values_mm)
    )
    change = expand_occupancy if node.function == "expand" else contract_occupancy
    result: Occupancy = change(operand, grid, margins)
    return result

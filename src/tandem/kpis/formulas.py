"""Formula KPIs: a value per period computed from other KPIs, e.g. ``(net_revenue - cogs) / net_revenue * 100``.

Formulas are parsed by Python's own parser to list the KPI keys they use, and evaluated by
simpleeval, a maintained evaluator that allows arithmetic only: no attribute access, no
imports, no calls beyond ``min``, ``max`` and ``abs``.
"""

from __future__ import annotations

import ast
from decimal import Decimal, DivisionByZero, InvalidOperation

from django.utils.translation import gettext as _
from simpleeval import InvalidExpression, SimpleEval

from tandem.core.errors import ValidationError

FUNCTIONS = {"min": min, "max": max, "abs": abs}
ALLOWED_NODES = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Call,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.USub,
    ast.UAdd,
    ast.Pow,
    ast.Mod,
)


class FormulaError(Exception):
    """A period the formula cannot compute (division by zero, a result out of range)."""


def referenced_keys(formula: str) -> set[str]:
    """The KPI keys a formula uses; a field error for anything that is not plain arithmetic."""
    try:
        tree = ast.parse(formula, mode="eval")
    except SyntaxError as exc:
        raise ValidationError("formula", _("The formula does not parse: %(error)s.") % {"error": exc.msg}) from None
    keys: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ALLOWED_NODES):
            raise ValidationError("formula", _("Use numbers, KPI keys, + - * / ** %, brackets, min, max and abs."))
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS):
            raise ValidationError("formula", _("Only min, max and abs can be called."))
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            raise ValidationError("formula", _("Only numbers can appear as constants."))
        if isinstance(node, ast.Name) and node.id not in FUNCTIONS:
            keys.add(node.id)
    if not keys:
        raise ValidationError("formula", _("A formula must use at least one KPI key."))
    return keys


def evaluate(formula: str, values: dict[str, Decimal | None]) -> Decimal | None:
    """The formula's value for one period; None when an input has no value for it."""
    if any(value is None for value in values.values()):
        return None
    evaluator = SimpleEval(names=dict(values), functions=FUNCTIONS)
    try:
        result = evaluator.eval(formula)
    except (ZeroDivisionError, DivisionByZero):
        raise FormulaError(_("division by zero")) from None
    except (InvalidOperation, InvalidExpression, OverflowError, ArithmeticError) as exc:
        raise FormulaError(str(exc)) from None
    result = Decimal(str(result)) if not isinstance(result, Decimal) else result
    if not result.is_finite() or abs(result) >= Decimal("1e14"):
        raise FormulaError(_("the result is out of range"))
    return result.quantize(Decimal("0.000001"))

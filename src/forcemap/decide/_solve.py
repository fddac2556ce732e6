"""The one HiGHS wrapper of the decisions: run a MILP, map its status, and choose between the
MILP's solution and a greedy heuristic's.

Three decisions solve integer programmes (``consortium``, ``portfolio``'s allocation and
``panel``). Each builds its own model and greedy heuristic; this module does the rest the same
way for all of them:

- :func:`run_milp` calls HiGHS through :func:`scipy.optimize.milp` within a time limit and
  returns a :class:`MilpRun`: the solution (or ``None``), the status as text ("optimal",
  "time limit", "infeasible", "unbounded", "solver failure"), the objective, the best bound
  and the relative gap, in the sense of the problem (a maximisation is reported as one).
- :func:`choose` applies the shared rule: ``method="greedy"`` takes the greedy solution
  (status "greedy (requested)"); otherwise the MILP's, unless it has none (then the greedy
  solution, "greedy (fallback: MILP <status>)") or — when the greedy solution is compared —
  its solution is worse than the greedy one ("greedy (better than the MILP's <status>
  solution)"). A proven infeasible MILP, or a greedy heuristic that finds nothing where it is
  needed, raises :class:`~forcemap.errors.InfeasibleError`.
- :class:`SolveResult` records what happened (status, method used, objective, bound, gap,
  seconds); decisions put it on :attr:`DecisionResult.solve
  <forcemap.decide.result.DecisionResult>`.

References
----------
Huangfu, Q. & Hall, J. A. J. (2018). Parallelizing the dual revised simplex method.
Math. Prog. Comp. 10, 119–142 (HiGHS).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from forcemap.errors import InfeasibleError, InputError

__all__ = [
    "METHODS",
    "Choice",
    "MilpRun",
    "SolveResult",
    "check_method",
    "choose",
    "milp_status",
    "run_milp",
]

METHODS = ("milp", "greedy")
"""The solution methods every MILP decision accepts."""

T = TypeVar("T")

_STATUS = {0: "optimal", 1: "time limit", 2: "infeasible", 3: "unbounded"}


def milp_status(code: int) -> str:
    """The text of a :func:`scipy.optimize.milp` status code ("solver failure" for others)."""
    return _STATUS.get(code, "solver failure")


def check_method(method: str, time_limit: float) -> None:
    """Raise :class:`~forcemap.errors.InputError` unless ``method`` is "milp" or "greedy" and
    ``time_limit`` is positive."""
    if method not in METHODS:
        raise InputError(f"method={method!r} must be 'milp' or 'greedy'")
    if not time_limit or time_limit <= 0:
        raise InputError(f"time_limit={time_limit} must be positive")


@dataclass(frozen=True)
class MilpRun:
    """One HiGHS run, in the sense of the problem (a maximisation reports the maximum).

    ``x`` is the solution vector (``None`` when HiGHS returned none); ``status`` the mapped
    status ("optimal", "time limit", "infeasible", "unbounded", "solver failure");
    ``message`` HiGHS' own message; ``objective``, ``bound`` (best dual bound) and ``gap``
    (relative MIP gap) are ``None`` when unknown.
    """

    x: np.ndarray | None
    status: str
    message: str = ""
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0

    @property
    def detail(self) -> str:
        """The status, followed by HiGHS' message when there is no solution."""
        return self.status if self.x is not None else f"{self.status}: {self.message}"


def run_milp(
    c: np.ndarray,
    *,
    constraints: LinearConstraint,
    integrality: np.ndarray,
    bounds: Bounds,
    time_limit: float,
    mip_rel_gap: float | None = None,
    maximize: bool = False,
) -> MilpRun:
    """Solve ``min c·x`` (``max c·x`` when ``maximize``) with HiGHS within ``time_limit`` seconds.

    ``mip_rel_gap`` is passed to HiGHS when given (its default gap otherwise). HiGHS always
    minimises: a maximisation is solved as ``min −c·x`` and its objective and bound are
    reported with the sign of the maximisation.
    """
    t0 = time.perf_counter()
    options: dict[str, float | bool] = {"time_limit": float(time_limit), "disp": False}
    if mip_rel_gap is not None:
        options["mip_rel_gap"] = float(mip_rel_gap)
    res = milp(
        -c if maximize else c,
        constraints=constraints,
        integrality=integrality,
        bounds=bounds,
        options=options,
    )
    status = milp_status(int(res.status))
    seconds = time.perf_counter() - t0
    if res.x is None:
        return MilpRun(None, status, str(res.message), seconds=seconds)
    sign = -1.0 if maximize else 1.0
    bound = getattr(res, "mip_dual_bound", None)
    gap = getattr(res, "mip_gap", None)
    return MilpRun(
        x=np.asarray(res.x),
        status=status,
        message=str(res.message),
        objective=sign * float(res.fun),
        bound=None if bound is None else sign * float(bound),
        gap=None if gap is None else float(gap),
        seconds=seconds,
    )


@dataclass(frozen=True)
class SolveResult:
    """How a decision's optimisation was solved.

    ``status`` is the solver status as shown to the user ("optimal", "time limit",
    "greedy (requested)", "time limit: <HiGHS message>" …); ``method`` the method that produced
    the answer ("milp", "milp (time limit)", "greedy", "greedy (fallback: MILP …)",
    "greedy (better than the MILP's … solution)"); ``objective`` the value of the answer;
    ``bound`` and ``gap`` HiGHS' best bound and relative gap (``None`` when the MILP did not
    run, returned nothing, or its bound is no bound of the problem); ``milp_objective`` and
    ``greedy_objective`` the two candidates' values when known; ``seconds`` the time spent.
    """

    status: str
    method: str
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    milp_objective: float | None = None
    greedy_objective: float | None = None


@dataclass(frozen=True)
class Choice(Generic[T]):
    """The solution :func:`choose` picked, with its :class:`SolveResult` and the MILP run."""

    solution: T
    result: SolveResult
    run: MilpRun | None


def choose(
    method: str,
    *,
    milp: Callable[[], tuple[T | None, MilpRun]],
    greedy: Callable[[], T | None],
    objective: Callable[[T], float],
    infeasible: Callable[[], InfeasibleError],
    greedy_failed: Callable[[MilpRun | None], InfeasibleError],
    compare: bool = True,
    status_detail: bool = True,
) -> Choice[T]:
    """Pick the MILP's or the greedy heuristic's solution by the shared rule (module docstring).

    Parameters
    ----------
    method : {"milp", "greedy"}
    milp
        Builds and solves the model: ``(solution or None, run)``; called only for "milp".
    greedy
        The greedy heuristic: a solution, or ``None`` when it cannot meet the constraints.
        With ``compare`` it runs first, always; otherwise only when it is needed.
    objective
        The value of a solution (larger is better).
    infeasible
        The error raised when HiGHS proves the model infeasible (it names the constraint).
    greedy_failed
        The error raised when the greedy heuristic finds nothing where it is needed: called
        with ``None`` when greedy was requested, with the failed run on a fallback.
    compare : bool, default True
        Compare the MILP's solution with the greedy one and keep the better.
    status_detail : bool, default True
        A MILP without solution is reported as "<status>: <HiGHS message>" (``False``: only
        the status).

    Raises
    ------
    InfeasibleError
        From ``infeasible`` or ``greedy_failed``.
    """
    t0 = time.perf_counter()
    g = greedy() if compare or method == "greedy" else None
    g_obj = None if g is None else objective(g)
    if method == "greedy":
        if g is None:
            raise greedy_failed(None)
        res = SolveResult(
            "greedy (requested)",
            "greedy",
            g_obj,
            seconds=time.perf_counter() - t0,
            greedy_objective=g_obj,
        )
        return Choice(g, res, None)
    got, run = milp()
    if got is None:
        if run.status == "infeasible":
            raise infeasible()
        status = run.detail if status_detail else run.status
        if not compare:
            g = greedy()
            g_obj = None if g is None else objective(g)
        if g is None:
            raise greedy_failed(run)
        res = SolveResult(
            status,
            f"greedy (fallback: MILP {status})",
            g_obj,
            seconds=time.perf_counter() - t0,
            greedy_objective=g_obj,
        )
        return Choice(g, res, run)
    m_obj = objective(got)
    chosen, used, value = got, "milp" if run.status == "optimal" else f"milp ({run.status})", m_obj
    if compare and g is not None and g_obj is not None and m_obj + 1e-9 < g_obj:
        chosen, used = g, f"greedy (better than the MILP's {run.status} solution)"
        value = g_obj
    res = SolveResult(
        run.status,
        used,
        value,
        bound=run.bound,
        gap=run.gap,
        seconds=time.perf_counter() - t0,
        milp_objective=m_obj,
        greedy_objective=g_obj,
    )
    return Choice(chosen, res, run)

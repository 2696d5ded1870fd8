"""Benchmarks behind the figures in docs/benchmarks.md (run: python bench/benchmark.py [--quick]).

1. `derive check` on the bundled formulas, end to end (a fresh process each time, as a user runs
   it): median and best of several runs.
2. The naive check, `simplify(diff(E, p) - formula) == 0` with the sigmoid written as 1/(1+e^-z),
   on the twelve parameter gradients (each formula the lecture's a(1-a) form), against derive's own
   decision on the same twelve claims (fresh oracle, parse + meaning + decision), in one run.
3. `derive check` on the shared lecture, end to end, when ../shared is there.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import sympy as sp

ROOT = Path(__file__).resolve().parent.parent
LECTURE = ROOT.parent / "shared" / "lecture" / "backprop_hidden_layer.md"
DERIVE = [sys.executable, "-c", "import cli; cli.entry()"]


def end_to_end(args, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(DERIVE + args, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    return statistics.median(times), min(times), done.returncode, summary


def twelve_gradient_claims():
    """(parameter key, last member of its bundled chain): the a(1-a) forms."""
    from derive.notation.parse import parse
    from derive.sources.formula_files import read_formula_file
    out = []
    for name, layer in (("hidden_layer.toml", 2), ("output_layer.toml", 3)):
        for entry in read_formula_file(ROOT / "formulas" / name).entries:
            p = entry.id.split(".")[-1]
            if entry.kind == "chain" and p in ("w11", "w21", "w12", "w22", "b1", "b2"):
                key = ("w", layer, int(p[1]), int(p[2])) if p[0] == "w" else ("b", layer, int(p[1]))
                members = parse(entry.latex, entry.source)[0].chains[0]
                out.append((key, members[0], members[-1]))
    return out


def naive(claims):
    from derive.meaning.meaning import Meaning
    from derive.model.network import Network
    net = Network()
    meaning = Meaning(net)
    exp_form = {net[k]: net.compose(k).rewrite(sp.exp) for k in net.symbols if k[0] == "a"}
    E = net.compose(("E",)).rewrite(sp.exp)
    start = time.perf_counter()
    verdicts = []
    for key, _, formula in claims:
        hand = meaning.member_value(formula).xreplace(exp_form).rewrite(sp.exp)
        verdicts.append(sp.simplify(sp.diff(E, net[key]) - hand) == 0)
    return time.perf_counter() - start, verdicts


def derive_decision(claims):
    """derive on the twelve claims: the oracle for the network (computed once per network and shared
    by every claim about it), then the decision proper (numeric cross-check and exact check)."""
    from derive.decide.workspace import Workspace
    from derive.model.spec import Spec
    start = time.perf_counter()
    ws = Workspace(Spec())
    meaning = ws.meaning({})
    values = [(meaning.member_value(head), meaning.member_value(formula)) for _, head, formula in claims]
    oracle = time.perf_counter() - start
    ws.decider.prepare([v for pair in values for v in pair])
    verdicts = [ws.decider.decide(lhs, rhs).verdict == "proved" for lhs, rhs in values]
    return oracle, time.perf_counter() - start - oracle, verdicts


def warm_up():
    """First use of SymPy's diff, expand, simplify and lambdify, on another network (3-3-3), so that
    one-time start-up costs are charged to neither side and no measured expression is cached."""
    from derive.decide.workspace import Workspace
    from derive.model.spec import Spec
    ws = Workspace(Spec(layers=(3, 3, 3)))
    net = ws.net
    g = ws.oracle.gradient(("w", 2, 1, 1))
    u = sp.Symbol("u")
    sp.simplify(sp.diff(1 / (1 + sp.exp(-u * net["w", 3, 1, 1])), u) - sp.exp(-u))
    ws.decider.evaluator.evaluate([g.normal])
    sp.expand(g.normal)


def side_by_side():
    """One process: warm-up, then derive (oracle, decision), then the naive check."""
    claims = twelve_gradient_claims()
    assert len(claims) == 12, len(claims)
    warm_up()
    oracle, decision, v_derive = derive_decision(claims)
    naive_seconds, v_naive = naive(claims)
    return oracle, decision, sum(v_derive), naive_seconds, sum(v_naive)


def main():
    quick = "--quick" in sys.argv
    runs = 3 if quick else 7
    med, best, code, summary = end_to_end(["check"], runs)
    print(f"derive check (bundled formulas), end to end: median {med:.2f} s, best {best:.2f} s "
          f"over {runs} runs, exit {code}\n    {summary}")
    oracle, decision, proved, t_naive, naive_proved = side_by_side()
    print(f"twelve parameter gradients, one run: naive simplify(diff(E,p) - formula) == 0 with exp-form "
          f"sigmoid: {t_naive:.2f} s ({naive_proved}/12 proved)")
    print(f"    derive's decision: {decision * 1000:.0f} ms ({proved}/12 proved), {t_naive / decision:.0f}x "
          f"faster; with the oracle for the network included ({oracle * 1000:.0f} ms): "
          f"{t_naive / (oracle + decision):.0f}x faster")
    if LECTURE.exists():
        med, best, code, summary = end_to_end(["check", str(LECTURE)], runs)
        print(f"derive check {LECTURE.name}, end to end: median {med:.2f} s, best {best:.2f} s, exit {code}\n"
              f"    {summary}")


if __name__ == "__main__":
    main()

"""Benchmarks behind the README's figures (run: python bench/benchmark.py [--quick]).

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
DERIVE = [sys.executable, "-c", "import cli; cli.main()"]


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
    from derive.read import read_formula_file
    from derive.parse import parse
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
    from derive.meaning import Meaning
    from derive.model import Network
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
    from derive.check import Workspace
    from derive.model import Spec
    start = time.perf_counter()
    ws = Workspace(Spec())
    meaning = ws.meaning({})
    verdicts = []
    for key, head, formula in claims:
        decision = ws.decider.decide(meaning.member_value(head), meaning.member_value(formula))
        verdicts.append(decision.verdict == "proved")
    return time.perf_counter() - start, verdicts


def in_fresh_process(which: str):
    """Run one side in its own interpreter, so neither profits from the other's SymPy cache."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import benchmark as b; "
            f"claims = b.twelve_gradient_claims(); assert len(claims) == 12; "
            f"t, v = b.{which}(claims); print(t, sum(v))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, proved = out.stdout.split()
    return float(seconds), [True] * int(proved) + [False] * (12 - int(proved))


def main():
    quick = "--quick" in sys.argv
    runs = 3 if quick else 7
    med, best, code, summary = end_to_end(["check"], runs)
    print(f"derive check (bundled formulas), end to end: median {med:.2f} s, best {best:.2f} s "
          f"over {runs} runs, exit {code}\n    {summary}")
    t_derive, v_derive = in_fresh_process("derive_decision")
    t_naive, v_naive = in_fresh_process("naive")
    print(f"twelve parameter gradients: naive simplify(diff(E,p) - formula) == 0 with exp-form sigmoid: "
          f"{t_naive:.2f} s ({sum(v_naive)}/12 proved)")
    print(f"twelve parameter gradients: derive's decision: {t_derive:.3f} s ({sum(v_derive)}/12 proved); "
          f"{t_naive / t_derive:.0f}x faster")
    if LECTURE.exists():
        med, best, code, summary = end_to_end(["check", str(LECTURE)], runs)
        print(f"derive check {LECTURE.name}, end to end: median {med:.2f} s, best {best:.2f} s, exit {code}\n"
              f"    {summary}")


if __name__ == "__main__":
    main()

"""Scale: every gradient of a network claimed in a lecture, checked end to end, against its size.

    python bench/scale.py [--runs 3] [--cap 60] [--sizes 2-2-2,8-8-8] [--forms matrix:32-32-4] [--keep DIR]

For each network the script writes a lecture in the lecture's notation (a forward pass, the error
terms delta_j^{(l)} defined for every unit of a layer, and one claim per weight and bias,
`\\frac{\\partial E}{\\partial w_{ji}^{(l)}} = \\delta_j^{(l)} a_i^{(l-1)}`, `... b_j^{(l)} = \\delta_j^{(l)}`),
and measures, each in a fresh process, medians of --runs:

- derive: `derive check LECTURE` end to end (start-up, reading, the oracle, every decision);
Then the same gradients in other forms, in the same run: the seed's style at scale (every gradient
as the chain rule written out with explicit sums over units, `\\sum_m \\sum_k (a_m - t_m) a_m (1 - a_m)
w_{mk} a_k (1 - a_k) w_{k1} a_1 (1 - a_1) x_1`; reversed: the sums and factors in reverse order;
signed: (-1)(t_m - a_m) for (a_m - t_m)) next to the error-term form with the ratio of their times;
the lecture's matrix forms (loss_l defined layer by layer, dE/dW^{(l)} = A^{(l-1)T} . loss_l)
and index statements (dE/dw_{ji}^{(l)} = delta_j^{(l)} a_i^{(l-1)} for every index) of bigger
networks, 784-30-10 among them (derive only).

- naive: the same file read by derive's parser (the error terms put in by their definitions), and
  every gradient claim decided by `simplify(diff(E, p) - claim) == 0`, with E composed from the
  leaves and the sigmoid written as 1/(1 + e^{-z}); stopped after --cap seconds (then the figure
  is the claims it decided in the cap).

Peak memory is the largest resident set of the measured process and its workers
(resource.getrusage(RUSAGE_CHILDREN).ru_maxrss in a fresh intermediary, which waits for them).
The growth exponent is the slope of log(time) against log(parameters) between two sizes.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DERIVE = [sys.executable, "-c", "import sys; sys.path.insert(0, %r); import cli; cli.entry()" % str(ROOT)]
SIZES = ["2-2-2", "8-8-8", "16-16-4", "16-16-16", "12-12-12-6", "16-16-16-10"]


def parameters(layers) -> int:
    return sum(layers[l] * (layers[l - 1] + 1) for l in range(1, len(layers)))


def _w(j, i) -> str:
    return f"{{{j}{i}}}" if j < 10 and i < 10 else f"{{{j},{i}}}"


def _u(j) -> str:
    return str(j) if j < 10 else f"{{{j}}}"


def lecture(layers) -> str:
    """A lecture on a sigmoid network with these layer sizes and E = 1/2 sum (t - a)^2."""
    L = len(layers)
    name = "-".join(map(str, layers))
    out = [f"# Backpropagation in a {name} network", "", "## Forward pass", ""]
    for l in range(2, L + 1):
        below = "x_i" if l == 2 else f"a_i^{{({l - 1})}}"
        out += [f"$$z_j^{{({l})}} = \\sum_{{i=1}}^{{{layers[l - 2]}}} w_{{ji}}^{{({l})}} {below} + b_j^{{({l})}}$$", "",
                f"$$a_j^{{({l})}} = \\sigma(z_j^{{({l})}})$$", ""]
    out += [f"$$E = \\frac{{1}}{{2}} \\sum_{{k=1}}^{{{layers[-1]}}} (t_k^{{({L})}} - a_k^{{({L})}})^2$$", "",
            "## Error terms", "",
            f"$$\\delta_j^{{({L})}} = (a_j^{{({L})}} - t_j^{{({L})}}) a_j^{{({L})}} (1 - a_j^{{({L})}})$$", ""]
    for l in range(L - 1, 1, -1):
        out += [f"$$\\delta_j^{{({l})}} = \\left( \\sum_{{k=1}}^{{{layers[l]}}} w_{{kj}}^{{({l + 1})}} \\delta_k^{{({l + 1})}} "
                f"\\right) a_j^{{({l})}} (1 - a_j^{{({l})}})$$", ""]
    out += ["## Every gradient", ""]
    for l in range(L, 1, -1):
        for j in range(1, layers[l - 1] + 1):
            for i in range(1, layers[l - 2] + 1):
                below = f"x_{_u(i)}" if l == 2 else f"a_{_u(i)}^{{({l - 1})}}"
                out.append(f"$$\\frac{{\\partial E}}{{\\partial w_{_w(j, i)}^{{({l})}}}} = \\delta_{_u(j)}^{{({l})}} {below}$$")
                out.append("")
            out.append(f"$$\\frac{{\\partial E}}{{\\partial b_{_u(j)}^{{({l})}}}} = \\delta_{_u(j)}^{{({l})}}$$")
            out.append("")
    return "\n".join(out)


def forward_pass(layers) -> list[str]:
    L = len(layers)
    out = []
    for l in range(2, L + 1):
        below = "x_i" if l == 2 else f"a_i^{{({l - 1})}}"
        out += [f"$$z_j^{{({l})}} = \\sum_{{i=1}}^{{{layers[l - 2]}}} w_{{ji}}^{{({l})}} {below} + b_j^{{({l})}}$$", "",
                f"$$a_j^{{({l})}} = \\sigma(z_j^{{({l})}})$$", ""]
    return out + [f"$$E = \\frac{{1}}{{2}} \\sum_{{k=1}}^{{{layers[-1]}}} (t_k^{{({L})}} - a_k^{{({L})}})^2$$", ""]


def matrix_lecture(layers) -> str:
    """The lecture's matrix forms: loss_l defined layer by layer, dE/dW^{(l)} = A^{(l-1)T} . loss_l."""
    L = len(layers)
    out = [f"# Backpropagation in a {'-'.join(map(str, layers))} network, in matrices", "", "## Forward pass", ""]
    out += forward_pass(layers) + ["## Error terms", "",
                                   f"$$\\text{{loss\\_{L}}} = (A{L} - T) \\times A{L} \\times (1 - A{L})$$", ""]
    for l in range(L - 1, 1, -1):
        out += [f"$$\\text{{loss\\_{l}}} = (\\text{{loss\\_{l + 1}}} \\bullet W{l + 1}^T) \\times A{l} \\times (1 - A{l})$$", ""]
    out += ["## Gradients", ""]
    for l in range(L, 1, -1):
        out += [f"$$\\frac{{\\partial E}}{{\\partial W^{{({l})}}}} = A{l - 1}^T \\bullet \\text{{loss\\_{l}}}$$", "",
                f"$$\\frac{{\\partial E}}{{\\partial b^{{({l})}}}} = \\text{{loss\\_{l}}}$$", ""]
    return "\n".join(out)


def index_lecture(layers) -> str:
    """Index statements: the error terms and dE/dw_{ji}^{(l)} = delta_j^{(l)} a_i^{(l-1)} for every index."""
    L = len(layers)
    out = [f"# Backpropagation in a {'-'.join(map(str, layers))} network, for every index", "", "## Forward pass", ""]
    out += forward_pass(layers) + ["## Error terms", "",
            f"$$\\delta_j^{{({L})}} = (a_j^{{({L})}} - t_j^{{({L})}}) a_j^{{({L})}} (1 - a_j^{{({L})}})$$", ""]
    for l in range(L - 1, 1, -1):
        out += [f"$$\\delta_j^{{({l})}} = \\left( \\sum_{{k=1}}^{{{layers[l]}}} w_{{kj}}^{{({l + 1})}} \\delta_k^{{({l + 1})}} "
                f"\\right) a_j^{{({l})}} (1 - a_j^{{({l})}})$$", ""]
    out += ["## Gradients", ""]
    for l in range(L, 1, -1):
        below = "x_i" if l == 2 else f"a_i^{{({l - 1})}}"
        out += [f"$$\\frac{{\\partial E}}{{\\partial w_{{ji}}^{{({l})}}}} = \\delta_j^{{({l})}} {below}$$", "",
                f"$$\\frac{{\\partial E}}{{\\partial b_j^{{({l})}}}} = \\delta_j^{{({l})}}$$", ""]
    return "\n".join(out)


def explicit_lecture(layers, reverse: bool = False, signed: bool = False) -> str:
    """The seed's style at scale: every gradient written as the chain rule spelled out, one explicit
    sum per layer between the weight and the output, `\\sum_{m} \\sum_{k} (a_m - t_m) a_m (1 - a_m)
    w_{mk} a_k (1 - a_k) w_{k1} a_1 (1 - a_1) x_1`; `reverse` writes the sums innermost-out and the
    product's factors in reverse order; `signed` writes (-1)(t_m - a_m) for (a_m - t_m) (the same
    mathematics, built unlike the error terms, so it is multiplied out)."""
    L = len(layers)
    out = [f"# Backpropagation in a {'-'.join(map(str, layers))} network, path by path", "", "## Forward pass", ""]
    out += forward_pass(layers) + ["## Every gradient", ""]
    letters = "mkpqrs"
    for l in range(L, 1, -1):
        for j in range(1, layers[l - 1] + 1):
            idx = [letters[d] for d in range(L - l)]          # the summed unit of layers L, L-1, ...
            sums = [f"\\sum_{{{idx[d]}=1}}^{{{layers[L - 1 - d]}}}" for d in range(L - l)]
            units = idx + [str(j)]
            top = _u(int(units[0])) if units[0].isdigit() else units[0]
            error = f"(-1)(t_{top}^{{({L})}} - a_{top}^{{({L})}})" if signed else f"(a_{top}^{{({L})}} - t_{top}^{{({L})}})"
            factors = [error, f"a_{top}^{{({L})}}", f"(1 - a_{top}^{{({L})}})"]
            for d in range(1, len(units)):
                hi, lo, ll = units[d - 1], units[d], L - d
                sub = hi + lo if len(hi + lo) == 2 else f"{hi},{lo}"
                low = _u(int(lo)) if lo.isdigit() else lo
                factors += [f"w_{{{sub}}}^{{({ll + 1})}}", f"a_{low}^{{({ll})}}", f"(1 - a_{low}^{{({ll})}})"]
            if reverse:
                sums, factors = sums[::-1], factors[::-1]
            for i in range(1, layers[l - 2] + 1):
                below = f"x_{_u(i)}" if l == 2 else f"a_{_u(i)}^{{({l - 1})}}"
                body = " ".join(sums + ([below] + factors if reverse else factors + [below]))
                out += [f"$$\\frac{{\\partial E}}{{\\partial w_{_w(j, i)}^{{({l})}}}} = {body}$$", ""]
            out += [f"$$\\frac{{\\partial E}}{{\\partial b_{_u(j)}^{{({l})}}}} = {' '.join(sums + factors)}$$", ""]
    return "\n".join(out)


# -- the naive method (run in a child process) ---------------------------------------------------------
def naive(path: str, layers, cap: float) -> dict:
    """Read the lecture with derive's parser and meaning, then simplify(diff(E, p) - claim) == 0."""
    start = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    import sympy as sp

    from derive.meaning.meaning import Definition, Meaning
    from derive.model.network import Network
    from derive.model.spec import Spec
    from derive.notation.indices import definition_key
    from derive.notation.parse import parse
    net = Network(Spec(layers=tuple(layers)))
    definitions: dict = {}
    meaning = Meaning(net, definitions=definitions)
    claims = []
    for line in Path(path).read_text().splitlines():
        if not line.startswith("$$"):
            continue
        head, value = parse(line.strip("$"))[0].chains[0][:2]
        node = head.parts[0].expr
        if getattr(node, "name", None) == "delta":
            definitions[definition_key(node)] = Definition(definition_key(node), value, node)
        elif type(node).__name__ == "Derivative":
            claims.append((head, value))
    exp_form = {net[k]: net.compose(k).rewrite(sp.exp) for k in net.symbols if k[0] == "a"}
    E = net.compose(("E",)).rewrite(sp.exp)
    proved = done = 0
    for head, value in claims:
        if time.perf_counter() - start > cap:
            break
        p = head.parts[0].expr.wrt
        wrt = meaning.value(p, {})
        hand = meaning._inlined(meaning.member_value(value)).xreplace(exp_form).rewrite(sp.exp)
        proved += sp.simplify(sp.diff(E, wrt) - hand) == 0
        done += 1
    return {"claims": len(claims), "done": done, "proved": proved}


# -- measurements (each in a fresh process) ----------------------------------------------------------------
def child(argv) -> None:
    """Run one measurement and print its figures as JSON (this process is the fresh one)."""
    kind, path, layers, cap = argv[0], argv[1], [int(n) for n in argv[2].split("-")], float(argv[3])
    start = time.perf_counter()
    if kind == "derive":
        done = subprocess.run(DERIVE + ["check", path, "--format", "json"], capture_output=True, text=True)
        seconds = time.perf_counter() - start
        results = json.loads(done.stdout)["results"]
        counts = {v: sum(r["verdict"] == v for r in results) for v in ("proved", "refuted", "undecided", "error")}
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        rss, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
        grad = sum(r["claim"].startswith("\\frac{\\partial E}{\\partial") for r in results)
        print(json.dumps({"seconds": seconds, "rss_kb": rss, "cpu": cpu, "exit": done.returncode, "claims": len(results),
                          "gradients": grad, **counts}))
    else:
        figures = naive(path, layers, cap)
        seconds = time.perf_counter() - start
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print(json.dumps({"seconds": seconds, "rss_kb": usage.ru_maxrss, "cpu": usage.ru_utime + usage.ru_stime,
                          **figures}))


def measure(kind, path, size, cap, runs) -> dict:
    outs = []
    for _ in range(runs):
        t0 = time.perf_counter()
        try:                        # the naive side checks its cap between claims; one simplify can run long
            done = subprocess.run([sys.executable, __file__, "--child", kind, str(path), size, str(cap)],
                                  capture_output=True, text=True, timeout=None if kind == "derive" else 2 * cap)
        except subprocess.TimeoutExpired:
            outs.append({"seconds": time.perf_counter() - t0, "rss_kb": 0, "cpu": 0.0, "claims": 0, "done": -1,
                         "proved": 0, "wall": time.perf_counter() - t0})
            continue
        wall = time.perf_counter() - t0
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        figures["wall"] = wall
        outs.append(figures)
    med = dict(outs[len(outs) // 2])
    med["seconds"] = statistics.median(o["seconds"] for o in outs)
    med["rss_kb"] = statistics.median(o["rss_kb"] for o in outs)
    med["cpu"] = statistics.median(o["cpu"] for o in outs)
    med["all"] = [round(o["seconds"], 2) for o in outs]
    return med


def exponent(rows, a, b) -> float | None:
    ra, rb = rows.get(a), rows.get(b)
    if not ra or not rb:
        return None
    growth = math.log(rb["params"] / ra["params"])
    return tuple(math.log(rb["derive"][k] / ra["derive"][k]) / growth for k in ("seconds", "cpu"))


def main():
    if sys.argv[1:2] == ["--child"]:
        return child(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--naive-runs", type=int, default=1)
    ap.add_argument("--cap", type=float, default=60.0)
    ap.add_argument("--sizes", default=",".join(SIZES))
    ap.add_argument("--keep", default=None, help="write the generated lectures to this folder")
    ap.add_argument("--no-naive", action="store_true")
    ap.add_argument("--forms", default="delta:16-16-16-10,explicit:16-16-16-10,reversed:16-16-16-10,"
                    "signed:16-16-16-10,matrix:32-32-4,matrix:784-30-10,index:784-30-10",
                    help="lectures of other forms (kind:layers, comma separated): delta (error terms, as in the "
                    "table above), explicit (the chain rule as explicit sums), reversed (the same, sums and factors "
                    "in reverse order), signed (the same with (-1)(t - a)), matrix, index")
    args = ap.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="derive-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.uname().machine}, "
          f"{os.cpu_count()} cores, python {sys.version.split()[0]}; medians of {args.runs} runs "
          f"(naive: {args.naive_runs}, capped at {args.cap:g} s)")
    print("| layers | parameters | claims (gradients) | derive wall [runs] | cpu | peak memory | claims/s | verdicts | "
          "naive SymPy | naive memory |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    rows = {}
    for size in args.sizes.split(","):
        layers = [int(n) for n in size.split("-")]
        path = folder / f"scale_{size}.md"
        path.write_text(lecture(layers), encoding="utf-8")
        d = measure("derive", path, size, args.cap, args.runs)
        row = {"params": parameters(layers), "derive": d}
        if not args.no_naive:
            row["naive"] = measure("naive", path, size, args.cap, args.naive_runs)
        rows[size] = row
        verdicts = f"{d['proved']} proved, {d['refuted']} refuted, {d['undecided']} undecided, {d['error']} errors"
        n = row.get("naive")
        if n is None:
            naive_text, naive_mem = "-", "-"
        elif n["done"] == n["claims"]:
            naive_text = f"{n['seconds']:.1f} s, cpu {n['cpu']:.1f} s ({n['proved']}/{n['claims']} proved)"
            naive_mem = f"{n['rss_kb'] / 1024:.0f} MB"
        elif n["done"] < 0:
            naive_text, naive_mem = f"killed at {2 * args.cap:g} s (one simplify ran past the cap)", "-"
        else:
            naive_text = (f"cap {args.cap:g} s: {n['done']}/{n['claims']} decided, {n['proved']} proved "
                          f"({n['seconds']:.0f} s, cpu {n['cpu']:.0f} s)")
            naive_mem = f"{n['rss_kb'] / 1024:.0f} MB"
        print(f"| {size} | {row['params']} | {d['claims']} ({d['gradients']}) | {d['seconds']:.2f} s {d['all']} | "
              f"{d['cpu']:.2f} s | {d['rss_kb'] / 1024:.0f} MB | {d['claims'] / d['seconds']:.0f} | {verdicts} | {naive_text} | "
              f"{naive_mem} |", flush=True)
    print("\n| lecture | parameters | claims | derive wall [runs] | cpu | peak memory | verdicts |")
    print("|---|---|---|---|---|---|---|")
    writers = {"matrix": (matrix_lecture, "matrix forms"), "index": (index_lecture, "index statements"),
               "delta": (lecture, "error terms"), "explicit": (explicit_lecture, "explicit sums"),
               "reversed": (lambda ls: explicit_lecture(ls, reverse=True), "explicit sums, reversed"),
               "signed": (lambda ls: explicit_lecture(ls, signed=True), "explicit sums, (-1)(t - a)")}
    timed = {}
    for kind, size in [k.split(":") for k in args.forms.split(",") if k]:
        layers = [int(n) for n in size.split("-")]
        path = folder / f"scale_{kind}_{size}.md"
        write, name = writers[kind]
        path.write_text(write(layers), encoding="utf-8")
        d = measure("derive", path, size, args.cap, args.runs)
        timed[kind, size] = d
        verdicts = f"{d['proved']} proved, {d['refuted']} refuted, {d['undecided']} undecided, {d['error']} errors"
        print(f"| {size} {name} | {parameters(layers)} | "
              f"{d['claims']} | {d['seconds']:.2f} s {d['all']} | {d['cpu']:.2f} s | {d['rss_kb'] / 1024:.0f} MB | "
              f"{verdicts} |", flush=True)
    for (kind, size), d in timed.items():
        base = timed.get(("delta", size))
        if kind in ("explicit", "reversed", "signed") and base:
            print(f"{size}: {kind} / error terms = {d['seconds'] / base['seconds']:.2f} wall, "
                  f"{d['cpu'] / base['cpu']:.2f} cpu (same run)")
    for a, b in (("8-8-8", "16-16-16-10"), ("8-8-8", "16-16-16"), ("16-16-16", "16-16-16-10")):
        e = exponent(rows, a, b)
        if e is not None:
            print(f"growth in parameters, {a} -> {b}: wall ~ P^{e[0]:.2f}, cpu ~ P^{e[1]:.2f}")


if __name__ == "__main__":
    main()

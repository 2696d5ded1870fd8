"""The `derive` command: a thin click layer over the derive library."""
from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import click

FORMATS = ("table", "json", "github", "junit", "html")


def _load_spec(value: str | None):
    """--model: a TOML file with a [model] table, or layer sizes such as 2-3-1."""
    from derive.errors import ModelError
    from derive.model import Spec
    if value is None:
        return None
    try:
        if Path(value).is_file():
            import tomllib
            data = tomllib.loads(Path(value).read_text(encoding="utf-8"))
            return Spec.from_mapping(data.get("model", data))
        sizes = [int(n) for n in value.replace(",", "-").split("-")]
        return Spec(layers=tuple(sizes))
    except (ValueError, ModelError, OSError) as e:
        raise click.BadParameter(f"{value!r}: {e}; expected a TOML file with a [model] table, "
                                 "or layer sizes such as 2-2-2", param_hint="--model") from None


def claim_options(command):
    """--timeout and --model, which check and export share."""
    command = click.option("--model", "model", default=None, metavar="SPEC",
                           help="The network: a TOML file with a [model] table, or layer sizes such as "
                                "2-2-2. Default: what the file says, else the lecture's 2-2-2 sigmoid "
                                "network.")(command)
    return click.option("--timeout", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
                        help="Seconds each claim may take; past it the claim is undecided.")(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="derive", prog_name="derive")
def main():
    """Prove, or refute with a counterexample, hand-written backpropagation formulas.

    derive builds the network as SymPy expressions, differentiates the loss E by every weight and
    bias (the oracle), and decides whether each hand-written formula equals it: proved, refuted
    (with a point where the two sides differ) or undecided.

    \b
    Example:
        derive check                         # the formulas bundled with derive
        derive check lecture.md notes/       # lecture documents and formula files
    """


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for people; json, github (workflow commands), junit (XML), html for tools.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the report to this file instead of standard output.")
@claim_options
def check(paths, fmt, output, timeout, model):
    """Check formula files (.toml) and lecture documents (.md, .tex, .ipynb).

    With no PATHS, checks the formulas bundled with derive.  Folders are searched.  Every claim
    (each `=` of a chain) is proved, refuted with a counterexample, or undecided; only proved
    counts as passing.

    Exit status: 0 when every claim is proved, 1 when any is refuted or undecided, 2 when
    anything could not be read (or on a usage error).

    \b
    Examples:
        derive check
        derive check formulas/hidden_layer.toml --format json
        derive check lecture.md --format github
        derive check lecture.md --format html -o report.html
    """
    from derive.check import Options
    from derive.run import check_paths
    options = Options(timeout=timeout, spec=_load_spec(model))
    report = check_paths(list(paths), options, progress=_progress_bar(paths))
    text = _render(report, fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(_summary(report), err=True)
    else:
        click.echo(text, nl=False)
    sys.exit(report.exit_code)


def _render(report, fmt: str) -> str:
    if fmt == "json":
        from derive.report import render_json
        return render_json(report)
    if fmt == "github":
        from derive.github import render_github
        return render_github(report)
    if fmt == "junit":
        from derive.junit import render_junit
        return render_junit(report)
    if fmt == "html":
        from derive.html import render_html
        return render_html(report)
    from derive.report import render_table
    return render_table(report)


def _summary(report) -> str:
    from derive.report import summary_line
    return summary_line(report)


def _progress_bar(paths):
    """A progress bar on stderr for several files on a terminal; none in CI or when piped."""
    if len(paths) < 2 and not any(Path(p).is_dir() for p in paths):
        return None
    if os.environ.get("CI") or not sys.stderr.isatty():
        return None

    def show(done: int, total: int, name: str):
        width = 30
        filled = int(width * done / max(total, 1))
        end = "\n" if done >= total else ""
        click.echo(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name[:40]:<40}{end}",
                   err=True, nl=False)
    return show


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--to", "to", type=click.Choice(("tex", "md")), default="tex", show_default=True,
              help="tex: a standalone LaTeX document (pdflatex); md: $$ blocks for Markdown.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of standard output.")
@click.option("--allow-unproved", is_flag=True,
              help="Include formulas not proved, marked NOT PROVED, and exit 0 for them.")
@click.option("--derived", is_flag=True,
              help="Also write SymPy's own dE/dp for every weight and bias, in the lecture's notation.")
@claim_options
def export(paths, to, output, allow_unproved, derived, timeout, model):
    """Write the proven formulas as LaTeX (.tex) or Markdown.

    Checks PATHS like `derive check` (with none, the bundled formulas) and writes every formula
    whose claims were all proved, as written, each with a note of what was proved, on which
    model, how, and by which derive version.  Formulas not proved are listed on stderr and left
    out, unless --allow-unproved includes them under a NOT PROVED mark.  Korean text is
    romanized in the .tex (pdflatex has no Hangul fonts there) and kept as a comment.

    Exit status: 0 when everything written was proved (or --allow-unproved), 1 when a formula
    was not proved, 2 when anything could not be read (or on a usage error).

    \b
    Examples:
        derive export --to tex -o proofs.tex && pdflatex proofs.tex
        derive export lecture.md --to md --derived
    """
    from derive.check import Options
    from derive.export import export_report
    from derive.run import check_paths
    spec = _load_spec(model)
    report = check_paths(list(paths), Options(timeout=timeout, spec=spec), progress=_progress_bar(paths))
    result = export_report(report, to, allow_unproved=allow_unproved, derived=derived,
                           specs=[spec] if spec else None)
    if output:
        Path(output).write_text(result.text, encoding="utf-8")
    else:
        click.echo(result.text, nl=False)
    for line in result.problems():
        click.echo(line, err=True)
    sys.exit(result.exit_code)


@main.command()
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--values", "values_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="A TOML file of values: [values] x = [0.05, 0.10], \"W^{(2)}\" = [[...]], ...")
@click.option("--value", "pairs", multiple=True, metavar="NAME=NUMBER",
              help="One value, e.g. --value 'w_{11}^{(2)}=0.15' (repeatable; wins over --values).")
@click.option("--places", type=click.IntRange(1, 30), default=9, show_default=True,
              help="Decimal places of every computed number (at least 3 significant digits).")
@click.option("--significant", type=click.IntRange(2, 30), default=None,
              help="Round to this many significant digits instead of --places.")
@click.option("--model", "model", default=None, metavar="SPEC",
              help="The network: a TOML file with a [model] table, or layer sizes such as 2-2-2. "
                   "Default: what PATH defines, else the lecture's 2-2-2 sigmoid network.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of standard output.")
def example(path, values_file, pairs, places, significant, model, output):
    """Write a worked example: one step of backpropagation with numbers.

    The network is PATH's (a lecture document or formula file; without PATH the lecture's 2-2-2
    sigmoid network, or --model). Values come from PATH's own bindings (x_1 = 0.05, a pmatrix of
    weights), then --values, then --value. The Markdown written has the forward pass, the loss,
    every gradient with its chain-rule factors as numbers, and the update; `derive check` on it
    passes.

    Exit status: 0 written, 2 when values are missing or anything could not be read.

    \b
    Examples:
        derive example --values values.toml -o example.md && derive check example.md
        derive example lecture.md --value 'alpha=0.1'
    """
    from derive.errors import DeriveError
    from derive.example import add_values, document_network, read_values_file, write_example
    from derive.model import Network, Spec
    spec = _load_spec(model)
    try:
        if path is not None:
            net, bound = document_network(path, spec)
        else:
            from derive.bindings import Bindings
            net = Network(spec or Spec())
            bound = Bindings(net)
        if values_file is not None:
            add_values(bound, read_values_file(values_file), str(values_file))
        options = {}
        for pair in pairs:
            name, sep, number = pair.partition("=")
            if not sep:
                raise click.BadParameter(f"{pair!r}: expected NAME=NUMBER", param_hint="--value")
            options[name.strip()] = number.strip()
        add_values(bound, options, "--value")
        text = write_example(net, bound, places, significant)
    except DeriveError as e:
        where = e.describe() if e.file else e.message + (f"\n    expected {e.expected}" if e.expected else "")
        click.echo(f"derive example: {where}", err=True)
        sys.exit(2)
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


def entry():
    """The `derive` console script: run the CLI, then leave at once. Tearing down the interpreter
    would spend ~0.2 s freeing SymPy's caches, which the operating system does for free; and the
    cyclic garbage collector runs less often (SymPy allocates many small objects, few cycles)."""
    gc.set_threshold(100_000, 50, 100)
    try:
        main.main(prog_name="derive")
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()

"""The `derive` command: a thin click layer over the derive library."""
from __future__ import annotations

import gc
import math
import os
import sys
from pathlib import Path

import click

FORMATS = ("table", "json", "github", "junit", "html")


MAX_SECONDS = 1_000_000        # --timeout and --budget: finite, positive, and at most this


def _load_spec(value: str | None, bounds=None):
    """--model: a TOML file with a [model] table, or layer sizes such as 2-3-1 (within the bounds)."""
    stated = _load_model(value, bounds)
    return stated.spec if stated is not None else None


def _load_model(value: str | None, bounds=None):
    """--model as a FrontMatter: the network, and from a TOML file its notation, names and values."""
    from derive.errors import DeriveError
    from derive.model.spec import MODEL_FORMS
    from derive.runtime.bounds import Bounds, check_network
    from derive.understand.front_matter import read_model
    if value is None:
        return None
    bounds = bounds or Bounds()
    try:
        stated = read_model(value, bounds)
        check_network(stated.spec.layers, bounds, "--model")
        return stated
    except (ValueError, DeriveError, OSError, RecursionError) as e:
        shown = isinstance(e, DeriveError) and e.expected and e.expected != MODEL_FORMS     # the API's forms
        reason = (e.message + (f" ({e.expected})" if shown else "") if isinstance(e, DeriveError)
                  else " ".join(str(e).split())[:200])
        raise click.BadParameter(f"{value[:80]!r}: {reason}; expected a TOML file with a [model] table, "
                                 "or layer sizes such as 2-2-2 (with activations: 2-3-1:tanh,sigmoid)",
                                 param_hint="--model") from None


def _seconds(ctx, param, value):
    """--timeout and --budget: a finite, positive number of seconds (nan and inf are refused)."""
    if value is None:
        return value
    if not math.isfinite(value) or not 0 < value <= MAX_SECONDS:
        raise click.BadParameter(f"{value!r} is not a finite number of seconds in (0, {MAX_SECONDS:,}]")
    return value


def _limits(ctx, param, values):
    """--limit NAME=VALUE, repeatable: the bounds of the run."""
    from derive.runtime.bounds import Bounds, parse_limit
    bounds = Bounds()
    for text in values:
        try:
            bounds = parse_limit(text, bounds)
        except ValueError as e:
            raise click.BadParameter(str(e)) from None
    return bounds


def claim_options(command):
    """--timeout, --budget, --limit and --model, which check and export share."""
    command = click.option("--model", "model", default=None, metavar="SPEC",
                           help="The network: a TOML file with a [model] table (the keys of a front "
                                "matter), or layer sizes such as 2-2-2 or 2-3-1:tanh,sigmoid. Default: what "
                                "the file says, else the lecture's 2-2-2 sigmoid network.")(command)
    command = click.option("--limit", "limits", multiple=True, metavar="NAME=VALUE", callback=_limits,
                           help="Set a bound (repeatable): file-size, line, depth, digits, exponent, layers, "
                                "units, parameters, memory (per worker), budget; e.g. --limit "
                                "file-size=20MB. docs/bounds.md lists them.")(command)
    command = click.option("--budget", type=float, default=None, callback=_seconds, metavar="SECONDS",
                           help="Seconds the whole run may take (default 600); past it the claims not yet "
                                "decided are undecided.")(command)
    return click.option("--timeout", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
                        callback=_seconds,
                        help="Seconds each claim may take; past it the claim is undecided.")(command)


def _options(timeout, budget, limits, model):
    from derive.pipeline.options import Options
    bounds = limits.with_limits(budget=budget) if budget else limits
    stated = _load_model(model, bounds)
    return Options(timeout=timeout, spec=stated.spec if stated else None, bounds=bounds, stated=stated)


def _check_output(output: str | None, paths, configured=()) -> None:
    """-o: a regular file, none the run reads or was configured from (`configured`: (path, what)),
    in a folder where a file can be made: a usage error, before any work is done."""
    if not output:
        return
    from derive.errors import DeriveError
    from derive.pipeline.run import expand_paths
    from derive.project.config import find_pyproject
    from derive.runtime.output import OutputError, check_output
    from derive.sources.formula_files import bundled_formulas
    try:
        inputs = [p for p, _ in (expand_paths(list(paths)) if paths else bundled_formulas())]
    except (OSError, RuntimeError, DeriveError):
        inputs = []
    settings = [(find_pyproject(), "the pyproject.toml derive takes its settings from")]
    settings += [(Path(p), what) for p, what in configured if p and os.path.isfile(p)]
    try:
        check_output(output, inputs + [Path(p) for p in paths], [(p, what) for p, what in settings if p])
    except OutputError as e:
        raise click.BadParameter(e.message + (f"; expected {e.expected}" if e.expected else ""),
                                 param_hint="-o") from None


def _write(output: str, text: str | bytes) -> None:
    """Write atomically, with the umask's mode (runtime.output); a failure is exit 2, named."""
    from derive.runtime.output import OutputError, write_output
    try:
        write_output(output, text)
    except OutputError as e:
        click.echo(f"Error: -o: {e.message}", err=True)
        sys.exit(2)


def _run(paths, options, progress, exclude=()):
    """check_paths, stopped at once (every worker too) by Ctrl-C (exit 130) or SIGTERM (exit 143)."""
    import signal

    from derive.pipeline.run import check_paths

    def terminate(signum, frame):
        raise SystemExit(128 + signum)
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:                              # not the main thread: leave signals alone
        pass
    try:
        return check_paths(list(paths), options, progress=progress, exclude=exclude)
    except KeyboardInterrupt:
        click.echo("\ninterrupted", err=True)
        sys.exit(130)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _notes(report) -> None:
    for note in report.notes:
        click.echo(f"note: {note}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="derive-backprop", prog_name="derive")
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


def bundled_option(command):
    """--bundled: the formulas bundled with derive instead of the repository's lectures."""
    return click.option("--bundled", is_flag=True,
                        help="Check the formulas bundled with derive (the Korean lecture's), not the "
                             "repository's lectures; takes no PATHS.")(command)


PATHS = click.Path(exists=True, path_type=str)      # a path that does not exist: a usage error, exit 2


@main.command()
@click.argument("paths", nargs=-1, type=PATHS)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for people; json, github (workflow commands), junit (XML), html for tools.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the report to this file instead of standard output; the format follows "
                   "its extension (.json, .xml: junit, .html) unless --format says it.")
@click.option("--exclude", "exclude", multiple=True, metavar="GLOB",
              help="Leave out files and folders matching GLOB (gitignore syntax, e.g. drafts/ or "
                   "'*.ipynb'); repeatable. Files git ignores are left out of folder scans too.")
@click.option("-v", "--verbose", is_flag=True,
              help="Table: every claim (default: the claims that did not pass, and the summary), "
                   "and every value of a counterexample.")
@click.option("--run-code", is_flag=True,
              help="Also run the documents' Python code in a sandbox and compare its arrays with "
                   "derive's exact values (docs/code.md); without it no code ever runs.")
@click.option("--strict", is_flag=True,
              help="Fail the run (exit 1) when an equation is not checked (derive cannot read or "
                   "model it); without it such equations are listed and counted, and pass.")
@bundled_option
@claim_options
@click.pass_context
def check(ctx, paths, fmt, output, exclude, verbose, run_code, strict, bundled, timeout, budget, limits, model):
    """Check formula files (.toml) and lecture documents (.md, .tex, .ipynb).

    With no PATHS, checks the repository: the paths of [tool.derive] in pyproject.toml, else the
    whole repository (the nearest folder up from here with a pyproject.toml or a .git); outside
    any repository, or with --bundled, the formulas bundled with derive.  Folders are searched (TOML files only when they hold
    formulas; what git ignores and --exclude matches left out).  Every claim (each `=` of a
    chain) is proved, refuted with a counterexample, or undecided; only proved counts as passing.

    Exit status: 0 when every claim is proved (math that claims nothing is prose; an equation
    derive cannot read or model is "not checked" and passes unless --strict), 1 when any is
    refuted or undecided, 2 when a file or malformed LaTeX could not be read (or on a usage
    error), 130 when interrupted.

    \b
    Examples:
        derive check
        derive check --bundled
        derive check formulas/hidden_layer.toml --format json
        derive check lecture.md --format github
        derive check . --exclude drafts/ -o report.html
    """
    paths, fmt, timeout, model, exclude, (run_code, strict) = _with_config(ctx, paths, fmt, output, timeout, model,
                                                                           exclude, run_code, strict, bundled)
    options = _options(timeout, budget, limits, model)
    options.run_code, options.strict = run_code, strict
    _check_output(output, paths, [(model, "the --model file")])
    report = _run(paths, options, _progress_bar(paths), exclude=exclude)
    text = _render(report, fmt, verbose, to_terminal=output is None)
    if output:
        _write(output, text)
        click.echo(_summary(report), err=True)
    else:
        click.echo(text, nl=False)
    _notes(report)
    sys.exit(report.exit_code)


# What an output file's extension says its format is; other extensions (.txt, .log ...) say nothing.
FORMAT_OF_SUFFIX = {".json": "json", ".xml": "junit", ".html": "html", ".htm": "html"}


def _with_config(ctx, paths, fmt, output, timeout, model, exclude, run_code=False, strict=False, bundled=False):
    """Settings from [tool.derive] in pyproject.toml, where the command line gives none, and the
    report format: --format, else the output file's extension, else the table's, else table.
    With no paths, what `default_paths` says (the repository; the bundled formulas outside one)."""
    from click.core import ParameterSource

    from derive.project.config import ConfigError, load_config

    def given(name):
        return ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)
    try:
        config = load_config(formats=FORMATS)
    except ConfigError as e:
        click.echo(f"Error: {e.describe()}", err=True)
        sys.exit(2)
    from derive.sources.scan import PatternError, exclusion
    try:
        exclusion(exclude)
    except PatternError as e:
        raise click.BadParameter(f"{e.message}; expected {e.expected}", param_hint="--exclude") from None
    exclude = list(exclude)
    paths = _paths(paths, bundled, config)
    if config is not None:
        timeout = timeout if given("timeout") or config.timeout is None else config.timeout
        model = model if given("model") or config.model is None or bundled else config.model_arg()
        exclude = config.exclude + exclude
        run_code = run_code or config.run_code
        strict = strict or config.strict
    implied = FORMAT_OF_SUFFIX.get(Path(output).suffix.lower()) if output else None
    if given("fmt"):
        if implied and implied != fmt:
            raise click.UsageError(f"--format {fmt} does not fit -o {output}, whose extension means "
                                   f"{implied}: change one of them")
    elif implied:
        fmt = implied
    elif config is not None and config.format:
        fmt = config.format
    return paths, fmt, timeout, model, exclude, (run_code, strict)


def _paths(paths, bundled: bool, config) -> tuple:
    """The paths to read: those given; with none, the repository's (`default_paths`), or () for
    the bundled formulas (--bundled, or outside any repository, which a note on stderr says)."""
    from derive.project.config import default_paths
    if bundled:
        if paths:
            raise click.UsageError("--bundled checks the formulas bundled with derive and takes no PATHS")
        return ()
    if paths:
        return tuple(paths)
    found = default_paths(config)
    if found is None:
        click.echo("note: not in a repository (no pyproject.toml or .git here or above): reading the formulas "
                   "bundled with derive; name the files to read, e.g. derive check lecture.md", err=True)
        return ()
    missing = [p for p in found if not os.path.exists(p)]
    if missing:
        verb = "does not exist" if len(missing) == 1 else "do not exist"
        click.echo(f"Error: {os.path.relpath(config.file)}: [tool.derive] paths: "
                   f"{', '.join(map(repr, missing))} {verb}", err=True)
        sys.exit(2)
    return tuple(found)


def _render(report, fmt: str, verbose: bool = False, to_terminal: bool = False) -> str:
    import shutil

    from derive.report.formats import render
    colour = to_terminal and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    sized = to_terminal and (sys.stdout.isatty() or os.environ.get("COLUMNS"))
    width = shutil.get_terminal_size().columns if sized else None       # a pipe: lines whole
    return render(report, fmt, verbose=verbose, width=width, colour=colour)


def _summary(report) -> str:
    from derive.report.table import summary_line
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
@click.argument("paths", nargs=-1, type=PATHS)
@click.option("--to", "to", type=click.Choice(("tex", "md", "pdf")), default="tex", show_default=True,
              help="tex: a standalone LaTeX document for the engine --engine names (its first line says "
                   "which: xelatex when the text needs its fonts, as Korean does); pdf: that document "
                   "compiled here (needs -o; no shell escape); md: $$ blocks for Markdown.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of standard output.")
@click.option("--allow-unproved", is_flag=True,
              help="Include formulas not proved, marked NOT PROVED, and exit 0 for them.")
@click.option("--derived", is_flag=True,
              help="Also write SymPy's own dE/dp for every weight and bias, in the lecture's notation.")
@click.option("--engine", type=click.Choice(("auto", "xelatex", "pdflatex", "ascii")), default="auto",
              show_default=True,
              help="The TeX engine the .tex is for: xelatex (kotex, Noto CJK fonts), pdflatex (kotex "
                   "for Hangul), ascii (pdflatex, Hangul romanized); auto: the first this machine has.")
@click.option("--code/--no-code", default=True, show_default=True,
              help="A notebook's code cells in the handout as listings, or left out.")
@bundled_option
@claim_options
def export(paths, to, output, allow_unproved, derived, engine, code, bundled, timeout, budget, limits, model):
    """Write a handout of the checked lectures: LaTeX (.tex), a PDF, or Markdown.

    Checks PATHS like `derive check` (with none, the repository's lectures; --bundled: the
    formulas bundled with derive).  The .tex of a lecture (Markdown, LaTeX, notebook) is the
    lecture itself -- title, headings, prose, lists, displays, a notebook's code cells as
    listings (--no-code: left out) -- each formula proved marked with a check where it stands,
    equation labels as numbers, a worked example's values listed; a formula file gives its
    proved formulas under its headings.  One closing note says what was proved, on which model,
    how, and by which derive version.  Formulas not proved are listed on stderr and left out
    (in a sentence: marked NOT PROVED), unless --allow-unproved includes them, marked.  The .tex names its engine in its first line
    (`% engine: xelatex ...`): Korean text is typeset with kotex or Noto CJK, romanized only
    when neither is installed.

    Exit status: 0 when everything written was proved (or --allow-unproved), 1 when a formula
    was not proved, 2 when anything could not be read (or on a usage error).

    \b
    Examples:
        derive export --bundled --to tex -o proofs.tex && pdflatex proofs.tex
        derive export lecture.md --to tex -o handout.tex && xelatex handout.tex
        derive export lecture.md --to pdf -o handout.pdf
        derive export lecture.md --to md --derived
    """
    from derive.export.handout import export_report
    from derive.export.pdf import PdfError, compile_pdf
    from derive.project.config import ConfigError, load_config
    if to == "pdf" and not output:
        raise click.UsageError("--to pdf writes a file: name it with -o, e.g. -o handout.pdf")
    try:
        config = None if paths or bundled else load_config(formats=FORMATS)
    except ConfigError as e:
        click.echo(f"Error: {e.describe()}", err=True)
        sys.exit(2)
    paths = _paths(paths, bundled, config)
    options = _options(timeout, budget, limits, model)
    spec = options.spec
    _check_output(output, paths, [(model, "the --model file")])
    report = _run(paths, options, _progress_bar(paths))
    result = export_report(report, "tex" if to == "pdf" else to, allow_unproved=allow_unproved, derived=derived,
                           specs=[spec] if spec else None, engine=engine, code=code)
    if to == "pdf":
        try:
            _write(output, compile_pdf(result.text, result.engine))
        except PdfError as e:
            click.echo(f"Error: {e.message}" + (f"; expected {e.expected}" if e.expected else ""), err=True)
            sys.exit(2)
        click.echo(f"{output}: compiled by {result.text.split(chr(10), 1)[0].lstrip('% ')}", err=True)
    elif output:
        _write(output, result.text)
        if result.engine:
            click.echo(f"{output}: {result.text.split(chr(10), 1)[0].lstrip('% ')}", err=True)
    else:
        click.echo(result.text, nl=False)
    _notes(report)
    for line in result.problems():
        click.echo(line, err=True)
    sys.exit(result.exit_code)


@main.command()
@click.option("--install", "install", default=None, metavar="SPEC",
              help="Where CI installs derive from (a pip requirement: a git URL, a path, a package). "
                   "Default: the URL derive was installed from, when pip recorded one, else "
                   "derive-backprop (its name on the package index) at this version.")
def init(install):
    """Write CI files for this lecture repository: a GitHub Actions workflow and a pre-commit hook.

    Writes .github/workflows/derive.yml, which runs `derive check PATHS --format github` on every
    push and pull request and uploads the HTML report as the artifact derive-report, and
    .pre-commit-config.yaml, which checks the changed lecture files; PATHS are the folders that
    hold lectures or formula files.  Nothing is overwritten: when
    either file exists, neither is written and the exit status is 2.

    \b
    Example:
        cd my-lectures && derive init --install git+https://github.com/OWNER/derive
    """
    from derive.project.ci import WORKFLOW, InitError, write_ci_files
    try:
        written = write_ci_files(install=install)
    except InitError as e:
        click.echo(f"Error: {e.describe()}", err=True)
        sys.exit(2)
    for path in written.files:
        click.echo(f"wrote {os.path.relpath(path)}")
    click.echo(f"the workflow runs: {written.command}")
    if not written.install_known:
        click.echo(f"DERIVE in {WORKFLOW.as_posix()} is {written.install}, from the package index; to install "
                   "derive from elsewhere (a git URL), edit it or run derive init --install SPEC", err=True)


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
    from derive.model.network import Network
    from derive.model.spec import Spec
    from derive.pipeline.example import document_network
    from derive.worked.write import add_values, read_values_file, write_example
    spec = _load_spec(model)
    _check_output(output, [str(path)] if path is not None else [],
                  [(model, "the --model file"), (values_file, "the --values file")])
    try:
        if path is not None:
            net, bound = document_network(path, spec)
        else:
            from derive.worked.bindings import Bindings
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
        _write(output, text)
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
    except KeyboardInterrupt:
        code = 130
    except Exception as e:                          # never a traceback: say what and where, exit 2
        _say(f"derive: internal error ({type(e).__name__}: {' '.join(str(e).split())[:300]}); "
             "this is a bug in derive, please report it")
        code = 2
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):               # a closed or broken output: nothing more to say
            pass
    os._exit(code)


def _say(text: str) -> None:
    try:
        if sys.stderr is not None:
            sys.stderr.write(text + "\n")
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    entry()

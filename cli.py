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
              help="Write the report to this file instead of standard output; the format follows "
                   "its extension (.json, .xml: junit, .html) unless --format says it.")
@click.option("--exclude", "exclude", multiple=True, metavar="GLOB",
              help="Leave out files and folders matching GLOB (gitignore syntax, e.g. drafts/ or "
                   "'*.ipynb'); repeatable. Files git ignores are left out of folder scans too.")
@claim_options
@click.pass_context
def check(ctx, paths, fmt, output, exclude, timeout, model):
    """Check formula files (.toml) and lecture documents (.md, .tex, .ipynb).

    With no PATHS, checks the paths of [tool.derive] in pyproject.toml when there is one, else
    the formulas bundled with derive.  Folders are searched (TOML files only when they hold
    formulas; what git ignores and --exclude matches left out).  Every claim (each `=` of a
    chain) is proved, refuted with a counterexample, or undecided; only proved counts as passing.

    Exit status: 0 when every claim is proved, 1 when any is refuted or undecided, 2 when
    anything could not be read (or on a usage error).

    \b
    Examples:
        derive check
        derive check formulas/hidden_layer.toml --format json
        derive check lecture.md --format github
        derive check . --exclude drafts/ -o report.html
    """
    from derive.check import Options
    from derive.run import check_paths
    paths, fmt, timeout, model, exclude = _with_config(ctx, paths, fmt, output, timeout, model, exclude)
    options = Options(timeout=timeout, spec=_load_spec(model))
    report = check_paths(list(paths), options, progress=_progress_bar(paths), exclude=exclude)
    text = _render(report, fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(_summary(report), err=True)
    else:
        click.echo(text, nl=False)
    sys.exit(report.exit_code)


# What an output file's extension says its format is; other extensions (.txt, .log ...) say nothing.
FORMAT_OF_SUFFIX = {".json": "json", ".xml": "junit", ".html": "html", ".htm": "html"}


def _with_config(ctx, paths, fmt, output, timeout, model, exclude):
    """Settings from [tool.derive] in pyproject.toml, where the command line gives none, and the
    report format: --format, else the output file's extension, else the table's, else table."""
    from click.core import ParameterSource
    from derive.config import ConfigError, load_config

    def given(name):
        return ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)
    try:
        config = load_config(formats=FORMATS)
    except ConfigError as e:
        click.echo(f"Error: {e.describe()}", err=True)
        sys.exit(2)
    from derive.scan import PatternError, exclusion
    try:
        exclusion(exclude)
    except PatternError as e:
        raise click.BadParameter(f"{e.message}; expected {e.expected}", param_hint="--exclude") from None
    exclude = list(exclude)
    if config is not None:
        paths = paths or tuple(config.path_args())
        timeout = timeout if given("timeout") or config.timeout is None else config.timeout
        model = model if given("model") or config.model is None else config.model_arg()
        exclude = config.exclude + exclude
    implied = FORMAT_OF_SUFFIX.get(Path(output).suffix.lower()) if output else None
    if given("fmt"):
        if implied and implied != fmt:
            raise click.UsageError(f"--format {fmt} does not fit -o {output}, whose extension means "
                                   f"{implied}: change one of them")
    elif implied:
        fmt = implied
    elif config is not None and config.format:
        fmt = config.format
    return paths, fmt, timeout, model, exclude


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
@click.option("--engine", type=click.Choice(("auto", "xelatex", "pdflatex", "ascii")), default="auto",
              show_default=True,
              help="The TeX engine the .tex is for: xelatex (kotex, Noto CJK fonts), pdflatex (kotex "
                   "for Hangul), ascii (pdflatex, Hangul romanized); auto: the first this machine has.")
@claim_options
def export(paths, to, output, allow_unproved, derived, engine, timeout, model):
    """Write the proven formulas as a LaTeX handout (.tex) or Markdown.

    Checks PATHS like `derive check` (with none, the bundled formulas) and writes every formula
    whose claims were all proved, as written, under the document's own headings, each formula
    once, with one closing note of what was proved, on which model, how, and by which derive
    version.  Formulas not proved are listed on stderr and left out, unless --allow-unproved
    includes them under a NOT PROVED mark.  The .tex names its engine in its first line
    (`% engine: xelatex ...`): Korean text is typeset with kotex or Noto CJK, romanized only
    when neither is installed.

    Exit status: 0 when everything written was proved (or --allow-unproved), 1 when a formula
    was not proved, 2 when anything could not be read (or on a usage error).

    \b
    Examples:
        derive export --to tex -o proofs.tex && pdflatex proofs.tex
        derive export lecture.md --to tex -o handout.tex && xelatex handout.tex
        derive export lecture.md --to md --derived
    """
    from derive.check import Options
    from derive.export import export_report
    from derive.run import check_paths
    spec = _load_spec(model)
    report = check_paths(list(paths), Options(timeout=timeout, spec=spec), progress=_progress_bar(paths))
    result = export_report(report, to, allow_unproved=allow_unproved, derived=derived,
                           specs=[spec] if spec else None, engine=engine)
    if output:
        Path(output).write_text(result.text, encoding="utf-8")
        if result.engine:
            click.echo(f"{output}: {result.text.split(chr(10), 1)[0].lstrip('% ')}", err=True)
    else:
        click.echo(result.text, nl=False)
    for line in result.problems():
        click.echo(line, err=True)
    sys.exit(result.exit_code)


@main.command()
@click.option("--install", "install", default=None, metavar="SPEC",
              help="Where CI installs derive from (a pip requirement: a git URL, a path, a package). "
                   "Default: the URL derive was installed from, when pip recorded one.")
def init(install):
    """Write CI files for this lecture repository: a GitHub Actions workflow and a pre-commit hook.

    Writes .github/workflows/derive.yml, which runs `derive check PATHS --format github` on every
    push and pull request, and .pre-commit-config.yaml, which checks the changed lecture files;
    PATHS are the folders that hold lectures or formula files.  Nothing is overwritten: when
    either file exists, neither is written and the exit status is 2.

    \b
    Example:
        cd my-lectures && derive init --install git+https://github.com/OWNER/derive
    """
    from derive.ci import WORKFLOW, InitError, write_ci_files
    try:
        written = write_ci_files(install=install)
    except InitError as e:
        click.echo(f"Error: {e.describe()}", err=True)
        sys.exit(2)
    for path in written.files:
        click.echo(f"wrote {os.path.relpath(path)}")
    click.echo(f"the workflow runs: {written.command}")
    if not written.install_known:
        click.echo(f"edit DERIVE in {WORKFLOW.as_posix()} (now {written.install}): where CI installs "
                   "derive from; or run derive init --install SPEC", err=True)


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

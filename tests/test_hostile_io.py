"""Nothing destroyed, nothing run, nothing leaked (issue 22, items 1-3; issue 20, item 3).

What `-o` may write (regular files only, never a file the run read or was configured from, with
the umask's mode, found unwritable before the run), where the grammar's tables are cached (a folder
of this user's own, never the shared temporary folder), that no program runs in a scanned folder
(its `.gitignore` files are read, git is not run), that a symbolic link never brings text from
outside the folders scanned into a report, and that `derive init` never writes through a link.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from cli import main

LECTURE = ROOT / "tests" / "fixtures" / "output_layer_lecture.md"

# A short lecture as a blog post writes it: prose around two formulas of the output layer.
POST = """# Backprop by hand, part 2

Mina's notes on the output layer.  With the squared error split per output,

$$ E = E_1 + E_2 $$

and the bias gradient of the first output unit is the error times the sigmoid's slope:

$$ \\frac{\\partial E}{\\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) a_1^{(3)} (1 - a_1^{(3)}) $$
"""


def run(*args, **kw):
    return CliRunner().invoke(main, list(args), catch_exceptions=False, **kw)


@pytest.fixture
def post(tmp_path):
    path = tmp_path / "post.md"
    path.write_text(POST, encoding="utf-8")
    return path


# -- -o writes regular files only --------------------------------------------------------------------
def private_null(folder: Path) -> Path:
    """A character device like /dev/null, made in `folder` (root only): if derive ever replaced it
    by a file, this copy is lost, not the machine's /dev/null."""
    path = folder / "null"
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("making a device needs root")
    return path


def test_a_device_is_never_replaced_by_the_report(post, tmp_path):
    from derive.runtime.output import OutputError, target_of
    with pytest.raises(OutputError) as refused:             # the machine's own, asked without any run
        target_of("/dev/null")
    assert refused.value.message == "'/dev/null' is a character device, not a regular file; -o writes regular files only"
    device = private_null(tmp_path)
    before = os.stat(device)
    result = run("check", str(post), "-o", str(device))
    assert result.exit_code == 2
    assert f"'{device}' is a character device, not a regular file; -o writes regular files only" in result.output
    assert "leave out -o to write to standard output" in result.output
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_a_link_to_a_device_is_refused_and_a_link_to_a_file_is_written_through(post, tmp_path):
    device = private_null(tmp_path)
    os.symlink(device, tmp_path / "sink.json")
    result = run("check", str(post), "-o", str(tmp_path / "sink.json"))
    assert result.exit_code == 2 and f"is a character device (it leads to {device})" in result.output
    assert os.readlink(tmp_path / "sink.json") == str(device) and stat.S_ISCHR(os.stat(device).st_mode)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "latest.json").write_text("old", encoding="utf-8")
    os.symlink("reports/latest.json", tmp_path / "report.json")
    result = run("check", str(post), "-o", str(tmp_path / "report.json"))
    assert result.exit_code == 0
    assert os.path.islink(tmp_path / "report.json")                       # the link stays a link
    assert json.loads((tmp_path / "reports" / "latest.json").read_text())["summary"]["proved"] == 2


def test_a_fifo_named_by_o_is_refused_without_blocking(post, tmp_path):
    os.mkfifo(tmp_path / "pipe.json")
    result = run("check", str(post), "-o", str(tmp_path / "pipe.json"))
    assert result.exit_code == 2 and "is a FIFO (named pipe), not a regular file" in result.output
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe.json").st_mode)


# -- -o never overwrites what the run read or was configured from -----------------------------------
def test_the_model_file_is_never_overwritten(post, tmp_path):
    model = tmp_path / "net.toml"
    model.write_text("[model]\nlayers = [2, 2, 2]\n", encoding="utf-8")
    for command in ("check", "export"):
        result = run(command, str(post), "--model", str(model), "-o", str(model))
        assert result.exit_code == 2, command
        assert "is the --model file; the report would overwrite it" in result.output
    assert model.read_text(encoding="utf-8") == "[model]\nlayers = [2, 2, 2]\n"


def test_the_pyproject_and_the_model_it_names_are_never_overwritten(post, tmp_path, monkeypatch):
    pyproject = tmp_path / "pyproject.toml"
    settings = '[project]\nname = "course"\n\n[tool.derive]\npaths = ["post.md"]\nmodel = "net.toml"\n'
    pyproject.write_text(settings, encoding="utf-8")
    (tmp_path / "net.toml").write_text("[model]\nlayers = [2, 2, 2]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("check", "-o", "pyproject.toml", "--format", "json")
    assert result.exit_code == 2
    assert "is the pyproject.toml derive takes its settings from; the report would overwrite it" in result.output
    result = run("check", "-o", "net.toml", "--format", "json")
    assert result.exit_code == 2 and "is the --model file" in result.output
    assert pyproject.read_text(encoding="utf-8") == settings
    assert run("check", "-o", "report.json").exit_code == 0


def test_the_values_file_of_an_example_is_never_overwritten(tmp_path):
    values = tmp_path / "values.toml"
    text = "[values]\nx = [0.05, 0.10]\n"
    values.write_text(text, encoding="utf-8")
    result = run("example", "--values", str(values), "-o", str(values))
    assert result.exit_code == 2 and "is the --values file" in result.output
    assert values.read_text(encoding="utf-8") == text


# -- -o: the umask, the folder, the disk --------------------------------------------------------------
@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_report_follows_the_umask(post, tmp_path, mask, mode):
    previous = os.umask(mask)
    try:
        result = run("check", str(post), "-o", str(tmp_path / "report.html"))
    finally:
        os.umask(previous)
    assert result.exit_code == 0
    assert stat.S_IMODE(os.stat(tmp_path / "report.html").st_mode) == mode


def test_an_existing_report_keeps_its_mode(post, tmp_path):
    target = tmp_path / "report.json"
    target.write_text("{}", encoding="utf-8")
    os.chmod(target, 0o640)
    assert run("check", str(post), "-o", str(target)).exit_code == 0
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640 and json.loads(target.read_text())["results"]


def test_a_folder_where_nothing_can_be_written_is_found_before_the_run(post, tmp_path, monkeypatch):
    import tempfile

    import derive.pipeline.run as run_module
    ran = []
    monkeypatch.setattr(run_module, "check_paths", lambda *a, **k: ran.append(1))

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))
    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    result = run("check", str(post), "-o", str(tmp_path / "report.json"))
    assert result.exit_code == 2 and ran == []
    assert f"cannot write in the folder '{tmp_path}': Read-only file system" in result.output
    assert "bug in derive" not in result.output


def test_a_full_disk_is_named_and_the_old_report_is_kept(post, tmp_path, monkeypatch):
    import derive.runtime.output as output
    target = tmp_path / "report.json"
    target.write_text("the old report", encoding="utf-8")

    def full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(output.os, "replace", full)
    result = run("check", str(post), "-o", str(target))
    assert result.exit_code == 2
    assert "Error: -o: cannot write" in result.stderr and "No space left on device" in result.stderr
    assert "bug in derive" not in result.output
    assert target.read_text(encoding="utf-8") == "the old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["post.md", "report.json"]       # no temporary left


# -- no pickle from a shared folder ------------------------------------------------------------------
def test_the_grammar_tables_are_cached_in_a_folder_of_this_users_own(tmp_path, monkeypatch):
    import tempfile

    from derive.notation import parse as parse_module
    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("DERIVE_NO_CACHE", raising=False)
    parse_module.parser.cache_clear()
    try:
        assert parse_module.parse("E = E_1 + E_2")
    finally:
        parse_module.parser.cache_clear()
    folder = tmp_path / "cache" / "derive"
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert [p.name.startswith("notation-") for p in folder.iterdir()] == [True]
    assert list(shared.iterdir()) == []                     # nothing read from or written to the shared folder


def test_a_cache_folder_or_file_others_could_write_is_never_used(tmp_path, monkeypatch):
    from derive.runtime.user_cache import cache_file, cache_folder
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("DERIVE_NO_CACHE", raising=False)
    folder = cache_folder()
    assert folder == tmp_path / "derive"
    planted = folder / "notation-x.lark"
    planted.write_bytes(b"planted")
    os.chmod(planted, 0o666)
    assert cache_file("notation-x.lark") is None            # writable by others: not read
    os.chmod(planted, 0o644)
    assert cache_file("notation-x.lark") == str(planted)
    os.chmod(folder, 0o777)
    assert cache_folder() is None and cache_file("notation-x.lark") is None
    os.chmod(folder, 0o700)
    os.unlink(planted)
    os.symlink(tmp_path / "elsewhere", planted)
    assert cache_file("notation-x.lark") is None            # a link: not followed
    shutil.rmtree(folder)
    os.symlink(tmp_path, folder)
    assert cache_folder() is None
    monkeypatch.setenv("DERIVE_NO_CACHE", "1")
    os.unlink(folder)
    assert cache_folder() is None and not os.path.lexists(folder)


# -- no program runs in a scanned folder ---------------------------------------------------------------
def test_a_scanned_folders_own_git_configuration_never_runs(tmp_path):
    """A submission unpacked with its .git: a core.fsmonitor command and a hook must not run, and
    its .gitignore and .git/info/exclude still leave out what they name."""
    folder = tmp_path / "submission"
    marker = tmp_path / "ran"
    if shutil.which("git"):                     # a real repository, as an unpacked archive carries it
        subprocess.run(["git", "init", "-q", str(folder)], check=True)
    (folder / ".git" / "info").mkdir(parents=True, exist_ok=True)
    (folder / ".git" / "hooks").mkdir(exist_ok=True)
    config = (folder / ".git" / "config").read_text(encoding="utf-8") if shutil.which("git") else ""
    (folder / ".git" / "config").write_text(config + f"[core]\n\tfsmonitor = touch {marker}\n\thooksPath = hooks\n",
                                            encoding="utf-8")
    (folder / ".git" / "info" / "exclude").write_text("scratch.md\n", encoding="utf-8")
    (folder / ".gitignore").write_text("_build/\n", encoding="utf-8")
    (folder / "_build").mkdir()
    for name in ("post.md", "scratch.md", "_build/post.md"):
        (folder / name).write_text(POST, encoding="utf-8")
    result = subprocess.run([sys.executable, str(ROOT / "cli.py"), "check", str(folder), "--format", "json"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert {Path(r["file"]).name for r in json.loads(result.stdout)["results"]} == {"post.md"}
    assert {r["file"] for r in json.loads(result.stdout)["results"]} == {f"{folder}/post.md"}
    assert not marker.exists()


# -- links stay inside the folders scanned -------------------------------------------------------------
def test_links_out_of_the_folder_are_skipped_and_nothing_of_their_target_is_quoted(tmp_path):
    secrets = tmp_path / "home"
    secrets.mkdir()
    (secrets / "credentials").write_text("aws_secret_access_key = hunter2-$SECRET$\n", encoding="utf-8")
    course = tmp_path / "course"
    course.mkdir()
    (course / "post.md").write_text(POST, encoding="utf-8")
    os.symlink(secrets / "credentials", course / "creds.ipynb")
    os.symlink(secrets / "credentials", course / "notes.md")
    os.symlink("post.md", course / "again.md")                 # inside: read
    for fmt in ("json", "github", "table"):
        result = subprocess.run([sys.executable, str(ROOT / "cli.py"), "check", str(course), "--format", fmt],
                                capture_output=True, text=True, cwd=tmp_path, timeout=300)
        assert "hunter2" not in result.stdout + result.stderr, fmt
        assert result.returncode == 0, (fmt, result.stderr)
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert notes == [f"note: {course}/creds.ipynb: skipped: a symbolic link to a file outside the folders "
                     "checked: not followed",
                     f"note: {course}/notes.md: skipped: a symbolic link to a file outside the folders "
                     "checked: not followed"]
    report = json.loads(subprocess.run([sys.executable, str(ROOT / "cli.py"), "check", str(course), "--format",
                                        "json"], capture_output=True, text=True, timeout=300).stdout)
    assert sorted({Path(r["file"]).name for r in report["results"]}) == ["again.md", "post.md"]


# -- the notebook read a second time ---------------------------------------------------------------------
def test_a_notebook_swapped_for_a_fifo_keeps_its_positions_and_nothing_hangs(tmp_path):
    import signal

    from derive.pipeline.run import _raw_positions
    from derive.results import Result
    from derive.runtime.bounds import Bounds
    os.mkfifo(tmp_path / "lecture.ipynb")
    r = Result(file="lecture.ipynb", line=3, col=4, id=None, claim="E = E_1 + E_2", verdict="proved", cell=2)
    previous = signal.signal(signal.SIGALRM, lambda *a: pytest.fail("reading the FIFO blocked"))
    signal.alarm(20)
    try:
        _raw_positions(tmp_path / "lecture.ipynb", [r], Bounds())
        _raw_positions(Path("/dev/zero"), [r], Bounds())
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert (r.raw_line, r.raw_col, r.line, r.col) == (None, None, 3, 4)


# -- derive init ------------------------------------------------------------------------------------------
def test_init_never_writes_through_a_dangling_link(tmp_path, monkeypatch):
    repo = tmp_path / "course"
    repo.mkdir()
    (repo / ".git").mkdir()
    (repo / "post.md").write_text(POST, encoding="utf-8")
    os.symlink(tmp_path / "outside" / "planted.yaml", repo / ".pre-commit-config.yaml")
    (tmp_path / "outside").mkdir()
    monkeypatch.chdir(repo)
    result = run("init", "--install", "git+https://example.org/derive")
    assert result.exit_code == 2 and ".pre-commit-config.yaml exists already" in result.output
    assert list((tmp_path / "outside").iterdir()) == [] and not (repo / ".github").exists()


# -- many files: a chunk at a time, each reported once ---------------------------------------------------
def test_files_in_chunks_are_each_reported_once_in_order(tmp_path, monkeypatch):
    import derive.pipeline.run as run_module
    from derive.pipeline.run import check_paths
    for k in range(5):
        (tmp_path / f"week_{k}.md").write_text(POST, encoding="utf-8")
    alone = [(r.line, r.verdict) for r in check_paths([str(tmp_path / "week_0.md")]).results]
    monkeypatch.setattr(run_module, "CHUNK", 2)
    report = check_paths([str(tmp_path)])
    assert [(Path(r.file).name, r.line, r.verdict) for r in report.results] == [
        (f"week_{k}.md", line, verdict) for k in range(5) for line, verdict in alone]
    assert report.exit_code == 0 and report.spans == {"proved": 10}


def test_a_budget_spent_between_chunks_leaves_every_file_reported_once(tmp_path, monkeypatch):
    import time

    import derive.decide.decider as decide_module
    import derive.pipeline.run as run_module
    from derive.pipeline.options import Options
    from derive.pipeline.run import check_paths
    from derive.runtime.bounds import Bounds
    for k in range(5):
        (tmp_path / f"week_{k}.md").write_text(POST, encoding="utf-8")
    monkeypatch.setattr(run_module, "CHUNK", 2)
    monkeypatch.setattr(decide_module.Decider, "decide", lambda self, lhs, rhs: time.sleep(30))
    report = check_paths([str(tmp_path)], Options(timeout=60, bounds=Bounds(budget=1)))
    names = [Path(r.file).name for r in report.results]
    assert sorted(set(names)) == [f"week_{k}.md" for k in range(5)] and names == sorted(names)
    assert all(r.verdict == "undecided" and "the run's budget of 1 s was used up (--budget)" in r.detail
               for r in report.results)
    assert [r.detail for r in report.results[-3:]] == [
        f"{tmp_path}/week_{k}.md: not read: the run's budget of 1 s was used up (--budget)" for k in (2, 3, 4)]

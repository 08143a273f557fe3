"""No bench can be forgotten by CI: every bench in bench/ is in the runner's list (`python -m
bench`, run by .ci/run) and takes --quick through its main(argv). The runner's own rules: a
bench that cannot run (missing, failing, hung) fails the run, a WARNING fails nothing. No bench
is run here: they take minutes."""

import importlib
from pathlib import Path

import pytest

from bench.__main__ import BENCHES, NOT_BENCHES, main, run_all
from tests.conftest import ROOT

BENCH_FILES = sorted(p.stem for p in (ROOT / "bench").glob("*.py") if p.stem not in NOT_BENCHES)


def test_every_bench_in_the_folder_is_in_the_runners_list():
    assert BENCH_FILES, "no bench found"
    assert [name for name in BENCH_FILES if name not in BENCHES] == []


@pytest.mark.parametrize("name", BENCH_FILES)
def test_each_bench_takes_quick_through_main(name, capsys):
    module = importlib.import_module(f"bench.{name}")
    with pytest.raises(SystemExit) as exit_:
        module.main(["--help"])  # argparse answers --help and exits 0: nothing is measured
    assert exit_.value.code == 0
    assert "--quick" in capsys.readouterr().out


def fake_benches(folder: Path) -> Path:
    """A bench folder of four: one that warns, one that fails, one that crashes, one that
    hangs; each prints what it was given."""
    (folder / "bench").mkdir()
    show = "import sys; print('given', sys.argv[1:])\n"
    (folder / "bench" / "warns.py").write_text(
        show + "print('figure:  3.0 ms  ratio 3.00  (target <= 2)   WARNING: above target')\n"
        "print('    log: 12:00:00 WARNING backprop_viz.server a server line, not a figure')\n")
    (folder / "bench" / "fails.py").write_text(show + "raise SystemExit(2)\n")
    (folder / "bench" / "crashes.py").write_text(show + "1 / 0\n")
    (folder / "bench" / "hangs.py").write_text(show + "import time; time.sleep(120)\n")
    return folder / "bench"


def test_the_runner_fails_what_cannot_run_and_only_warns_on_a_figure(tmp_path, capsys):
    folder = fake_benches(tmp_path)
    outcomes = run_all(["warns", "fails", "crashes", "missing", "hangs"], ["--quick"],
                       timeout=3, folder=folder)
    out = capsys.readouterr().out
    failures = {o.name: o.failure for o in outcomes}
    assert failures["warns"] is None
    assert failures["fails"] == "exit status 2"
    assert failures["crashes"] == "exit status 1" and "ZeroDivisionError" in out
    assert failures["missing"] == "missing"
    assert failures["hangs"] == "no end within 3 s"
    assert [o.warnings for o in outcomes if o.name == "warns"] == [
        ["figure:  3.0 ms  ratio 3.00  (target <= 2)   WARNING: above target"]]
    assert out.count("given ['--quick']") == 4  # streamed, and each was given --quick
    assert "warns: figure:" in out.split("== summary")[1]  # the warning again, in the summary


def test_the_runner_exits_non_zero_when_a_bench_cannot_run_and_zero_on_warnings(monkeypatch,
                                                                                tmp_path):
    import bench.__main__ as runner

    monkeypatch.setattr(runner, "FOLDER", fake_benches(tmp_path))
    main(["--quick", "--only", "warns"])  # returns: a warning fails nothing
    with pytest.raises(SystemExit) as exit_:
        main(["--quick", "--only", "warns,fails"])
    assert exit_.value.code == 1


def test_ci_runs_the_benches_short_runs_after_the_tests():
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    tests = next(i for i, line in enumerate(lines) if line.endswith("python -m pytest"))
    assert lines.index("python -m bench --quick") > tests


def test_the_classlab_students_size_their_calls_as_the_playing_page_does():
    """bench/classlab.py measures thirty playing lab pages only if its students follow the
    page's own rule (static/js/lab/play.js): each constant of that rule, equal in both."""
    import re

    from bench import classlab

    play = (ROOT / "static/js/lab/play.js").read_text()
    for name in ("CALL_MS", "OUTSIDE_SHARE", "FIRST_EPOCHS", "GROWTH", "RECORDS_PER_CALL"):
        found = re.search(rf"export const {name} = (\d+);", play)
        assert found, f"play.js no longer exports {name}"
        assert int(found.group(1)) == getattr(classlab, name), name

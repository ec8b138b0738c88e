"""Every example in README.md and docs/*.md runs as written.

The examples are taken from the documents themselves: every ```python block,
every ``rfsim ...`` command of a ```bash block (a line may chain commands with
``&&``; only its ``rfsim`` commands run: installing and testing are not
examples), and every ``$ rfsim ...`` line of a ```text block, whose output
lines shown below it must appear in what the command prints (a line that ends
in "..." as a prefix).  The examples of one document run in order, in one
fresh folder, each with a time limit: a later one may read what an earlier
one wrote.  A block that needs what a test machine lacks is marked in the
document, on the line above it, with a visible reason::

    <!-- example: skip (needs a Dask cluster) -->
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: The marker of a block that is not run, with its reason.
SKIP = re.compile(r"<!--\s*example:\s*skip\s*\((?P<why>[^)]+)\)\s*-->")
#: Seconds one example may take (the machine may be busy).
TIME_LIMIT_S = 900


@dataclass
class Example:
    document: str
    line: int
    kind: str  # "python" or "shell"
    code: str
    expected: list = field(default_factory=list)  # output lines shown in a text block
    skip: str = ""


def _commands(line: str) -> list:
    """The ``rfsim`` commands of a shell line (comments dropped, ``&&`` split)."""
    words = shlex.split(line, comments=True)
    out, cmd = [], []
    for w in words + ["&&"]:
        if w == "&&":
            if cmd and cmd[0] == "rfsim":
                out.append(cmd)
            cmd = []
        else:
            cmd.append(w)
    # keep redirections as the shell reads them ("> file")
    return [" ".join(w if w in (">", ">>", "|") else shlex.quote(w) for w in c) for c in out]


def _joined(lines):
    """(index, line) of shell lines, a line ending in a backslash joined to the next."""
    out, held, first = [], "", None
    for k, line in enumerate(lines):
        if first is None:
            first = k
        if line.rstrip().endswith("\\"):
            held += line.rstrip()[:-1] + " "
            continue
        out.append((first, held + line))
        held, first = "", None
    if held:
        out.append((first, held))
    return out


def examples(path: Path) -> list:
    """The examples of one document, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    doc = str(path.relative_to(ROOT))
    out, i = [], 0
    while i < len(lines):
        m = re.match(r"^```(\w*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        lang, start = m.group(1), i + 1
        j = start
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        body = lines[start:j]
        before = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        skip = SKIP.search(before)
        why = skip.group("why") if skip else ""
        if lang == "python":
            out.append(Example(doc, start, "python", "\n".join(body) + "\n", skip=why))
        elif lang in ("bash", "sh", "shell"):
            for k, line in _joined(body):
                out += [Example(doc, start + k + 1, "shell", c, skip=why) for c in _commands(line)]
        elif lang == "text":
            for k, line in enumerate(body):
                if line.startswith("$ rfsim"):
                    shown = []
                    for after in body[k + 1:]:
                        if after.startswith("$ "):
                            break
                        shown.append(after.strip())
                    out += [Example(doc, start + k + 1, "shell", c, [s for s in shown if s], why)
                            for c in _commands(line[2:])]
        i = j + 1
    return out


def _env(bin_dir: Path) -> dict:
    """This checkout's rfsim, as a module and as the ``rfsim`` command."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PATH=str(bin_dir) + os.pathsep + os.environ.get("PATH", ""), MPLBACKEND="Agg")
    return env


def _shown_in(shown: list, printed: str) -> list:
    """Lines of ``shown`` missing from ``printed`` (a line ending in ... as a prefix)."""
    got = [line.strip() for line in printed.splitlines()]
    missing = []
    for s in shown:
        if s.endswith("..."):
            if not any(g.startswith(s[:-3].rstrip()) for g in got):
                missing.append(s)
        elif s not in got:
            missing.append(s)
    return missing


def test_the_examples_are_found_and_every_skip_says_why():
    found = {d.name: examples(d) for d in DOCUMENTS}
    readme = found["README.md"]
    assert any(e.kind == "python" for e in readme) and any(e.kind == "shell" for e in readme)
    assert any(e.code.startswith("rfsim predict --plot") for e in readme)
    assert any(e.expected for e in readme)  # the sample output of rfsim predict
    assert "pip" not in " ".join(e.code for e in readme if e.kind == "shell")
    sweeps = found["sweeps.md"]
    assert any(e.kind == "python" and not e.skip for e in sweeps)
    for e in (e for es in found.values() for e in es):
        assert e.skip == "" or len(e.skip) > 5, e
    # every python example that starts local workers guards the call
    for e in (e for es in found.values() for e in es
              if e.kind == "python" and ("run_sweep(" in e.code or "workers=" in e.code)):
        assert 'if __name__ == "__main__":' in e.code, (e.document, e.line)


@pytest.mark.slow
@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_the_examples_of_a_document_run_as_written(document, tmp_path):
    todo = [e for e in examples(document) if not e.skip]
    if not todo:
        pytest.skip(f"{document.name} has no example to run")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "rfsim"
    wrapper.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m rfsim \"$@\"\n")
    wrapper.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    env = _env(bin_dir)
    for n, e in enumerate(todo):
        where = f"{e.document}:{e.line}"
        if e.kind == "python":
            script = work / f"example_{n}.py"
            script.write_text(e.code)
            argv = [sys.executable, script.name]
        else:
            argv = ["/bin/sh", "-c", e.code]
        try:
            p = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=TIME_LIMIT_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{where}: took more than {TIME_LIMIT_S} s: {e.code[:200]}")
        assert p.returncode == 0, f"{where} failed ({p.returncode}):\n{e.code}\n--- stderr:\n{p.stderr[-3000:]}"
        missing = _shown_in(e.expected, p.stdout)
        assert not missing, f"{where}: the document shows lines the command does not print: {missing}\n{p.stdout}"

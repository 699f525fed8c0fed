"""Accessibility audit support: axe-core (npm, pinned in package-lock.json) for the browser tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"

#: Impacts that fail the audit (axe's scale: minor, moderate, serious, critical).
FAILING_IMPACTS = ("serious", "critical")


def axe_source() -> str:
    """The text of ``axe.min.js``, installed with ``npm ci`` from the lock file when missing.

    Raises RuntimeError (with the command to run) when npm is not available or the install
    fails: the audit must not pass silently without its engine.
    """
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(
                "axe-core is missing and npm is not on PATH: install Node.js and npm, then run "
                f"`npm ci --prefix {HERE}`"
            )
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=HERE, capture_output=True, text=True, timeout=300, check=False,
        )
        if done.returncode != 0 or not AXE_JS.exists():
            raise RuntimeError(f"`npm ci` in {HERE} failed:\n{done.stdout}\n{done.stderr}")
    return AXE_JS.read_text(encoding="utf-8")


#: Runs axe on the whole document in the page (async script: the last argument is the callback).
RUN_AXE = """
const done = arguments[arguments.length - 1];
if (!window.axe) { (0, eval)(arguments[0]); }
window.axe.run(document, {resultTypes: ['violations']})
  .then(r => done(r.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n').slice(0, 3).join(' | '))
  }))))
  .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));
"""


def run_axe(driver, source: str) -> list[dict]:
    """All violations axe reports on the current page: dicts with id, impact, help, nodes."""
    driver.set_script_timeout(120)
    return driver.execute_async_script(RUN_AXE, source)


def failing(violations: list[dict]) -> list[dict]:
    """The violations whose impact fails the audit."""
    return [v for v in violations if v.get("impact") in FAILING_IMPACTS]


def describe(violations: list[dict]) -> str:
    """A readable list of violations for an assertion message."""
    lines = []
    for v in violations:
        lines.append(f"{v['impact']}: {v['id']} ({v['help']}), {len(v['nodes'])} node(s)")
        lines.extend(f"    {n}" for n in v["nodes"][:6])
    return "\n".join(lines)

"""axe-core in the real browser: the vendored engine (tests/browser/assets/axe-core, MPL-2.0,
checked against its SHA256SUMS) is injected into a page and run with the WCAG 2.1 A/AA rules."""

from __future__ import annotations

import hashlib
from pathlib import Path

AXE_DIR = Path(__file__).resolve().parent / "assets" / "axe-core"
AXE_JS = AXE_DIR / "axe.min.js"
BLOCKING = ("serious", "critical")


def axe_source() -> str:
    expected = (AXE_DIR / "SHA256SUMS").read_text().split()[0]
    data = AXE_JS.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    assert actual == expected, f"axe.min.js does not match its checksum ({actual} != {expected})"
    return data.decode("utf-8")


def run_axe(page) -> list[dict]:
    """All violations axe finds on ``page`` (WCAG 2.0/2.1 A and AA plus best practices)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    return page.evaluate(
        """async () => {
            // Judge the page at rest: a colour caught in the middle of a hover or focus
            // transition is neither the before nor the after a reader sees.
            const running = document.getAnimations().filter(a => a.effect && a.effect.getTiming().iterations !== Infinity);
            await Promise.race([Promise.all(running.map(a => a.finished.catch(() => null))),
                                new Promise(done => setTimeout(done, 2000))]);
            const r = await axe.run(document, {
              runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
              resultTypes: ['violations'],
            });
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').slice(0, 200))}));
        }"""
    )


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(url: str, violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{url}: [{v['impact']}] {v['id']}: {v['help']}")
        lines.extend(f"    {n}" for n in v["nodes"])
    return "\n".join(lines)


def q_fields():
    """The Q&A fields of law (seeded by a data migration, which a transactional test's flush
    may have removed): seed again if needed and return the active ones."""
    from legalqa.fields_of_law import active_fields, seed_fields_of_law

    seed_fields_of_law()
    return active_fields()

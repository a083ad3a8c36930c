"""axe-core (vendored in tests/browser/vendor/, MPL-2.0) run inside a Playwright page."""

from pathlib import Path

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


def axe_violations(page, tags=WCAG_21_AA) -> list[dict]:
    """Run the vendored axe-core on the page; every WCAG 2.1 A/AA violation, whatever its impact."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", list(tags)
    )
    return [
        {"id": v["id"], "impact": v.get("impact"), "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
    ]

"""Where every benchmark writes its figures: a generated block of docs/benchmarks.md, between markers
named after the script, with the hand-written text around it kept."""

from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_generated_block(*, script: str, section: str, block: str) -> None:
    """Replace the block of `script` (e.g. "bench/faults.py"), or add it under a new `## {section}`."""
    begin = f"<!-- {script}: generated block begins -->"
    end = f"<!-- {script}: generated block ends -->"
    text = DOCS.read_text(encoding="utf-8")
    generated = f"{begin}\n{block.strip()}\n{end}"
    if begin in text and end in text:
        text = text[: text.index(begin)] + generated + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + f"\n\n## {section}\n\n" + generated + "\n"
    DOCS.write_text(text, encoding="utf-8")

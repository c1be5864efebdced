"""Print the check catalog as the Markdown table the README carries (kept in sync by a test)."""

from __future__ import annotations

from scanner.registry import discover

BEGIN, END = "<!-- catalog:begin -->", "<!-- catalog:end -->"


def table() -> str:
    rows = ["| id | severity | needs | what it finds |", "|---|---|---|---|"]
    for spec in discover(plugins=False).select():
        i = spec.info
        rows.append(f"| `{i.id}` | {i.severity.value} | {', '.join(i.needs)} | {i.title} |")
    return "\n".join([BEGIN, *rows, END])


if __name__ == "__main__":
    print(table())

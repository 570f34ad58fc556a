"""Draw docs/figures/layers.png: the layers of the import-linter contract and the imports
between them, counted from the code.

    .venv/bin/python docs/figures/draw_layers.py

The layers come from ``[tool.importlinter]`` in pyproject.toml (the contract the architecture
test checks), the arrows from the imports the code really has (grimp, import-linter's graph),
so the picture cannot drift from the test. An arrow is drawn from each package to each package
it imports; red if it points upward (the contract would then fail, save for a listed exception).
"""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

import grimp
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).with_name("layers.png")


def layers() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c["id"] == "layers")
    return [[name.strip() for name in row.split("|")] for row in contract["layers"]]


def imports_between(names: set[str]) -> Counter[tuple[str, str]]:
    graph = grimp.build_graph("corridor")
    counts: Counter[tuple[str, str]] = Counter()
    for module in graph.modules:
        src = module.split(".")[1] if module.count(".") else ""
        if src not in names:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            dst = imported.split(".")[1] if imported.count(".") else ""
            if dst in names and dst != src:
                counts[(src, dst)] += 1
    return counts


def main() -> None:
    rows = layers()
    order = [n for row in rows for n in row]
    level = {n: i for i, row in enumerate(rows) for n in row}
    counts = imports_between(set(order))
    fig, (stack, grid) = plt.subplots(
        1, 2, figsize=(15, 9.2), gridspec_kw={"width_ratios": [1, 1.35]}
    )
    _draw_stack(stack, rows)
    _draw_grid(grid, order, level, counts)
    upward = sum(n for (s, d), n in counts.items() if level[d] < level[s])
    sideways = sum(n for (s, d), n in counts.items() if level[d] == level[s])
    fig.suptitle(
        "corridor: each layer imports only the layers below it "
        f"({sum(counts.values())} imports between packages; "
        f"{upward} upward, {sideways} between independent siblings: the listed exceptions)",
        fontsize=12,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(OUT, dpi=100, bbox_inches="tight")
    print(f"wrote {OUT}")


def _draw_stack(ax: plt.Axes, rows: list[list[str]]) -> None:
    width, height, gap = 2.0, 0.6, 0.22
    for i, row in enumerate(rows):
        y = -i * (height + gap)
        total = len(row) * width + (len(row) - 1) * 0.2
        for j, name in enumerate(row):
            x = -total / 2 + j * (width + 0.2)
            ax.add_patch(
                FancyBboxPatch(
                    (x, y),
                    width,
                    height,
                    boxstyle="round,pad=0.02,rounding_size=0.08",
                    facecolor="#e8f3e0" if len(row) > 1 else "#dbe9f6",
                    edgecolor="#34495e",
                    linewidth=1.2,
                )
            )
            ax.text(x + width / 2, y + height / 2, name, ha="center", va="center", fontsize=11)
        if i + 1 < len(rows):
            ax.add_patch(
                FancyArrowPatch(
                    (4.6, y + height / 2),
                    (4.6, y - gap),
                    arrowstyle="-|>",
                    mutation_scale=10,
                    color="#7f8c8d",
                )
            )
    ax.set_xlim(-4.6, 5.2)
    ax.set_ylim(-len(rows) * (height + gap) + gap - 0.1, height + 0.1)
    ax.set_title(
        "the layers: imports point down (green: independent siblings)",
        fontsize=11,
    )
    ax.axis("off")


def _draw_grid(
    ax: plt.Axes, order: list[str], level: dict[str, int], counts: Counter[tuple[str, str]]
) -> None:
    n = len(order)
    for i, src in enumerate(order):
        for j, dst in enumerate(order):
            count = counts.get((src, dst), 0)
            allowed = level[dst] > level[src]
            colour = "#ffffff" if src == dst else ("#f4f8fb" if allowed else "#fbeeee")
            if count:
                colour = "#8fb8de" if allowed else "#e74c3c"
            ax.add_patch(plt.Rectangle((j, n - 1 - i), 1, 1, facecolor=colour, edgecolor="#ccc"))
            if count:
                ax.text(j + 0.5, n - 0.5 - i, str(count), ha="center", va="center", fontsize=8)
    ax.set_xlim(0, n)
    ax.set_ylim(0, n)
    ax.set_xticks([k + 0.5 for k in range(n)], order, rotation=60, ha="right", fontsize=9)
    ax.set_yticks([n - 0.5 - k for k in range(n)], order, fontsize=9)
    ax.set_aspect("equal")
    ax.set_xlabel("imported package")
    ax.set_ylabel("importing package")
    ax.set_title(
        "modules of the row importing modules of the column\n"
        "(blue: allowed, right of the diagonal; red: an import pointing up or sideways)",
        fontsize=10,
    )


if __name__ == "__main__":
    main()

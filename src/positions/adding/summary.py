"""What ``positions add`` tells the user: the plan of an addition in a few lines.

from positions.adding.summary import plan_text
print(plan_text(plan_add(kb, [Path("new.ttl")]), dry_run=True))
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from positions.wording import plural

if TYPE_CHECKING:
    from positions.adding.plan import Plan


def plan_text(plan: Plan, *, dry_run: bool = False) -> str:
    """What a plan added (or would add), in a few lines a person reads."""
    lines: list[str] = []
    verb = "Would add" if dry_run else "Added"
    if not plan.added_count and not plan.duplicates:
        lines.append("Nothing to add: the files hold no facts.")
    elif not plan.added_count:
        lines.append("Nothing to add: every fact is already in the base.")
    else:
        nodes = len(plan.new_nodes)
        where = (
            f"to {plan.destination}"
            if plan.destination
            else f"in {plural(len(plan.texts), 'file')}"
        )
        lines.append(
            f"{verb} {plural(plan.facts, 'fact')} ({plural(plan.added_count, 'triple')}): "
            f"{plural(nodes, 'new node')}, {plural(len(plan.extended), 'existing node')} "
            f"extended, {where}."
        )
    if plan.new_nodes:
        counts = ", ".join(f"{c} {n}" for c, n in sorted(plan.counts_by_class().items()))
        lines.append(f"New nodes by class: {counts}")
        width = max(len(n.node) for n in plan.new_nodes)
        for node in plan.new_nodes:
            label = f'  "{node.label}"' if node.label else ""
            classes = ", ".join(node.classes) or "(no class)"
            lines.append(f"  {node.node:<{width}}  {classes}{label}  -> {node.file}")
    if plan.extended:
        lines.append("Facts added to existing nodes:")
        for node, predicates in sorted(plan.extended.items()):
            shown = ", ".join(f"{p} +{n}" for p, n in sorted(Counter(predicates).items()))
            lines.append(f"  {node}: {shown}")
    if plan.texts:
        changed = "Files that would change" if dry_run else "Files changed"
        names = ", ".join(plan.data_prefix + f for f in plan.files_changed)
        lines.append(f"{changed}: {names}")
    for name in plan.reformatted:
        lines.append(
            f"Note: {plan.data_prefix}{name} was not in canonical form; it is rewritten whole "
            "(run `positions fmt` on its own first for a clean diff)."
        )
    if plan.duplicates:
        total = sum(plan.duplicates.values())
        lines.append(f"Already in the base, not added: {plural(total, 'fact')}")
        for node, count in sorted(plan.duplicates.items()):
            lines.append(f"  {node}: {plural(count, 'fact')}")
    if dry_run:
        lines.append("Dry run: nothing was written.")
    return "\n".join(lines) + "\n"

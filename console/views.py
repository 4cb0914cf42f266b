"""What the pages draw, computed from what the use cases return: an order's story as one time
line, its task plan as a layered graph, the changes between two catalog versions, ages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jsonpatch

from core.timeutil import parse_datetime

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Moment:
    """One entry of an order's time line: a state, a call to a system, a repair, an event."""

    at: str
    kind: str  # state, call, repair, event
    title: str
    detail: str | None = None
    actor: str | None = None
    key: str | None = None  # the idempotency key of a call or repair's task
    outcome: str | None = None


def time_line(story: Mapping[str, Any]) -> list[Moment]:
    """The admin timeline's parts merged in the order they happened (states first at a tie)."""
    found: list[Moment] = []
    for s in story["states"]:
        what = f"item {s['item']}" if s.get("item") else "order"
        found.append(
            Moment(
                s["at"],
                "state",
                f"{what}: {s.get('from') or 'new'} → {s['to']}",
                s.get("reason"),
                s.get("actor"),
            )
        )
    for c in story["calls"]:
        found.append(
            Moment(
                c["at"],
                "call",
                f"{c['task']} · {c['call']}",
                c.get("detail") or c.get("reference"),
                f"worker {c['worker']}" if c.get("worker") else None,
                c["idempotencyKey"],
                c.get("outcome"),
            )
        )
    for a in story["manualActions"]:
        found.append(
            Moment(a["at"], "repair", f"{a['action']} by hand", a.get("reason"), a.get("actor"))
        )
    for e in story["events"]:
        found.append(Moment(e["at"], "event", e["eventType"], e["eventId"]))
    rank = {"state": 0, "call": 1, "repair": 2, "event": 3}
    return sorted(found, key=lambda m: (m.at, rank[m.kind]))


@dataclass
class Node:
    """A task placed in the graph: column by how many tasks it waits on in a chain."""

    key: str
    label: str
    status: str
    column: int
    item: str | None = None
    row: int = 0
    x: int = 0
    y: int = 0
    waits_on: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Edge:
    x1: int
    y1: int
    x2: int
    y2: int


@dataclass(frozen=True)
class Graph:
    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int


NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 200, 46, 50, 18, 10


def task_graph(tasks: Iterable[Mapping[str, Any]]) -> Graph:
    """Tasks in columns by dependency depth (a task right of everything it waits on), rows in
    plan order; an edge from each task to each one waiting on it."""
    by_key = {t["idempotencyKey"]: t for t in tasks}
    depth: dict[str, int] = {}

    def column(key: str, seen: frozenset[str] = frozenset()) -> int:
        if key not in depth:
            waits = [d for d in by_key[key]["dependsOn"] if d in by_key and d not in seen]
            depth[key] = 1 + max((column(d, seen | {key}) for d in waits), default=-1)
        return depth[key]

    nodes: dict[str, Node] = {}
    rows: dict[int, int] = {}
    for key, task in by_key.items():
        col = column(key)
        row = rows.get(col, 0)
        rows[col] = row + 1
        label = str(task["task"])
        nodes[key] = Node(
            key,
            label,
            task["status"],
            col,
            task.get("item"),
            row,
            PAD + col * (NODE_W + GAP_X),
            PAD + row * (NODE_H + GAP_Y),
            [d for d in task["dependsOn"] if d in by_key],
        )
    edges = [
        Edge(
            nodes[d].x + NODE_W,
            nodes[d].y + NODE_H // 2,
            node.x,
            node.y + NODE_H // 2,
        )
        for node in nodes.values()
        for d in node.waits_on
    ]
    columns = max(rows, default=-1) + 1
    height_rows = max(rows.values(), default=0)
    return Graph(
        list(nodes.values()),
        edges,
        2 * PAD + columns * NODE_W + max(columns - 1, 0) * GAP_X,
        2 * PAD + height_rows * NODE_H + max(height_rows - 1, 0) * GAP_Y,
    )


@dataclass(frozen=True)
class Change:
    """One difference between two versions: where, what it was, what it became."""

    path: str
    before: Any
    after: Any


_SAME_IN_EVERY_VERSION = {"/href", "/lastUpdate"}


def changes(older: JsonObject, newer: JsonObject) -> list[Change]:
    """What changed from ``older`` to ``newer`` (JSON Patch paths), bookkeeping left out."""
    found = []
    for op in jsonpatch.make_patch(older, newer).patch:
        path = op["path"]
        if path in _SAME_IN_EVERY_VERSION:
            continue
        before = _at(older, path) if op["op"] in ("replace", "remove") else None
        after = op.get("value") if op["op"] in ("replace", "add") else None
        if op["op"] in ("move", "copy"):
            before, after = f"(from {op['from']})", _at(newer, path)
        found.append(Change(path, before, after))
    return found


def _at(document: Any, pointer: str) -> Any:
    for part in pointer.lstrip("/").split("/") if pointer else []:
        part = part.replace("~1", "/").replace("~0", "~")
        document = document[int(part)] if isinstance(document, list) else document.get(part)
    return document


def age(since: str | None, now: datetime) -> str:
    """How long ago, for people: ``3 d 4 h``, ``2 h 5 min``, ``40 s``."""
    if not since:
        return ""
    seconds = max(0, int((now - parse_datetime(since)).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{secs} s"

"""The one text extractor for Dash component trees (as JSON, the way the browser receives them),
and counts of components in them."""

from __future__ import annotations

import re


def texts(tree: object) -> str:
    """The text a reader sees: every string in the tree's ``children``, in order, joined by
    spaces (a component's other props, its type and its id are left out)."""
    if isinstance(tree, str):
        return tree
    if isinstance(tree, list):
        return " ".join(texts(v) for v in tree)
    if isinstance(tree, dict):
        return " ".join(texts(v) for k, v in tree.items() if k in ("children", "props"))
    return ""


def count_type(tree: object, type_name: str) -> int:
    if isinstance(tree, dict):
        own = 1 if tree.get("type") == type_name and "props" in tree else 0
        return own + sum(count_type(v, type_name) for v in tree.values())
    if isinstance(tree, list):
        return sum(count_type(v, type_name) for v in tree)
    return 0


def count_h1(tree: object) -> int:
    """``html.H1`` components plus ``# `` headings inside ``dcc.Markdown``."""
    if isinstance(tree, dict):
        own = 1 if tree.get("type") == "H1" and "props" in tree else 0
        if tree.get("type") == "Markdown" and "props" in tree:
            words = texts(tree["props"].get("children"))
            own += sum(1 for line in words.splitlines() if re.match(r"#\s", line))
            return own
        return own + sum(count_h1(v) for v in tree.values())
    if isinstance(tree, list):
        return sum(count_h1(v) for v in tree)
    return 0

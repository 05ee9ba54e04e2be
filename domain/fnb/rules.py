"""F&B stock math: a combo's components, what an order lacks, how many combos can be made, low-stock
crossings. Pure, so a saga activity and the API share one answer."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Shortage:
    item_id: uuid.UUID
    needed: int
    available: int


def components(items: Iterable[tuple[uuid.UUID, int]], combos: Iterable[tuple[Mapping[uuid.UUID, int], int]],
               ) -> dict[uuid.UUID, int]:
    """Units of each item an order takes: items as asked, combos by their recipe, shared items summed."""
    needed: dict[uuid.UUID, int] = {}
    for item_id, quantity in items:
        needed[item_id] = needed.get(item_id, 0) + quantity
    for recipe, quantity in combos:
        for item_id, per_combo in recipe.items():
            needed[item_id] = needed.get(item_id, 0) + per_combo * quantity
    return needed


def shortages(needed: Mapping[uuid.UUID, int], available: Mapping[uuid.UUID, int]) -> list[Shortage]:
    """Every item the order needs more of than is available (all or nothing: any shortage refuses it)."""
    return [Shortage(item_id, n, max(available.get(item_id, 0), 0))
            for item_id, n in sorted(needed.items()) if n > available.get(item_id, 0)]


def combos_available(recipe: Mapping[uuid.UUID, int], available: Mapping[uuid.UUID, int]) -> int:
    """How many of a combo its components allow (a combo has no stock of its own; empty recipe: none)."""
    if not recipe:
        return 0
    return max(0, min(available.get(item_id, 0) // per_combo for item_id, per_combo in recipe.items()))


def crossed_low(before: int, after: int, threshold: int) -> bool:
    """True when the available units fall to or below the threshold with this movement (once per crossing)."""
    return before > threshold >= after

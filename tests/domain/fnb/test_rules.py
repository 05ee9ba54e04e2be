"""The F&B stock rules: components, all-or-nothing shortages, combo availability, low-stock crossings."""

from __future__ import annotations

import uuid

from domain.fnb.rules import Shortage, combos_available, components, crossed_low, shortages

POPCORN, COKE, NACHOS = sorted(uuid.uuid4() for _ in range(3))


def test_combos_expand_to_their_recipe_and_shared_items_add_up() -> None:
    couple = {POPCORN: 1, COKE: 2}
    assert components([(COKE, 1)], [(couple, 2)]) == {COKE: 5, POPCORN: 2}
    assert components([], []) == {}


def test_any_shortage_refuses_the_whole_order_and_names_each_item() -> None:
    assert shortages({POPCORN: 2, COKE: 3}, {POPCORN: 2, COKE: 3}) == []
    assert shortages({POPCORN: 3, COKE: 4, NACHOS: 1}, {POPCORN: 2, COKE: 9}) == [
        Shortage(POPCORN, 3, 2), Shortage(NACHOS, 1, 0)]


def test_a_combo_is_as_available_as_its_scarcest_component() -> None:
    assert combos_available({POPCORN: 1, COKE: 2}, {POPCORN: 10, COKE: 5}) == 2
    assert combos_available({POPCORN: 1, NACHOS: 1}, {POPCORN: 10}) == 0
    assert combos_available({}, {POPCORN: 10}) == 0


def test_low_stock_is_crossed_once() -> None:
    assert crossed_low(11, 10, 10) and crossed_low(12, 0, 10)
    assert not crossed_low(10, 9, 10) and not crossed_low(20, 11, 10) and not crossed_low(5, 8, 10)

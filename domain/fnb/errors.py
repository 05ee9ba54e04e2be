"""Errors of the F&B context."""

from __future__ import annotations

from domain.shared.errors import Conflict, NotFound


class FnbItemNotFound(NotFound):
    code = "FNB_ITEM_NOT_FOUND"


class FnbComboNotFound(NotFound):
    code = "FNB_COMBO_NOT_FOUND"


class FnbOutOfStock(Conflict):
    """Details name each short item: itemId, needed, available."""

    code = "FNB_OUT_OF_STOCK"


class FnbNotSold(Conflict):
    """An item or combo that is switched off (isAvailable false) cannot be ordered."""

    code = "FNB_NOT_SOLD"


class FnbReservationReleased(Conflict):
    code = "FNB_RESERVATION_RELEASED"


class StockBelowReserved(Conflict):
    code = "STOCK_BELOW_RESERVED"

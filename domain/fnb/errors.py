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


class FnbOrderNotFound(NotFound):
    """No F&B order for this booking (none was ordered, or the id is wrong)."""

    code = "FNB_ORDER_NOT_FOUND"


class FnbAlreadyCollected(Conflict):
    """Details say when and by whom: bookingId, collectedAt, collectedBy."""

    code = "FNB_ALREADY_COLLECTED"


class FnbOrderNotPaid(Conflict):
    """The order still waits for its booking's payment: nothing to hand out yet."""

    code = "FNB_ORDER_NOT_PAID"


class FnbOrderCancelled(Conflict):
    """The order was released (booking never paid) or returned (booking cancelled): nothing to hand out."""

    code = "FNB_ORDER_CANCELLED"


class FnbWrongCinema(Conflict):
    """The order is for another cinema's counter; details name it."""

    code = "FNB_WRONG_CINEMA"


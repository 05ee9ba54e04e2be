"""The payment methods, once: the payments service stores them, the booking saga and its routes accept them.

Online through a gateway (seed §7: VNPay, MoMo, ZaloPay), or at the counter (cash or card, taken by staff).
"""

from __future__ import annotations

from enum import StrEnum


class PaymentMethod(StrEnum):
    VNPAY = "VNPay"
    MOMO = "MoMo"
    ZALOPAY = "ZaloPay"
    CASH = "Cash"
    CARD = "Card"

    @property
    def online(self) -> bool:
        """Paid through a gateway (redirect and IPN); otherwise taken at the counter by staff."""
        return self in ONLINE_METHODS


ONLINE_METHODS = frozenset({PaymentMethod.VNPAY, PaymentMethod.MOMO, PaymentMethod.ZALOPAY})
COUNTER_METHODS = frozenset(set(PaymentMethod) - ONLINE_METHODS)

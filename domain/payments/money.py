"""Integer VND amounts and the per-gateway amount rules the protocols state."""

from __future__ import annotations

VNPAY_AMOUNT_MAX_DIGITS = 12  # vnp_Amount is Numeric[1,12] after the x100
VNPAY_MAX_VND = (10**VNPAY_AMOUNT_MAX_DIGITS - 1) // 100
MOMO_WALLET_MIN, MOMO_WALLET_MAX = 1_000, 50_000_000  # captureWallet only; other methods differ
MOMO_REFUND_MIN = 1_000
INT64_MAX = 2**63 - 1


def require_vnd(amount: object) -> int:
    """Return amount if it is a positive integer VND value; bools, floats and strings are refused."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValueError(f"VND amounts are integers, got {amount!r}")
    if amount <= 0:
        raise ValueError(f"VND amounts are positive, got {amount}")
    return amount


def to_vnpay_amount(vnd: int) -> str:
    """VND to the vnp_Amount text: x100, digits only, at most 12 digits."""
    if require_vnd(vnd) > VNPAY_MAX_VND:
        raise ValueError(f"{vnd} VND does not fit vnp_Amount Numeric[1,12]")
    return str(vnd * 100)


def from_vnpay_amount(text: str) -> int:
    """vnp_Amount text back to VND; refuses non-digits, more than 12 digits and non-multiples of 100."""
    if not (text.isascii() and text.isdigit()) or len(text) > VNPAY_AMOUNT_MAX_DIGITS:
        raise ValueError(f"vnp_Amount must be 1-12 digits, got {text!r}")
    hundreds, rest = divmod(int(text), 100)
    if rest or hundreds <= 0:
        raise ValueError(f"vnp_Amount must be a positive multiple of 100, got {text!r}")
    return hundreds


def momo_amount_ok(amount: object, *, refund: bool = False) -> bool:
    """Whether amount is in MoMo's captureWallet range (1,000-50,000,000), or at least 1,000 for a refund."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        return False
    if refund:
        return MOMO_REFUND_MIN <= amount <= INT64_MAX
    return MOMO_WALLET_MIN <= amount <= MOMO_WALLET_MAX


def zalopay_amount_ok(amount: object) -> bool:
    """Whether amount is a positive int64 VND value, as ZaloPay's amount field requires."""
    return not isinstance(amount, bool) and isinstance(amount, int) and 0 < amount <= INT64_MAX

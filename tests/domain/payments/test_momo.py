"""MoMo v2: every spec vector (M1-M4) byte for byte, IPN/redirect verification, ids, amounts, extraData."""

from __future__ import annotations

import pytest

from domain.payments.money import momo_amount_ok
from infra.gateways.momo import protocol as momo
from infra.gateways.momo.protocol import CREATE_FIELDS, IPN_FIELDS, QUERY_FIELDS, REFUND_FIELDS, CreatePayment

PARTNER, ACCESS, SECRET = "MOMO", "F8BBA842ECF85", "K951B6PE1waDMi640xX08PD3vg6EkVlz"
KEYS = {"access_key": ACCESS, "secret_key": SECRET}
ORDER_INFO = "Thanh toan ve xem phim BK20250101001"

M1_RAW = ("accessKey=F8BBA842ECF85&amount=150000&extraData=&ipnUrl=http://127.0.0.1:8000/payments/momo/ipn"
          "&orderId=BK20250101001&orderInfo=Thanh toan ve xem phim BK20250101001&partnerCode=MOMO&redirect"
          "Url=http://127.0.0.1:8000/payments/momo/return&requestId=RQ20250101001&requestType=captureWalle"
          "t")
M1_SIG = "77dffd3fb7ab311de5b9854fa55d2779232647649e14a3ddac17c44ca3cff9a8"
M2_RAW = ("accessKey=F8BBA842ECF85&amount=150000&extraData=&message=Successful.&orderId=BK20250101001&orde"
          "rInfo=Thanh toan ve xem phim BK20250101001&orderType=momo_wallet&partnerCode=MOMO&payType=qr&re"
          "questId=RQ20250101001&responseTime=1735702512345&resultCode=0&transId=4088878653")
M2_SIG = "03d074eb51ff583a832d578f6f54a7859e192186127b25d00664e6bb7c14b35f"
M3_RAW = "accessKey=F8BBA842ECF85&orderId=BK20250101001&partnerCode=MOMO&requestId=RQ20250101002"
M3_SIG = "e05af825a69cf7b96acbf685b05d4bfa8012072d872a5237c9fc89541c1e8988"
M4_RAW = ("accessKey=F8BBA842ECF85&amount=150000&description=Hoan tien ve BK20250101001&orderId=RF20250101"
          "001&partnerCode=MOMO&requestId=RQ20250101003&transId=4088878653")
M4_SIG = "ff4afcf68724e947b3b6560b9ba4cd4a46d6509701152c969dc4c49182e80c55"

M2_IPN: dict[str, object] = {
    "partnerCode": "MOMO", "orderId": "BK20250101001", "requestId": "RQ20250101001", "amount": 150000,
    "orderInfo": ORDER_INFO, "orderType": "momo_wallet", "transId": 4088878653, "resultCode": 0,
    "message": "Successful.", "payType": "qr", "responseTime": 1735702512345, "extraData": "",
    "signature": M2_SIG,
}


def m1_create(**overrides: object) -> CreatePayment:
    fields: dict[str, object] = {
        "partner_code": PARTNER, "request_id": "RQ20250101001", "order_id": "BK20250101001",
        "amount": 150_000,
        "order_info": ORDER_INFO, "redirect_url": "http://127.0.0.1:8000/payments/momo/return",
        "ipn_url": "http://127.0.0.1:8000/payments/momo/ipn"}
    return CreatePayment(**{**fields, **overrides})  # type: ignore[arg-type]


class TestVectors:
    def test_m1_create(self) -> None:
        body = m1_create().body(**KEYS)
        assert momo.raw_signature(CREATE_FIELDS, body, ACCESS) == M1_RAW
        assert body["signature"] == M1_SIG
        assert body["requestType"] == "captureWallet" and body["amount"] == 150000 and "accessKey" not in body

    def test_m2_ipn(self) -> None:
        assert momo.raw_signature(IPN_FIELDS, M2_IPN, ACCESS) == M2_RAW
        assert momo.sign(M2_RAW, SECRET) == M2_SIG
        assert momo.verify_ipn(M2_IPN, **KEYS)

    def test_m3_query(self) -> None:
        body = momo.query_body(partner_code=PARTNER, request_id="RQ20250101002", order_id="BK20250101001",
                               **KEYS)
        assert momo.raw_signature(QUERY_FIELDS, body, ACCESS) == M3_RAW and body["signature"] == M3_SIG

    def test_m4_refund(self) -> None:
        body = momo.refund_body(partner_code=PARTNER, request_id="RQ20250101003", order_id="RF20250101001",
                                amount=150_000, trans_id=4088878653, description="Hoan tien ve BK20250101001",
                                **KEYS)
        assert momo.raw_signature(REFUND_FIELDS, body, ACCESS) == M4_RAW and body["signature"] == M4_SIG


class TestFieldOrders:
    def test_each_operation_signs_its_fixed_list_in_a_to_z_order(self) -> None:
        for fields in (CREATE_FIELDS, IPN_FIELDS, QUERY_FIELDS, REFUND_FIELDS):
            assert list(fields) == sorted(fields) and fields[0] == "accessKey"

    def test_fields_outside_the_list_are_not_signed(self) -> None:
        body = {**M2_IPN, "partnerName": "Cinema", "lang": "vi"}
        assert momo.raw_signature(IPN_FIELDS, body, ACCESS) == M2_RAW and momo.verify_ipn(body, **KEYS)

    def test_the_access_key_argument_wins_over_one_in_the_body(self) -> None:
        assert momo.raw_signature(IPN_FIELDS, {**M2_IPN, "accessKey": "other"}, ACCESS) == M2_RAW


class TestIpnVerification:
    @pytest.mark.parametrize(("field", "value"), [
        ("amount", 1500000), ("resultCode", 1006), ("orderId", "BK20250101002"), ("transId", 4088878654),
        ("extraData", "eyJ9"), ("message", "Successful"),
    ])
    def test_a_tampered_field_fails(self, field: str, value: object) -> None:
        assert not momo.verify_ipn({**M2_IPN, field: value}, **KEYS)

    def test_wrong_keys_fail(self) -> None:
        assert not momo.verify_ipn(M2_IPN, access_key="klm05TvNBzhg7h7j", secret_key=SECRET)
        assert not momo.verify_ipn(M2_IPN, access_key=ACCESS, secret_key="at67qH6mk8w5Y1nAyMoYKMWACiEi2bsa")

    def test_missing_field_or_signature_fails(self) -> None:
        assert not momo.verify_ipn({k: v for k, v in M2_IPN.items() if k != "payType"}, **KEYS)
        assert not momo.verify_ipn({k: v for k, v in M2_IPN.items() if k != "signature"}, **KEYS)

    def test_non_integer_numbers_fail_instead_of_signing_a_float(self) -> None:
        assert not momo.verify_ipn({**M2_IPN, "amount": 150000.0}, **KEYS)

    def test_redirect_query_with_string_values_verifies(self) -> None:
        query = {k: str(v) for k, v in M2_IPN.items()}
        assert momo.verify_ipn(query, **KEYS)

    def test_uppercase_signature_is_accepted(self) -> None:
        assert momo.verify_ipn({**M2_IPN, "signature": M2_SIG.upper()}, **KEYS)

    def test_missing_signed_field_is_reported_when_signing(self) -> None:
        with pytest.raises(momo.MissingField):
            momo.raw_signature(QUERY_FIELDS, {"orderId": "BK1", "partnerCode": "MOMO"}, ACCESS)


class TestIdsAndAmounts:
    @pytest.mark.parametrize("order_id", ["BK20250101001", "a", "BK-2025_01.001", "A--B", "x" * 50])
    def test_valid_order_ids(self, order_id: str) -> None:
        assert momo.order_id_ok(order_id)

    @pytest.mark.parametrize("order_id", ["", "-BK1", "BK1-", "BK 1", "BK/1", "Vé1", "x" * 51,
                                          "a" * 40 + "!"])
    def test_invalid_order_ids(self, order_id: str) -> None:
        assert not momo.order_id_ok(order_id)
        with pytest.raises(ValueError):
            m1_create(order_id=order_id)

    def test_request_id_is_1_to_50_characters(self) -> None:
        assert momo.request_id_ok("R" * 50)
        assert not momo.request_id_ok("R" * 51) and not momo.request_id_ok("")
        with pytest.raises(ValueError):
            m1_create(request_id="R" * 51)

    def test_capture_wallet_range(self) -> None:
        assert momo_amount_ok(1_000) and momo_amount_ok(50_000_000)
        assert not momo_amount_ok(999) and not momo_amount_ok(50_000_001)
        assert not momo_amount_ok(150_000.0) and not momo_amount_ok(True) and not momo_amount_ok("150000")
        with pytest.raises(ValueError):
            m1_create(amount=50_000_001)

    def test_refund_minimum(self) -> None:
        assert momo_amount_ok(1_000, refund=True) and momo_amount_ok(60_000_000, refund=True)
        assert not momo_amount_ok(999, refund=True)
        with pytest.raises(ValueError):
            momo.refund_body(partner_code=PARTNER, request_id="RQ1", order_id="RF1", amount=999, trans_id=1,
                             description="", **KEYS)

    def test_refund_with_empty_description_signs_it_as_empty(self) -> None:
        body = momo.refund_body(partner_code=PARTNER, request_id="RQ20250101003", order_id="RF20250101001",
                                amount=150_000, trans_id=4088878653, description="", **KEYS)
        assert momo.raw_signature(REFUND_FIELDS, body, ACCESS) == M4_RAW.replace(
            "description=Hoan tien ve BK20250101001", "description=")

    def test_order_info_length_and_lang(self) -> None:
        with pytest.raises(ValueError):
            m1_create(order_info="x" * 201)
        with pytest.raises(ValueError):
            m1_create(lang="vn")


class TestExtraDataAndResults:
    def test_extra_data_matches_the_documented_example(self) -> None:
        assert momo.encode_extra_data({"username": "momo"}) == "eyJ1c2VybmFtZSI6ICJtb21vIn0="
        assert momo.decode_extra_data("eyJ1c2VybmFtZSI6ICJtb21vIn0=") == {"username": "momo"}
        assert momo.encode_extra_data(None) == "" and momo.decode_extra_data("") == {}

    def test_vietnamese_order_info_is_signed_as_utf8(self) -> None:
        body = m1_create(order_info="Thanh toán vé").body(**KEYS)
        assert "orderInfo=Thanh toán vé&" in momo.raw_signature(CREATE_FIELDS, body, ACCESS)
        assert momo.verify(CREATE_FIELDS, body, **KEYS)

    def test_paid_and_final_codes(self) -> None:
        assert momo.is_paid(0) and momo.is_paid(9000) and not momo.is_paid(9000, auto_capture=False)
        assert not momo.is_paid(1000) and not momo.is_paid(1006)
        assert momo.is_final(0) and momo.is_final(1006) and momo.is_final(1081)
        assert not momo.is_final(1000) and not momo.is_final(9000) and not momo.is_final(40)

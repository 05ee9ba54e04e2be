"""VNPay 2.1.0: every spec vector (V1-V6) byte for byte, encoding, amounts, ids, GMT+7 and IPN answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.payments.money import from_vnpay_amount, to_vnpay_amount
from domain.payments.vntime import compact_timestamp, parse_compact_timestamp
from infra.gateways.vnpay import protocol as vnpay
from infra.gateways.vnpay.protocol import (
    QUERYDR_REQUEST,
    QUERYDR_RESPONSE,
    REFUND_REQUEST,
    REFUND_RESPONSE,
    IpnRsp,
    PayRequest,
    TransactionType,
)

SECRET = "CINEMATESTHASHSECRET000000000001"
GMT7 = timezone(timedelta(hours=7))
CREATED = datetime(2025, 1, 1, 10, 30, tzinfo=GMT7)

V1_PARAMS = {
    "vnp_Amount": "1000000", "vnp_BankCode": "NCB", "vnp_BankTranNo": "VNP14422574", "vnp_CardType": "ATM",
    "vnp_OrderInfo": "Thanh toan don hang 2024-05-21T02:17:31.249Z", "vnp_PayDate": "20240521091806",
    "vnp_ResponseCode": "00", "vnp_TmnCode": "TEST_TMN_CODE", "vnp_TransactionNo": "14422574",
    "vnp_TransactionStatus": "00", "vnp_TxnRef": "1716257871703",
}
V1_DATA = ("vnp_Amount=1000000&vnp_BankCode=NCB&vnp_BankTranNo=VNP14422574&vnp_CardType=ATM&vnp_OrderInfo="
           "Thanh+toan+don+hang+2024-05-21T02%3A17%3A31.249Z&vnp_PayDate=20240521091806&vnp_ResponseCode=0"
           "0&vnp_TmnCode=TEST_TMN_CODE&vnp_TransactionNo=14422574&vnp_TransactionStatus=00&vnp_TxnRef=171"
           "6257871703")
V1_HASH = ("649982421beb422556a1374713c74e58e716ecbd05007c0c0e1f7effdfaf361d"
           "bf146889ca446139afe11b9954c4d5c486e99e3b86fcfab6957f29eb0be72895")
V1_HASH_99 = ("503194f6d93b57b357b2d1d09742565e67e86d771352c5dca4fc8d39df3d392c"
              "6b3809add9405f97cfb9631f445e36c80656cfbf47eac67d97fa165865c13e1b")
V2_DATA = ("vnp_Amount=15000000&vnp_Command=pay&vnp_CreateDate=20250101103000&vnp_CurrCode=VND&vnp_ExpireD"
           "ate=20250101104500&vnp_IpAddr=127.0.0.1&vnp_Locale=vn&vnp_OrderInfo=Thanh+toan+ve+xem+phim+BK2"
           "0250101001&vnp_OrderType=other&vnp_ReturnUrl=http%3A%2F%2F127.0.0.1%3A8000%2Fpayments%2Fvnpay%"
           "2Freturn&vnp_TmnCode=CINEMA01&vnp_TxnRef=BK20250101001&vnp_Version=2.1.0")
V2_HASH = ("69a24d6d45a37f3507c83b173f248b0775b8547dc6989ca9ab75d4366e64ca77"
           "e3f4c4a750c2036b5f1e91885975648ce00d5425b5538734cbd959115bd73e8f")
V3_DATA = ("vnp_Amount=15000000&vnp_BankCode=NCB&vnp_BankTranNo=VNP14800001&vnp_CardType=ATM&vnp_OrderInfo"
           "=Thanh+toan+ve+xem+phim+BK20250101001&vnp_PayDate=20250101103512&vnp_ResponseCode=00&vnp_TmnCo"
           "de=CINEMA01&vnp_TransactionNo=14800001&vnp_TransactionStatus=00&vnp_TxnRef=BK20250101001")
V3_HASH = ("afafdcd6fc05ba5fdd07507f9247a1c527c09cf73feaa223a9aaa3e755aa24d0"
           "6498ea927b5831b9706c4cf868469b6681aa4cf8a3be810ce2ed5a689b5663e1")
V4_DATA = ("REQ20250101110000|2.1.0|querydr|CINEMA01|BK20250101001|20250101103000|20250101110000|127.0.0.1|"
           "Truy van GD BK20250101001")
V4_HASH = ("3b35a77e70e7796db38c4075485ffe339fc57ba3824e0dc59f691e437c85c49f"
           "66cb077a2224d65ecbaa08f081554b31b0314961e202633af3bfc7d5f638124e")
V5_DATA = ("REF20250101120000|2.1.0|refund|CINEMA01|02|BK20250101001|15000000|14800001|20250101103000|admin|"
           "20250101120000|127.0.0.1|Hoan tien GD BK20250101001")
V5_HASH = ("d94d183bfc70c8e973fa804d5c86ef51a0aaf4475680081a6d306dea79643efc"
           "67ee9f1b52566961687b2aa2782d01041ed42b612bda9289a8b0b9396a8eebdd")
V6_DATA = ("RESP0001|querydr|00|QueryDR Success|CINEMA01|BK20250101001|15000000|NCB|20250101103512|1480000"
           "1|01|00|Truy van GD BK20250101001||")
V6_HASH = ("bd13ea3718acf5d2d0d7f5b056b658feaee3326a4cf83ccb2fd984bd389f2919"
           "6deba99edada4618b9d8702ae00f1beea34bb6233b52e268a028dba6b990518f")
V6_BODY = {
    "vnp_ResponseId": "RESP0001", "vnp_Command": "querydr", "vnp_ResponseCode": "00",
    "vnp_Message": "QueryDR Success", "vnp_TmnCode": "CINEMA01", "vnp_TxnRef": "BK20250101001",
    "vnp_Amount": "15000000", "vnp_OrderInfo": "Truy van GD BK20250101001", "vnp_BankCode": "NCB",
    "vnp_PayDate": "20250101103512", "vnp_TransactionNo": "14800001", "vnp_TransactionType": "01",
    "vnp_TransactionStatus": "00", "vnp_SecureHash": V6_HASH,
}


def v2_request(**overrides: object) -> PayRequest:
    fields: dict[str, object] = {
        "tmn_code": "CINEMA01", "amount_vnd": 150_000, "txn_ref": "BK20250101001",
        "order_info": "Thanh toan ve xem phim BK20250101001",
        "return_url": "http://127.0.0.1:8000/payments/vnpay/return", "ip_addr": "127.0.0.1",
        "created_at": CREATED}
    return PayRequest(**{**fields, **overrides})  # type: ignore[arg-type]


class TestSecureHashVectors:
    def test_v1_hash_data_and_hash(self) -> None:
        assert vnpay.hash_data(V1_PARAMS) == V1_DATA
        assert vnpay.sign(V1_DATA, "test_secret") == V1_HASH

    def test_v1_verifies_and_its_response_code_99_variant_has_the_published_hash(self) -> None:
        assert vnpay.verify({**V1_PARAMS, "vnp_SecureHash": V1_HASH}, "test_secret")
        changed = {**V1_PARAMS, "vnp_ResponseCode": "99"}
        assert vnpay.sign(vnpay.hash_data(changed), "test_secret") == V1_HASH_99
        assert not vnpay.verify({**changed, "vnp_SecureHash": V1_HASH}, "test_secret")

    def test_v2_pay_url(self) -> None:
        request = v2_request()
        assert vnpay.hash_data(request.params()) == V2_DATA
        url = vnpay.pay_url("https://sandbox.vnpayment.vn/paymentv2/vpcpay.html", request, SECRET)
        assert url == f"https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?{V2_DATA}&vnp_SecureHash={V2_HASH}"

    def test_v2_url_round_trips_through_verification(self) -> None:
        query = vnpay.signed_query(v2_request().params(), SECRET)
        assert vnpay.verify(vnpay.parse_query(query), SECRET)

    def test_v3_ipn_query_verifies(self) -> None:
        params = vnpay.parse_query(f"?{V3_DATA}&vnp_SecureHash={V3_HASH}")
        assert params["vnp_OrderInfo"] == "Thanh toan ve xem phim BK20250101001"
        assert vnpay.hash_data(params) == V3_DATA
        assert vnpay.verify(params, SECRET) and vnpay.is_successful(params)


class TestVerification:
    def params(self) -> dict[str, str]:
        return vnpay.parse_query(f"{V3_DATA}&vnp_SecureHash={V3_HASH}")

    @pytest.mark.parametrize(("field", "value"), [
        ("vnp_Amount", "150000000"), ("vnp_ResponseCode", "24"), ("vnp_TxnRef", "BK20250101002"),
        ("vnp_OrderInfo", "Thanh toan ve xem phim BK20250101001 "), ("vnp_BankCode", "VCB"),
    ])
    def test_a_tampered_field_fails(self, field: str, value: str) -> None:
        assert not vnpay.verify({**self.params(), field: value}, SECRET)

    def test_an_added_vnp_field_fails(self) -> None:
        assert not vnpay.verify({**self.params(), "vnp_Bill_Mobile": "0900000000"}, SECRET)

    def test_a_wrong_secret_or_missing_hash_fails(self) -> None:
        assert not vnpay.verify(self.params(), "CINEMATESTHASHSECRET000000000002")
        assert not vnpay.verify({k: v for k, v in self.params().items() if k != "vnp_SecureHash"}, SECRET)

    def test_hash_type_empty_values_and_foreign_keys_are_not_signed(self) -> None:
        params = {**self.params(), "vnp_SecureHashType": "HmacSHA512", "vnp_CardNo": "", "utm_source": "x"}
        assert vnpay.hash_data(params) == V3_DATA and vnpay.verify(params, SECRET)

    def test_uppercase_hash_is_accepted(self) -> None:
        assert vnpay.verify({**self.params(), "vnp_SecureHash": V3_HASH.upper()}, SECRET)

    def test_a_failed_payment_is_not_successful(self) -> None:
        assert not vnpay.is_successful({"vnp_ResponseCode": "00", "vnp_TransactionStatus": "02"})
        assert not vnpay.is_successful({"vnp_ResponseCode": "24", "vnp_TransactionStatus": "00"})


class TestEncoding:
    def test_special_characters_follow_quote_plus(self) -> None:
        encoded = vnpay.encode_value("Ve phim: A~B*C'D(E)!F & G/H")
        assert encoded == "Ve+phim%3A+A~B%2AC%27D%28E%29%21F+%26+G%2FH"

    def test_vietnamese_is_utf8_percent_encoded(self) -> None:
        assert vnpay.encode_value("Thanh toán vé") == "Thanh+to%C3%A1n+v%C3%A9"

    def test_parse_query_decodes_plus_and_utf8(self) -> None:
        assert vnpay.parse_query("vnp_OrderInfo=Thanh+to%C3%A1n+v%C3%A9&vnp_X=") == {
            "vnp_OrderInfo": "Thanh toán vé", "vnp_X": ""}


class TestAmounts:
    def test_vnd_is_sent_times_100(self) -> None:
        assert to_vnpay_amount(10_000) == "1000000" and to_vnpay_amount(150_000) == "15000000"
        assert from_vnpay_amount("15000000") == 150_000

    def test_twelve_digit_limit(self) -> None:
        assert to_vnpay_amount(9_999_999_999) == "999999999900"
        with pytest.raises(ValueError):
            to_vnpay_amount(10_000_000_000)
        with pytest.raises(ValueError):
            from_vnpay_amount("1000000000000")

    @pytest.mark.parametrize("bad", [0, -1, 1.5, "150000", True])
    def test_non_positive_or_non_integer_vnd_is_refused(self, bad: object) -> None:
        with pytest.raises(ValueError):
            to_vnpay_amount(bad)  # type: ignore[arg-type]

    @pytest.mark.parametrize("bad", ["", "15000050", "-1500", "1.5e7", "0", "１００"])
    def test_malformed_vnp_amount_is_refused(self, bad: str) -> None:
        with pytest.raises(ValueError):
            from_vnpay_amount(bad)


class TestPayRequestRules:
    @pytest.mark.parametrize("txn_ref", ["BK-2025", "BK 1", "", "A" * 101, "Vé1"])
    def test_txn_ref_is_alphanumeric_1_to_100(self, txn_ref: str) -> None:
        with pytest.raises(ValueError):
            v2_request(txn_ref=txn_ref)

    def test_longest_txn_ref_is_accepted(self) -> None:
        assert v2_request(txn_ref="A" * 100).params()["vnp_TxnRef"] == "A" * 100

    @pytest.mark.parametrize("info", ["Thanh toán vé", "Ve phim (2D)", "A&B", "", "x" * 256])
    def test_order_info_is_restricted_to_safe_ascii(self, info: str) -> None:
        with pytest.raises(ValueError):
            v2_request(order_info=info)

    @pytest.mark.parametrize(("field", "value"), [("tmn_code", "CINEMA1"), ("locale", "vi"),
                                                  ("amount_vnd", 0)])
    def test_other_fields_are_validated(self, field: str, value: object) -> None:
        with pytest.raises(ValueError):
            v2_request(**{field: value})

    def test_bank_code_and_explicit_expiry_are_signed(self) -> None:
        params = v2_request(bank_code="NCB", expires_at=CREATED + timedelta(minutes=5)).params()
        assert params["vnp_BankCode"] == "NCB" and params["vnp_ExpireDate"] == "20250101103500"
        assert "vnp_BankCode" not in v2_request().params()

    def test_created_at_in_utc_is_rendered_in_gmt7(self) -> None:
        params = v2_request(created_at=datetime(2025, 1, 1, 3, 30, tzinfo=UTC)).params()
        assert params["vnp_CreateDate"] == "20250101103000" and params["vnp_ExpireDate"] == "20250101104500"

    def test_expiry(self) -> None:
        params = v2_request().params()
        assert not vnpay.pay_expired(params, datetime(2025, 1, 1, 3, 45, tzinfo=UTC))
        assert vnpay.pay_expired(params, datetime(2025, 1, 1, 3, 45, 1, tzinfo=UTC))
        assert not vnpay.pay_expired({}, datetime(2099, 1, 1, tzinfo=UTC))


class TestGmt7:
    def test_just_before_midnight_utc_is_already_the_next_day(self) -> None:
        assert compact_timestamp(datetime(2024, 12, 31, 17, 0, 0, tzinfo=UTC)) == "20250101000000"
        assert compact_timestamp(datetime(2024, 12, 31, 16, 59, 59, tzinfo=UTC)) == "20241231235959"

    def test_midnight_utc_is_seven_in_the_morning(self) -> None:
        assert compact_timestamp(datetime(2025, 1, 1, 0, 0, tzinfo=UTC)) == "20250101070000"

    def test_parse_is_the_inverse(self) -> None:
        assert parse_compact_timestamp("20250101000000") == datetime(2024, 12, 31, 17, 0, tzinfo=UTC)
        with pytest.raises(ValueError):
            parse_compact_timestamp("2025010100000")

    def test_naive_datetimes_are_refused(self) -> None:
        with pytest.raises(ValueError):
            compact_timestamp(datetime(2025, 1, 1, 10, 30))


class TestQuerydr:
    def test_v4_request(self) -> None:
        body = vnpay.querydr_request(
            request_id="REQ20250101110000", tmn_code="CINEMA01", txn_ref="BK20250101001",
            pay_created_at=CREATED, created_at=datetime(2025, 1, 1, 4, 0, tzinfo=UTC), ip_addr="127.0.0.1",
            order_info="Truy van GD BK20250101001", secret=SECRET)
        assert QUERYDR_REQUEST.data(body) == V4_DATA
        assert body["vnp_SecureHash"] == V4_HASH and "vnp_TransactionNo" not in body
        assert QUERYDR_REQUEST.verify(body, SECRET)
        assert not QUERYDR_REQUEST.verify({**body, "vnp_TxnRef": "BK20250101002"}, SECRET)

    def test_optional_transaction_no_is_sent_but_not_signed(self) -> None:
        body = vnpay.querydr_request(
            request_id="REQ20250101110000", tmn_code="CINEMA01", txn_ref="BK20250101001",
            pay_created_at=CREATED, created_at=datetime(2025, 1, 1, 4, 0, tzinfo=UTC), ip_addr="127.0.0.1",
            order_info="Truy van GD BK20250101001", secret=SECRET, transaction_no="14800001")
        assert body["vnp_TransactionNo"] == "14800001" and body["vnp_SecureHash"] == V4_HASH

    def test_v6_response_with_absent_promotion_fields(self) -> None:
        assert QUERYDR_RESPONSE.data(V6_BODY) == V6_DATA
        assert QUERYDR_RESPONSE.sign(V6_BODY, SECRET) == V6_HASH
        assert QUERYDR_RESPONSE.verify(V6_BODY, SECRET)

    def test_v6_response_signs_null_promotions_as_empty(self) -> None:
        body = {**V6_BODY, "vnp_PromotionCode": None, "vnp_PromotionAmount": None}
        assert QUERYDR_RESPONSE.verify(body, SECRET)

    @pytest.mark.parametrize(("field", "value"), [("vnp_Amount", "1500000"), ("vnp_TransactionStatus", "02"),
                                                  ("vnp_PromotionAmount", "0")])
    def test_tampered_v6_response_fails(self, field: str, value: str) -> None:
        assert not QUERYDR_RESPONSE.verify({**V6_BODY, field: value}, SECRET)

    def test_request_id_is_alphanumeric_1_to_32(self) -> None:
        with pytest.raises(ValueError):
            vnpay.querydr_request(
                request_id="R" * 33, tmn_code="CINEMA01", txn_ref="BK20250101001", pay_created_at=CREATED,
                created_at=CREATED, ip_addr="127.0.0.1", order_info="Truy van", secret=SECRET)


class TestRefund:
    def v5(self, **overrides: object) -> dict[str, object]:
        fields: dict[str, object] = {
            "request_id": "REF20250101120000", "tmn_code": "CINEMA01",
            "transaction_type": TransactionType.FULL_REFUND, "txn_ref": "BK20250101001",
            "amount_vnd": 150_000, "transaction_no": "14800001", "pay_created_at": CREATED,
            "create_by": "admin",
            "created_at": datetime(2025, 1, 1, 12, 0, tzinfo=GMT7), "ip_addr": "127.0.0.1",
            "order_info": "Hoan tien GD BK20250101001", "secret": SECRET}
        return vnpay.refund_request(**{**fields, **overrides})  # type: ignore[arg-type]

    def test_v5_full_refund(self) -> None:
        body = self.v5()
        assert REFUND_REQUEST.data(body) == V5_DATA and body["vnp_SecureHash"] == V5_HASH
        assert body["vnp_Amount"] == "15000000" and body["vnp_TransactionType"] == "02"
        assert REFUND_REQUEST.verify(body, SECRET)
        assert not REFUND_REQUEST.verify({**body, "vnp_Amount": "14000000"}, SECRET)

    def test_unknown_transaction_no_is_sent_as_zero(self) -> None:
        assert REFUND_REQUEST.data(self.v5(transaction_no=None)) == V5_DATA.replace("|14800001|", "|0|")

    def test_a_refund_is_not_a_payment(self) -> None:
        with pytest.raises(ValueError):
            self.v5(transaction_type=TransactionType.PAYMENT)

    def test_response_uses_the_first_13_querydr_fields(self) -> None:
        assert REFUND_RESPONSE.data(V6_BODY) == V6_DATA.removesuffix("||")
        signed = REFUND_RESPONSE.signed({**V6_BODY, "vnp_Command": "refund"}, SECRET)
        assert REFUND_RESPONSE.verify(signed, SECRET)
        assert not REFUND_RESPONSE.verify({**signed, "vnp_ResponseCode": "94"}, SECRET)


class TestIpnAnswers:
    def answer(self, **overrides: object) -> IpnRsp:
        kw: dict[str, object] = {"signature_valid": True, "order_amount_vnd": 150_000, "order_pending": True,
                                 "vnp_amount": "15000000"}
        return vnpay.ipn_rsp(**{**kw, **overrides})  # type: ignore[arg-type]

    def test_each_check_in_the_official_order(self) -> None:
        assert self.answer() is IpnRsp.CONFIRM_SUCCESS
        assert self.answer(signature_valid=False, order_amount_vnd=None) is IpnRsp.INVALID_SIGNATURE
        assert self.answer(order_amount_vnd=None, vnp_amount="1") is IpnRsp.ORDER_NOT_FOUND
        assert self.answer(vnp_amount="1500000", order_pending=False) is IpnRsp.INVALID_AMOUNT
        assert self.answer(vnp_amount="15000050") is IpnRsp.INVALID_AMOUNT
        assert self.answer(order_pending=False) is IpnRsp.ORDER_ALREADY_CONFIRMED

    def test_bodies(self) -> None:
        assert IpnRsp.CONFIRM_SUCCESS.body() == {"RspCode": "00", "Message": "Confirm Success"}
        assert IpnRsp.INVALID_SIGNATURE.body() == {"RspCode": "97", "Message": "Invalid signature"}
        assert IpnRsp.ORDER_NOT_FOUND.body() == {"RspCode": "01", "Message": "Order not found"}
        assert IpnRsp.ORDER_ALREADY_CONFIRMED.body() == {"RspCode": "02",
                                                          "Message": "Order already confirmed"}
        assert IpnRsp.INVALID_AMOUNT.body() == {"RspCode": "04", "Message": "invalid amount"}
        assert IpnRsp.UNKNOWN_ERROR.body() == {"RspCode": "99", "Message": "Unknown error"}

    def test_vnpay_stops_retrying_only_on_00_and_02(self) -> None:
        assert {r.value for r in IpnRsp if r.final} == {"00", "02"}

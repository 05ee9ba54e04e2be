"""The custom search attributes operators use to find sagas in the Temporal UI (registered at server start,
see infra/servers.py SEARCH_ATTRIBUTES)."""

from __future__ import annotations

from temporalio import workflow
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

with workflow.unsafe.imports_passed_through():
    from domain.contracts.saga_states import SagaState

BOOKING_ID = SearchAttributeKey.for_keyword("BookingId")
USER_ID = SearchAttributeKey.for_keyword("UserId")
SHOWTIME_ID = SearchAttributeKey.for_keyword("ShowtimeId")
SAGA_STATE = SearchAttributeKey.for_keyword("SagaState")
CINEMA_ID = SearchAttributeKey.for_keyword("CinemaId")  # set at the start of a booking saga
PAYMENT_METHOD = SearchAttributeKey.for_keyword("PaymentMethod")  # set at its checkout


def refund_attributes(booking_id: object) -> TypedSearchAttributes:
    """A RefundWorkflow is found by its booking, and starts in state REFUNDING."""
    return TypedSearchAttributes([SearchAttributePair(BOOKING_ID, str(booking_id)),
                                  SearchAttributePair(SAGA_STATE, SagaState.REFUNDING.value)])

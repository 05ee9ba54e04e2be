"""One registry says which workflows and activities run on which task queue."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import httpx
from redis.asyncio import Redis
from temporalio.client import Client
from temporalio.worker import Worker

from activities.bookings import BookingActivities
from activities.fnb import FnbActivities
from activities.loyalty import LoyaltyActivities
from activities.movies import MovieActivities
from activities.notifications import NotificationActivities
from activities.payments import PaymentActivities
from activities.promotions import PromotionActivities
from activities.showtimes import ShowtimeActivities
from activities.system import SystemActivities
from domain.contracts.queues import TaskQueue
from domain.promotions.time_promotions import ActiveTimePromotions
from domain.showtimes.pricing import PricingPolicy
from infra.db import SessionMaker
from infra.events.activity_context import EventContextInterceptor
from infra.events.consumer import Subscription
from infra.gateways.factory import build_gateways, payment_settings
from infra.gateways.journal import MessageJournal
from infra.gateways.settings import PaymentSettings
from infra.mail import Mailer
from infra.settings import Settings, ShowtimeSettings
from infra.storage import media_storage
from workers.loyalty_schedule import ensure_loyalty_schedule
from workers.subscribers import auth as auth_subscribers
from workers.subscribers import bookings as bookings_subscribers
from workers.subscribers import fnb as fnb_subscribers
from workers.subscribers import loyalty as loyalty_subscribers
from workers.subscribers import movies as movies_subscribers
from workers.subscribers import payments as payments_subscribers
from workers.subscribers import showtimes as showtimes_subscribers
from workers.subscribers import users as users_subscribers
from workers.sweep_schedule import ensure_sweep_schedule
from workflows.booking import BookingWorkflow
from workflows.cancellation import CancellationWorkflow, ShowtimeRefundsWorkflow
from workflows.health import HealthWorkflow
from workflows.lifecycle_sweep import LegacyCatalogSweepWorkflow, LifecycleSweepWorkflow
from workflows.loyalty_schedule import LoyaltyReviewWorkflow
from workflows.mail import SendMailWorkflow
from workflows.movie_lifecycle import MovieLifecycleWorkflow
from workflows.refund import RefundWorkflow
from workflows.showtime_lifecycle import ShowtimeLifecycleWorkflow

log = logging.getLogger("cinema.worker")


@dataclass
class WorkerDeps:
    """Clients and settings the activities need, built once per worker process (workers/main.py, tests)."""

    sessionmaker: SessionMaker
    redis: Redis
    settings: Settings
    http: httpx.AsyncClient = field(default_factory=httpx.AsyncClient)  # the gateways' one client; aclose() closes it

    async def aclose(self) -> None:
        await self.http.aclose()

    @cached_property
    def mailer(self) -> Mailer:
        s = self.settings
        return Mailer(s.resolved_smtp_host, s.resolved_smtp_port, s.smtp_sender)

    @property
    def showtimes(self) -> ShowtimeSettings:
        return self.settings.showtimes

    @property
    def ticket_secret(self) -> str:
        return self.settings.ticket_secret.get_secret_value()

    @cached_property
    def payments(self) -> PaymentSettings:
        return payment_settings(self.settings)


@dataclass(frozen=True)
class QueueSpec:
    workflows: list[type]
    activities: Callable[[WorkerDeps], list[Callable[..., Any]]]
    # Idempotent set-up run each time the queue's worker starts (e.g. ensuring a Temporal Schedule).
    on_start: Callable[[Client, WorkerDeps], Awaitable[None]] | None = None


def _system_activities(deps: WorkerDeps) -> list[Callable[..., Any]]:
    system = SystemActivities()
    return [system.ping]


def _notification_activities(deps: WorkerDeps) -> list[Callable[..., Any]]:
    notifications = NotificationActivities(deps.mailer)
    return [notifications.send_email]


def _showtime_activities(deps: WorkerDeps) -> list[Callable[..., Any]]:
    policy = PricingPolicy.from_settings(deps.showtimes.pricing, deps.showtimes.holidays)
    # Time promotions are data, as at the API edge (api/pricing.py), unless the old setting still names them.
    promotions = None if "promotions" in deps.showtimes.pricing else ActiveTimePromotions(deps.sessionmaker)
    showtimes = ShowtimeActivities(deps.sessionmaker, deps.redis, policy, promotions)
    return [showtimes.lock_seats, showtimes.release_seats, showtimes.advance_showtime_status,
            showtimes.sweep_showtimes, showtimes.arm_showtime_timers]


def _movie_activities(deps: WorkerDeps) -> list[Callable[..., Any]]:
    movies = MovieActivities(deps.sessionmaker)
    return [movies.advance_movie_status, movies.sweep_movies]


def _legacy_catalog_activities(deps: WorkerDeps) -> list[Callable[..., Any]]:
    return _showtime_activities(deps) + _movie_activities(deps)


def _booking_activities(deps: WorkerDeps) -> list[Callable[..., Any]]:
    bookings = BookingActivities(deps.sessionmaker, deps.redis, deps.ticket_secret)
    return [bookings.create_booking, bookings.close_booking, bookings.confirm_booking, bookings.compose_confirmation,
            bookings.plan_cancellation, bookings.cancel_booking, bookings.compose_cancellation,
            bookings.compose_refund_notice]


def _promotion_activities(deps: WorkerDeps) -> list[Callable[..., Any]]:
    policy = deps.settings.loyalty.policy()
    promotions, loyalty = PromotionActivities(deps.sessionmaker, policy), LoyaltyActivities(deps.sessionmaker, policy)
    return [promotions.reserve_voucher, promotions.release_voucher, promotions.use_voucher, promotions.award_points,
            promotions.revoke_points, promotions.redeem_points, promotions.restore_points,
            promotions.release_flash_sale, promotions.sell_flash_sale, loyalty.review_loyalty_page]


def _fnb_activities(deps: WorkerDeps) -> list[Callable[..., Any]]:
    fnb = FnbActivities(deps.sessionmaker)
    return [fnb.reserve_fnb, fnb.release_fnb, fnb.sell_fnb]


def _payment_activities(deps: WorkerDeps) -> list[Callable[..., Any]]:
    gateways = build_gateways(deps.payments, redis=deps.redis, journal=MessageJournal(deps.sessionmaker),
                              http=deps.http)
    payments = PaymentActivities(deps.sessionmaker, gateways, pay_ttl=deps.payments.pay_ttl)
    return [payments.start_payment, payments.cancel_payment, payments.settle_payment, payments.refund_payment,
            payments.refund_status]


async def _showtimes_start(client: Client, deps: WorkerDeps) -> None:
    await ensure_sweep_schedule(client, every=deps.showtimes.lifecycle_sweep_interval)


async def _promotions_start(client: Client, deps: WorkerDeps) -> None:
    await ensure_loyalty_schedule(client, paused=not deps.settings.loyalty.review_schedule)


QUEUES: dict[TaskQueue, QueueSpec] = {
    TaskQueue.SYSTEM: QueueSpec(workflows=[HealthWorkflow], activities=_system_activities),
    TaskQueue.NOTIFICATIONS: QueueSpec(workflows=[SendMailWorkflow], activities=_notification_activities),
    TaskQueue.SHOWTIMES: QueueSpec(workflows=[ShowtimeLifecycleWorkflow, LifecycleSweepWorkflow],
                                   activities=_showtime_activities, on_start=_showtimes_start),
    TaskQueue.MOVIES: QueueSpec(workflows=[MovieLifecycleWorkflow], activities=_movie_activities),
    TaskQueue.BOOKINGS: QueueSpec(workflows=[BookingWorkflow, CancellationWorkflow, ShowtimeRefundsWorkflow,
                                             RefundWorkflow],
                                  activities=_booking_activities),
    TaskQueue.PROMOTIONS: QueueSpec(workflows=[LoyaltyReviewWorkflow], activities=_promotion_activities,
                                    on_start=_promotions_start),
    TaskQueue.PAYMENTS: QueueSpec(workflows=[], activities=_payment_activities),
    TaskQueue.FNB: QueueSpec(workflows=[], activities=_fnb_activities),
    # Legacy: the showtimes and movies queues were one `cinema-catalog` queue. Lifecycle timers and sweeps
    # started on it, and sagas that held seats before the `seats-on-showtimes-queue` patch, still schedule
    # work there, so it serves the same workflows and activities. Removable once no workflow runs on it
    # (see TaskQueue.LEGACY_CATALOG), together with LegacyCatalogSweepWorkflow.
    TaskQueue.LEGACY_CATALOG: QueueSpec(workflows=[ShowtimeLifecycleWorkflow, MovieLifecycleWorkflow,
                                                   LegacyCatalogSweepWorkflow],
                                        activities=_legacy_catalog_activities),
}

# Every workflow type once (the legacy queue serves some of them twice), e.g. for the Replayer.
ALL_WORKFLOWS = list(dict.fromkeys(wf for spec in QUEUES.values() for wf in spec.workflows))


def subscriptions(client: Client, deps: WorkerDeps) -> list[Subscription]:
    """Every consumer group the worker process runs (infra/events/consumer.py)."""
    s = deps.settings
    links = auth_subscribers.MailLinks(key=s.jwt_secret.get_secret_value(), app_url=s.resolved_app_url,
                                       verify_ttl=s.email_token_ttl, reset_ttl=s.reset_token_ttl)
    return [
        auth_subscribers.auth_mails(client, links),
        auth_subscribers.password_resets(links),
        showtimes_subscribers.lifecycle_timers(client),
        showtimes_subscribers.seat_maps(deps.redis),
        movies_subscribers.lifecycle_timers(client),
        bookings_subscribers.showtime_refunds(client),
        bookings_subscribers.payment_results(client),
        bookings_subscribers.refunded_tickets(client),
        fnb_subscribers.cancelled_orders(),
        loyalty_subscribers.tier_upgrades(s.loyalty.policy()),
        loyalty_subscribers.refunded_shares(),
        payments_subscribers.refunds(client, refund_poll=deps.payments.refund_poll_interval),
        users_subscribers.old_avatars(media_storage(s)),
    ]


class _SetUpWorker(Worker):
    """A worker that runs its queue's set-up before polling; a failed set-up is logged, not fatal."""

    def __init__(self, *args: Any, set_up: Callable[[], Awaitable[None]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_up = set_up

    async def run(self) -> None:
        try:
            await self._set_up()
        except Exception:
            log.exception("set-up of the %s worker failed; serving it anyway", self.task_queue)
        await super().run()


def build_worker(client: Client, queue: TaskQueue, deps: WorkerDeps) -> Worker:
    spec = QUEUES[queue]
    options: dict[str, Any] = dict(task_queue=queue, workflows=spec.workflows, activities=spec.activities(deps),
                                   interceptors=[EventContextInterceptor()])
    if spec.on_start is None:
        return Worker(client, **options)
    on_start = spec.on_start
    return _SetUpWorker(client, **options, set_up=lambda: on_start(client, deps))

"""MovieLifecycleWorkflow: one durable timer workflow per movie, `movie-lifecycle-{id}`.

Coming → Showing at local midnight of the release date, Showing → Ended when its end date is over;
then it returns. `reschedule` (new dates) moves the timers and `stop` ends it (movie deleted). A movie
with no end date waits for one. Steps are forward-only and check that the movie's dates are still the
ones the timer was set from; if not, the workflow adopts the database's dates and waits again.
It runs on the movies queue, and its step on the workflow's own queue (so a timer started on the
legacy `cinema-catalog` queue keeps its steps there).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.movies import MovieActivities
    from domain.movies.lifecycle import AdvanceMovie, MovieDates, MovieState, due_movie_status
    from domain.movies.models import MovieStatus
    from workflows.showtime_lifecycle import STEP


@workflow.defn
class MovieLifecycleWorkflow:
    @workflow.init
    def __init__(self, dates: MovieDates) -> None:
        self._dates = dates
        self._applied: MovieStatus | None = None  # the status last set (or found) for these dates
        self._changed = False
        self._stopped = False

    @workflow.run
    async def run(self, dates: MovieDates) -> MovieStatus | None:
        while not self._stopped:
            show_at, end_at = self._dates.resolved_show_at(), self._dates.resolved_end_at()
            due = due_movie_status(show_at=show_at, end_at=end_at, as_of=workflow.now())
            if due is not MovieStatus.COMING and due is not self._applied:
                state = await self._advance(due)
                if state.finished:
                    self._applied = state.status
                    break
                if (state.release_date, state.end_date) != (self._dates.release_date, self._dates.end_date):
                    # Dates changed under us: the database wins, the instants follow its dates.
                    self._dates = MovieDates(
                        movie_id=state.movie_id, release_date=state.release_date, end_date=state.end_date
                    )
                    continue
                self._applied = due
            await self._sleep_until(show_at if due is MovieStatus.COMING else end_at)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._applied

    async def _advance(self, target: MovieStatus) -> MovieState:
        step = AdvanceMovie(
            movie_id=self._dates.movie_id,
            target=target,
            release_date=self._dates.release_date,
            end_date=self._dates.end_date,
        )
        return await workflow.execute_activity_method(
            MovieActivities.advance_movie_status, step, **STEP
        )

    async def _sleep_until(self, moment: datetime | None) -> None:
        """A durable timer to `moment` (forever when None), cut short by a signal."""
        self._changed = False
        timeout = None if moment is None else max(moment - workflow.now(), timedelta(0))
        if timeout == timedelta(0):
            return
        try:
            await workflow.wait_condition(lambda: self._changed or self._stopped, timeout=timeout)
        except TimeoutError:
            pass

    @workflow.signal
    def reschedule(self, dates: MovieDates) -> None:
        """The movie's dates changed: wait for the new ones."""
        self._dates = dates
        self._applied = None
        self._changed = True

    @workflow.signal
    def stop(self) -> None:
        """The movie was deleted: stop waiting."""
        self._stopped = True

    @workflow.query
    def dates(self) -> MovieDates:
        return self._dates

"""Announcements and callbacks (virtual hold): what a caller hears and chooses before queueing.

Both act at the queue door, after the attempt is counted ``offered``:

1. An announcement plays when the queue (or the expected wait) passes its threshold; a share of
   callers hang up on hearing it: ``balked`` (also counted ``abandoned``, with wait 0).
2. When the expected wait exceeds ``offer_when_wait_exceeds`` a callback is offered
   (``callbacks_offered``); a share accepts (``callbacks_accepted``) and leaves the live queue.
   A kept promise joins the type's callback queue (now, or at the promised time) and is called
   back when an agent is free, ahead of or behind live calls: ``callbacks_kept``, counted
   ``answered`` with the wait it had in the live queue (the service level sees the live wait;
   ``callback_wait_seconds`` shows the time to callback). A broken promise (share 1 - keep_rate,
   and any callback still pending at the close) is ``callbacks_broken`` and counted
   ``abandoned``; the customer contacts again after ``broken.delay`` with shorter patience.

Expected wait = (contacts waiting + 1) x mean handle time / agents serving the type (0 when an
agent is free): the estimate an ACD announces.
"""

from __future__ import annotations

from ..entities import SERVED, WAITING
from ..routing import callback_queues, longest_idle_pool
from ..seam import TypeBehaviour


class QueueDoor(TypeBehaviour):
    name = "announcement_callback"
    layer = 35  # a kept callback's answer is counted inside the journey's (which sees every answer)
    wraps = ("queue_door", "answer", "log_served")
    counters = (
        "callbacks_offered",
        "callbacks_accepted",
        "callbacks_kept",  # callbacks made (the customer was called back); counted answered
        "callbacks_broken",  # promises not kept (incl. callbacks still pending at the close); counted abandoned
        "callback_wait_sum",  # seconds from accepting to being called back, over kept callbacks
        "balked",  # hung up on hearing an announcement; counted abandoned (with wait 0)
    )
    streams = ("balk", "callback")
    metrics = ("balked", "callbacks_offered", "callbacks_accepted", "callbacks_kept", "callbacks_broken", "callback_wait_seconds")

    @staticmethod
    def section(contact_type):
        if contact_type.announcement is None and contact_type.callback is None:
            return None
        return contact_type

    def __init__(self, engine, type_index, type_name, contact_type):
        super().__init__(engine, type_index, type_name, contact_type)
        #: the type's callback queue (a kept promise waits there for a free agent), if it has callbacks
        self.callback_queue = None
        if contact_type.callback is not None:
            self.callback_queue = engine.add_queue()
            assert self.callback_queue == callback_queues(engine.scenario)[type_index], "callback queues are added in type order"

    def callback_due(self, contact) -> None:
        """A kept callback becomes due: a free agent calls now, or it waits in the callback queue."""
        engine = self.engine
        best = longest_idle_pool(engine.pools_for[self.type_index])
        if best is not None:
            engine.answer(best.free.popleft(), contact)
            return
        engine.queue_level(self.callback_queue, engine.env.now, +1)
        engine.queues[self.callback_queue].append(contact)

    def _expected_wait(self):
        engine, type_index = self.engine, self.type_index
        pools, waiting = engine.pools_for[type_index], engine.waiting
        mean_handle = self.config.handle_time.expectation

        def expected_wait() -> float:
            agents = 0
            for pool in pools:
                if pool.free:
                    return 0.0
                agents += pool.staffed - pool.pending_leave
            return (waiting[type_index] + 1) * mean_handle / max(agents, 1)

        return expected_wait

    def queue_door(self, inner):
        engine, name, type_index = self.engine, self.type_name, self.type_index
        env, journeys, counters = engine.env, engine.journeys, engine.counters
        expected_wait = self._expected_wait()
        announcement, callback = self.config.announcement, self.config.callback
        balked = counters["balked"]
        if announcement is not None:
            balks = self.uniforms("balk", name)
            by_queue = announcement.when_queue_exceeds is not None
            threshold = announcement.when_queue_exceeds if by_queue else announcement.when_expected_wait_exceeds
            balk_probability = announcement.balk_probability
        if callback is not None:
            accepts = self.uniforms("callback", name)
            keeps = self.uniforms("callback", f"{name}/keep")
            offer_s, accept_probability, keep_rate = callback.offer_when_wait_exceeds, callback.accept_probability, callback.keep_rate
            offered, accepted, broken = counters["callbacks_offered"], counters["callbacks_accepted"], counters["callbacks_broken"]
            promised, promised_delay = callback.when == "promised", callback.promised_delay
            due = self.callback_due
            broken_cfg = callback.broken
            if broken_cfg is not None:
                recontacts = self.uniforms("callback", f"{name}/recontact")
                recontact_delay = self.draws(broken_cfg.delay, "callback", f"{name}/broken_delay")
                patience_factor = broken_cfg.patience_factor
                redials = counters["redials"]

                def recontact(wake) -> None:
                    old = wake.subject
                    customer = old.customer
                    customer.attempts += 1
                    patience = journeys.repeat_patience[type_index]() * patience_factor
                    engine.present(journeys.attempt(type_index, old.handle, patience, customer), redials)

                recontact_handlers = (recontact,)

            def on_promised(wake) -> None:
                due(wake.subject)

            promised_handlers = (on_promised,)

        def queue_door(contact) -> None:
            now = env.now
            slot = contact.arrival_slot
            expected = None
            if announcement is not None:
                if by_queue:
                    loud = engine.waiting[type_index] > threshold
                else:
                    expected = expected_wait()
                    loud = expected > threshold
                if loud and balks() < balk_probability:
                    balked[type_index][slot] += 1
                    engine.record_abandon(contact, now, "balked")
                    engine.after_abandon[type_index](contact, now, True)
                    return
            if callback is not None:
                if expected is None:
                    expected = expected_wait()
                if expected > offer_s:
                    offered[type_index][slot] += 1
                    if accepts() < accept_probability:
                        accepted[type_index][slot] += 1
                        if keeps() < keep_rate:
                            contact.callback_at = now
                            contact.state = WAITING
                            if promised:
                                engine.wake_after(promised_delay, promised_handlers, contact)
                            else:
                                due(contact)
                        else:
                            broken[type_index][slot] += 1
                            engine.record_abandon(contact, now, "callback_broken")
                            if broken_cfg is not None and recontacts() < broken_cfg.recontact_probability:
                                engine.wake_after(recontact_delay(), recontact_handlers, contact)
                            else:
                                journeys.unresolved(contact.customer)
                        return
            inner(contact)

        return queue_door

    def answer(self, inner):
        """A kept callback of this type is counted answered with its live-queue wait, and kept with its
        time to callback; any other answer goes on to ``inner`` (another type's door, the engine)."""
        if self.callback_queue is None:
            return inner
        engine, own_type = self.engine, self.type_index
        env, counters, sl_seconds = engine.env, engine.counters, engine.sl_seconds
        answered, wait_answered, wait_all, within_sl = counters["answered"], counters["wait_answered_sum"], counters["wait_all_sum"], counters["within_sl"]
        kept, callback_wait = counters["callbacks_kept"], counters["callback_wait_sum"]

        def answer(agent, contact) -> None:
            if contact.callback_at is None or contact.type_index != own_type:
                inner(agent, contact)
                return
            now = env.now
            contact.state = SERVED
            contact.answered = now
            type_index, slot = contact.type_index, contact.arrival_slot
            live_wait = contact.callback_at - contact.arrived
            answered[type_index][slot] += 1
            wait_answered[type_index][slot] += live_wait
            wait_all[type_index][slot] += live_wait
            if live_wait <= sl_seconds[type_index]:
                within_sl[type_index][slot] += 1
            engine.tally.record_wait(type_index, slot, live_wait)
            kept[type_index][slot] += 1
            callback_wait[type_index][slot] += now - contact.callback_at
            engine.begin_work(agent, contact, contact.handle)

        return answer

    def log_served(self, inner):
        """A kept callback's row in the contact log says so."""
        if self.callback_queue is None:
            return inner

        def log_served(contact, now: float, pool_index: int, outcome: str = "answered") -> None:
            inner(contact, now, pool_index, "callback_kept" if contact.callback_at is not None else outcome)

        return log_served

"""Announcements and callbacks (virtual hold): what a caller hears and chooses before queueing.

Both act at the door of the queue, after the attempt is counted ``offered``:

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

from simpy.events import NORMAL

from .. import streams
from . import callback_queues


def install(e) -> list[str]:
    sc = e.scenario
    installed = []
    cbq = callback_queues(sc)
    if cbq:
        _add_callback_queues(e, len(cbq))
    for k, (name, ct) in enumerate(sc.contact_types.items()):
        if ct.announcement is None and ct.callback is None:
            continue
        _install_door(e, k, name, ct, cbq.get(k))
        if ct.announcement is not None:
            installed.append(f"announcement:{name}")
        if ct.callback is not None:
            installed.append(f"callback:{name}")
    if cbq:
        e.start_callback = _starter(e)
    return installed


def _add_callback_queues(e, extra: int) -> None:
    """Callback queues sit after the types' queues; their tally rows are dropped at the end."""
    from collections import deque

    t = e.tally
    for _ in range(extra):
        e.queues.append(deque())
        e.waiting.append(0)
        e.q_last.append(0.0)
        for rows in t.type_counters.values():
            rows.append([0] * t.n_slots)
        t.wait_hist.append([None] * t.n_slots)
    n = e.n_types

    def drop_rows(stats) -> None:
        for key, arr in stats.counters.items():
            stats.counters[key] = arr[:n]
        stats.day_wait_hist = stats.day_wait_hist[:n]
        stats.wait_quantiles = {q: arr[:n] for q, arr in stats.wait_quantiles.items()}

    e.finishers.insert(0, drop_rows)


def _expected_wait(e, k: int, mean_handle: float):
    pools = e.pools_for[k]
    waiting = e.waiting

    def expected_wait() -> float:
        agents = 0
        for p in pools:
            if p.free:
                return 0.0
            agents += p.staffed - p.pending_leave
        return (waiting[k] + 1) * mean_handle / max(agents, 1)

    return expected_wait


def _install_door(e, k: int, name: str, ct, qi: int | None) -> None:
    from ..engine import WAITING, _Wake, longest_idle_pool

    sc, env = e.scenario, e.env
    C = e.tally.type_counters
    gen = lambda purpose, label="": streams.generator(sc.seed, e.replication, purpose, f"{name}{label}")  # noqa: E731
    inner = e.door[k]
    expected_wait = _expected_wait(e, k, ct.handle_time.expectation)
    ann, cb = ct.announcement, ct.callback
    balked = C["balked"]
    if ann is not None:
        balk_u = streams.uniforms(gen("balk"))
        by_queue = ann.when_queue_exceeds is not None
        threshold = ann.when_queue_exceeds if by_queue else ann.when_expected_wait_exceeds
        balk_p = ann.balk_probability
    if cb is not None:
        accept_u = streams.uniforms(gen("callback"))
        keep_u = streams.uniforms(gen("callback", "/keep"))
        offer_s, accept_p, keep_rate = cb.offer_when_wait_exceeds, cb.accept_probability, cb.keep_rate
        offered, accepted, broken = C["callbacks_offered"], C["callbacks_accepted"], C["callbacks_broken"]
        promised = cb.when == "promised"
        promised_delay = cb.promised_delay
        pools = e.pools_for[k]
        queue = e.queues[qi]
        br = cb.broken
        unresolved = C["customers_unresolved"]
        if br is not None:
            recontact_u = streams.uniforms(gen("callback", "/recontact"))
            recontact_delay = streams.draws(br.delay, gen("callback", "/broken_delay"))
            factor = br.patience_factor
            redials = C["redials"]

            def recontact(wake) -> None:
                old = wake.target
                cust = old.customer
                cust.attempts += 1
                e.present(e.attempt(k, old.handle, e.repeat_patience[k]() * factor, cust), redials)

            recontact_cb = (recontact,)

        def due(contact) -> None:
            """A kept callback becomes due: a free agent calls now, or it waits in the callback queue."""
            best = longest_idle_pool(pools)
            if best is not None:
                e._start(best.free.popleft(), contact)
                return
            e._queue_level(qi, env._now, +1)
            queue.append(contact)

        def on_promised(wake) -> None:
            due(wake.target)

        promised_cb = (on_promised,)

    def door(contact) -> None:
        now = env._now
        slot = contact.slot
        ew = None
        if ann is not None:
            if by_queue:
                loud = e.waiting[k] > threshold
            else:
                ew = expected_wait()
                loud = ew > threshold
            if loud and balk_u() < balk_p:
                balked[k][slot] += 1
                e.record_abandon(contact, now)
                e.after_abandon[k](contact, now, True)
                return
        if cb is not None:
            if ew is None:
                ew = expected_wait()
            if ew > offer_s:
                offered[k][slot] += 1
                if accept_u() < accept_p:
                    accepted[k][slot] += 1
                    if keep_u() < keep_rate:
                        contact.cb_at = now
                        contact.state = WAITING
                        if promised:
                            wake = _Wake(contact)
                            wake.callbacks = promised_cb
                            env.schedule(wake, NORMAL, promised_delay)
                        else:
                            due(contact)
                    else:
                        broken[k][slot] += 1
                        e.record_abandon(contact, now)
                        if br is not None and recontact_u() < br.recontact_probability:
                            wake = _Wake(contact)
                            wake.callbacks = recontact_cb
                            env.schedule(wake, NORMAL, recontact_delay())
                        else:
                            e.finish(contact.customer, unresolved)
                    return
        inner(contact)

    e.door[k] = door


def _starter(e):
    """Start a kept callback: counted answered with its live-queue wait, and kept with its time to callback."""
    from ..engine import SERVED

    env = e.env
    C = e.tally.type_counters
    answered, wait_answered, wait_all, within_sl = C["answered"], C["wait_answered_sum"], C["wait_all_sum"], C["within_sl"]
    kept, cb_wait = C["callbacks_kept"], C["callback_wait_sum"]
    sl_seconds = e.sl_seconds

    def start_callback(agent, contact) -> None:
        now = env._now
        contact.state = SERVED
        contact.answered = now
        k, slot = contact.kind, contact.slot
        live = contact.cb_at - contact.arrived
        answered[k][slot] += 1
        wait_answered[k][slot] += live
        wait_all[k][slot] += live
        if live <= sl_seconds[k]:
            within_sl[k][slot] += 1
        e.tally.record_wait(k, slot, live)
        kept[k][slot] += 1
        cb_wait[k][slot] += now - contact.cb_at
        e.occupy(agent, contact, contact.handle)

    return start_callback

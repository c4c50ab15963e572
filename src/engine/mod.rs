//! The discrete-event kernel. It knows nothing of Kubernetes.
//!
//! An [`Engine`] holds the clock and a queue of pending events of any type
//! `E`. Events are ordered by (time, sequence number): two events at the same
//! time come out in the order they were scheduled (FIFO), so a run is a pure
//! function of its inputs. Timers can be cancelled. The caller owns the loop:
//! `pop` the next event, handle it, schedule follow-ups.
//!
//! ```
//! use kubesim::engine::{Engine, SimDuration, SimTime};
//! let mut engine = Engine::new();
//! engine.schedule_in(SimDuration::from_secs(2), "second");
//! engine.schedule_in(SimDuration::from_secs(1), "first");
//! let timer = engine.schedule_in(SimDuration::from_secs(1), "cancelled");
//! engine.cancel(timer);
//! let mut seen = Vec::new();
//! engine.run_until(SimTime(10_000), |_, _, e| seen.push(e));
//! assert_eq!(seen, ["first", "second"]);
//! assert_eq!(engine.now(), SimTime(10_000));
//! ```

mod queue;
mod rng;
mod time;

pub use queue::{EventId, EventQueue};
pub use rng::{RngStreams, SimRng};
pub use time::{SimDuration, SimTime};

/// The simulation clock and its pending events.
#[derive(Debug)]
pub struct Engine<E> {
    now: SimTime,
    queue: EventQueue<E>,
    processed: u64,
}

impl<E> Default for Engine<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Engine<E> {
    /// An engine at time zero with nothing pending.
    pub fn new() -> Self {
        Engine {
            now: SimTime::ZERO,
            queue: EventQueue::new(),
            processed: 0,
        }
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// How many events have been popped so far (cancelled ones excluded).
    pub fn processed(&self) -> u64 {
        self.processed
    }

    /// Number of pending (not cancelled) events.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// The pending events (cancelled ones excluded), in no particular
    /// order: for finding what they refer to.
    pub fn pending_events(&self) -> impl Iterator<Item = &E> + '_ {
        self.queue.pending_events()
    }

    /// Schedules `event` at absolute time `at`.
    ///
    /// # Panics
    /// If `at` is in the past: that is a bug in the caller, never user input.
    pub fn schedule_at(&mut self, at: SimTime, event: E) -> EventId {
        assert!(
            at >= self.now,
            "event scheduled in the past: at {at} but now is {}",
            self.now
        );
        self.queue.push(at, event)
    }

    /// Schedules `event` after `delay` from now.
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) -> EventId {
        self.queue.push(self.now + delay, event)
    }

    /// Cancels a pending event. Returns false if it already fired or was
    /// cancelled before.
    pub fn cancel(&mut self, id: EventId) -> bool {
        self.queue.cancel(id)
    }

    /// Time of the next pending event, if any.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// Pops the next event and advances the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let (t, e) = self.queue.pop()?;
        debug_assert!(t >= self.now, "time went backwards");
        self.now = t;
        self.processed += 1;
        Some((t, e))
    }

    /// Pops and handles events up to and including `limit`, then sets the
    /// clock to `limit`. Events after `limit` stay pending.
    pub fn run_until<F>(&mut self, limit: SimTime, mut handle: F)
    where
        F: FnMut(&mut Self, SimTime, E),
    {
        while let Some(t) = self.queue.peek_time() {
            if t > limit {
                break;
            }
            let (t, e) = self.pop().expect("peeked an event");
            handle(self, t, e);
        }
        if limit > self.now {
            self.now = limit;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_are_fifo() {
        let mut e = Engine::new();
        for i in 0..100 {
            e.schedule_at(SimTime(5), i);
        }
        e.schedule_at(SimTime(1), -1);
        let order: Vec<i32> = std::iter::from_fn(|| e.pop().map(|(_, x)| x)).collect();
        let mut expected = vec![-1];
        expected.extend(0..100);
        assert_eq!(order, expected);
    }

    #[test]
    fn cancelled_events_never_fire_and_do_not_count() {
        let mut e = Engine::new();
        let a = e.schedule_at(SimTime(1), 'a');
        let b = e.schedule_at(SimTime(2), 'b');
        e.schedule_at(SimTime(3), 'c');
        assert!(e.cancel(b));
        assert!(!e.cancel(b), "second cancel is a no-op");
        assert_eq!(e.pending(), 2);
        assert_eq!(e.pop(), Some((SimTime(1), 'a')));
        assert!(!e.cancel(a), "cancelling a fired event is a no-op");
        assert_eq!(e.pop(), Some((SimTime(3), 'c')));
        assert_eq!(e.pop(), None);
        assert_eq!(e.processed(), 2);
    }

    #[test]
    fn run_until_stops_at_the_limit_and_keeps_later_events() {
        let mut e = Engine::new();
        e.schedule_at(SimTime(10), 1);
        e.schedule_at(SimTime(20), 2);
        let mut seen = vec![];
        e.run_until(SimTime(10), |eng, t, x| {
            seen.push((t, x));
            // Follow-ups at the same instant still run before the limit ends.
            if x == 1 {
                eng.schedule_in(SimDuration::ZERO, 3);
            }
        });
        assert_eq!(seen, [(SimTime(10), 1), (SimTime(10), 3)]);
        assert_eq!(e.now(), SimTime(10));
        assert_eq!(e.pending(), 1);
    }

    #[test]
    #[should_panic(expected = "in the past")]
    fn scheduling_in_the_past_is_a_bug() {
        let mut e = Engine::new();
        e.schedule_at(SimTime(10), ());
        e.pop();
        e.schedule_at(SimTime(5), ());
    }
}

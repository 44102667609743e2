//! How many plans the server solves at once, and which solve a newer request stops.
//!
//! Solves run one per slot; there are as many slots as cores, so the machine stays
//! responsive, and requests beyond them wait (up to [`MAX_WAITING`], then are refused).
//! Each slot owns a cancellation flag for the library's search ([`crate::solve::Cancel`]
//! takes a `&'static` flag: the slots' flags are made once, when the server starts).
//!
//! A request may name its session (the page sends one per open tab): a newer request of
//! the same session stops the older one, waiting or solving, which then answers
//! "superseded". A request whose client went away stops its solve too. Requests without a
//! session are never stopped by others.

use crate::solve::Cancel;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Most requests waiting for a slot; more are refused (503) rather than queued forever.
pub const MAX_WAITING: usize = 64;

/// Why a request got no slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoSlot {
    /// A newer request of the same session came first.
    Superseded,
    /// Too many requests are waiting.
    Busy,
}

struct State {
    /// Each slot's cancellation flag, made once.
    flags: Vec<&'static AtomicBool>,
    /// The request solving in each slot.
    owner: Vec<Option<u64>>,
    /// The slots no request holds.
    free: Vec<usize>,
    /// Each session's latest request: its id and its "stopped" mark.
    sessions: HashMap<String, (u64, Arc<AtomicBool>)>,
}

impl State {
    /// Stops request `id`'s solve, if it is solving.
    fn stop(&self, id: u64) {
        for (i, o) in self.owner.iter().enumerate() {
            if *o == Some(id) {
                self.flags[i].store(true, Ordering::Relaxed);
            }
        }
    }
}

/// The slots of one server.
pub struct Slots {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    next: AtomicU64,
    state: Mutex<State>,
}

/// A request's place: its session entry, and its slot once it has one. Dropping it before
/// [`Ticket::finish`] (the client went away, or the request failed) stops its solve, if
/// still running, and frees its session entry.
pub struct Ticket {
    slots: Arc<Slots>,
    id: u64,
    session: Option<String>,
    stopped: Arc<AtomicBool>,
    done: bool,
}

/// A solve in a slot: frees the slot when dropped (the solve ended).
pub struct Running {
    slots: Arc<Slots>,
    slot: usize,
    _permit: OwnedSemaphorePermit,
}

impl Slots {
    /// `n` slots (at least one).
    pub fn new(n: usize) -> Arc<Slots> {
        let n = n.max(1);
        Arc::new(Slots {
            permits: Arc::new(Semaphore::new(n)),
            waiting: AtomicUsize::new(0),
            next: AtomicU64::new(1),
            state: Mutex::new(State {
                flags: (0..n)
                    .map(|_| &*Box::leak(Box::new(AtomicBool::new(false))))
                    .collect(),
                owner: vec![None; n],
                free: (0..n).rev().collect(),
                sessions: HashMap::new(),
            }),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a request of `session` (stopping the session's older one).
    pub fn enter(self: &Arc<Self>, session: Option<&str>) -> Ticket {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let stopped = Arc::new(AtomicBool::new(false));
        if let Some(s) = session {
            let mut st = self.state();
            if let Some((old, mark)) = st.sessions.insert(s.to_string(), (id, stopped.clone())) {
                mark.store(true, Ordering::Relaxed);
                st.stop(old);
            }
        }
        Ticket {
            slots: self.clone(),
            id,
            session: session.map(str::to_string),
            stopped,
            done: false,
        }
    }
}

impl Ticket {
    /// Whether a newer request of the session stopped this one.
    pub fn superseded(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }

    /// Waits for a slot: the solve's guard and its cancellation.
    pub async fn slot(&self) -> Result<(Running, Cancel), NoSlot> {
        let slots = &self.slots;
        if slots.waiting.fetch_add(1, Ordering::Relaxed) >= MAX_WAITING {
            slots.waiting.fetch_sub(1, Ordering::Relaxed);
            return Err(NoSlot::Busy);
        }
        let permit = slots.permits.clone().acquire_owned().await;
        slots.waiting.fetch_sub(1, Ordering::Relaxed);
        let permit = permit.map_err(|_| NoSlot::Busy)?;
        let mut st = slots.state();
        if self.superseded() {
            return Err(NoSlot::Superseded);
        }
        let slot = st.free.pop().expect("a free slot for every permit");
        st.owner[slot] = Some(self.id);
        let flag = st.flags[slot];
        flag.store(false, Ordering::Relaxed);
        Ok((
            Running {
                slots: slots.clone(),
                slot,
                _permit: permit,
            },
            Cancel::new(flag),
        ))
    }

    /// Marks the request answered; says whether it was superseded meanwhile (its answer
    /// is then not the session's latest).
    pub fn finish(mut self) -> bool {
        self.done = true;
        self.superseded()
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut st = self.slots.state();
        if let Some(s) = &self.session
            && st.sessions.get(s).is_some_and(|(id, _)| *id == self.id)
        {
            st.sessions.remove(s);
        }
        if !self.done {
            st.stop(self.id);
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut st = self.slots.state();
        st.owner[self.slot] = None;
        st.free.push(self.slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_newer_request_of_a_session_stops_the_older_one_only() {
        run(async {
            let slots = Slots::new(2);
            let a = slots.enter(Some("tab-1"));
            let (ra, ca) = a.slot().await.unwrap();
            let other = slots.enter(Some("tab-2"));
            let (ro, co) = other.slot().await.unwrap();
            let b = slots.enter(Some("tab-1"));
            assert!(ca.is_set(), "the older solve of tab-1 is stopped");
            assert!(a.superseded());
            assert!(!co.is_set(), "another session's solve goes on");
            drop(ra);
            let (rb, cb) = b.slot().await.unwrap();
            assert!(!cb.is_set(), "a reused slot starts unstopped");
            assert!(a.finish());
            assert!(!b.finish());
            drop((rb, ro));
            assert!(!other.finish());
        });
    }

    #[test]
    fn a_request_dropped_mid_solve_stops_its_solve_and_nothing_else() {
        run(async {
            let slots = Slots::new(1);
            let a = slots.enter(None);
            let (ra, ca) = a.slot().await.unwrap();
            drop(a);
            assert!(ca.is_set());
            drop(ra);
            let b = slots.enter(None);
            let (_rb, cb) = b.slot().await.unwrap();
            assert!(!cb.is_set());
        });
    }

    #[test]
    fn a_request_superseded_while_waiting_gets_no_slot() {
        run(async {
            let slots = Slots::new(1);
            let busy = slots.enter(None);
            let (r, _) = busy.slot().await.unwrap();
            let a = slots.enter(Some("s"));
            let _b = slots.enter(Some("s"));
            drop(r);
            assert_eq!(a.slot().await.err(), Some(NoSlot::Superseded));
        });
    }
}

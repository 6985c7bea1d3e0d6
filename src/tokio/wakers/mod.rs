//! Wakers that let the two halves of a split stream poll the same transport
//! and timer without stealing each other's wakeups.
//!
//! A transport keeps one waker per direction, and a `Sleep` keeps one: if
//! the read half registered its waker for writability (to write a pong) and
//! then the write half registered its own, the read half would never hear
//! about it. So neither half hands its own waker to the transport. Each
//! resource (reading, writing, the timer) gets a [`Slot`] whose waker wakes
//! every half that waited on that resource; the halves record themselves in
//! the slot before each poll.
//!
//! A slot's lock only guards two `Option<Waker>`s, consistent at every
//! instant, so a poisoned slot (a waker of the caller's that panicked while
//! cloned or dropped) is used as it is.

use std::sync::{Arc, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use sync::Mutex;

/// The slots' lock: loom's under `--cfg rfc6455_loom`, so that the model below
/// explores every interleaving of the halves and the resources.
mod sync {
    #[cfg(all(test, rfc6455_loom))]
    pub(super) use loom::sync::Mutex;
    #[cfg(not(all(test, rfc6455_loom)))]
    pub(super) use std::sync::Mutex;
}

/// Which half of a split stream is polling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Half {
    Read = 0,
    Write = 1,
}

impl Half {
    fn other(self) -> Half {
        match self {
            Half::Read => Half::Write,
            Half::Write => Half::Read,
        }
    }
}

/// What a poll waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resource {
    Read = 0,
    Write = 1,
    Timer = 2,
}

/// The tasks waiting on one resource, at most one per half.
#[derive(Debug)]
struct Slot {
    tasks: Mutex<[Option<Waker>; 2]>,
}

impl Slot {
    fn new() -> Self {
        Slot {
            tasks: Mutex::new([None, None]),
        }
    }

    fn register(&self, half: Half, waker: &Waker) {
        let mut tasks = self.tasks.lock().unwrap_or_else(PoisonError::into_inner);
        let task = &mut tasks[half as usize];
        if !task.as_ref().is_some_and(|t| t.will_wake(waker)) {
            *task = Some(waker.clone());
        }
    }

    fn take(&self, half: Half) -> Option<Waker> {
        self.tasks.lock().unwrap_or_else(PoisonError::into_inner)[half as usize].take()
    }
}

impl Wake for Slot {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Taken under the lock, woken outside it.
        let tasks =
            core::mem::take(&mut *self.tasks.lock().unwrap_or_else(PoisonError::into_inner));
        for task in tasks.into_iter().flatten() {
            task.wake();
        }
    }
}

/// One slot per resource, with the waker handed to that resource.
#[derive(Debug)]
pub(crate) struct Wakers {
    slots: [(Arc<Slot>, Waker); 3],
}

impl Wakers {
    pub(crate) fn new() -> Self {
        let slot = || {
            let slot = Arc::new(Slot::new());
            let waker = Waker::from(slot.clone());
            (slot, waker)
        };
        Wakers {
            slots: [slot(), slot(), slot()],
        }
    }

    /// Wakes whatever the other half of `half` waits on: it may now make
    /// progress because of what `half` did.
    pub(crate) fn wake_other(&self, half: Half) {
        for (slot, _) in &self.slots {
            if let Some(task) = slot.take(half.other()) {
                task.wake();
            }
        }
    }
}

/// How a poll reaches the transport and the timer: with the caller's own
/// context (an unsplit stream), or through the shared slots (a half).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Poller<'a> {
    Direct,
    Shared(&'a Wakers, Half),
}

impl Poller<'_> {
    /// Runs `poll` on `resource`, so that its wakeup reaches this caller
    /// (and, for a half, the other half too if it waits on the same thing).
    pub(crate) fn poll<T>(
        self,
        resource: Resource,
        cx: &mut Context<'_>,
        poll: impl FnOnce(&mut Context<'_>) -> Poll<T>,
    ) -> Poll<T> {
        match self {
            Poller::Direct => poll(cx),
            Poller::Shared(wakers, half) => {
                let (slot, waker) = &wakers.slots[resource as usize];
                slot.register(half, cx.waker());
                poll(&mut Context::from_waker(waker))
            }
        }
    }
}

#[cfg(all(test, rfc6455_loom))]
mod loom_model;

#[cfg(all(test, not(rfc6455_loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_resource_wakeup_reaches_both_halves_that_waited_on_it() {
        let wakers = Wakers::new();
        let read = Arc::new(Count(AtomicUsize::new(0)));
        let write = Arc::new(Count(AtomicUsize::new(0)));
        let mut stored = None;
        for (half, count) in [(Half::Read, &read), (Half::Write, &write)] {
            let waker = Waker::from(count.clone());
            let mut cx = Context::from_waker(&waker);
            // The resource keeps only the last waker it was given.
            let _ = Poller::Shared(&wakers, half).poll(Resource::Write, &mut cx, |cx| {
                stored = Some(cx.waker().clone());
                Poll::<()>::Pending
            });
        }
        stored.unwrap().wake();
        assert_eq!(read.0.load(Ordering::SeqCst), 1);
        assert_eq!(write.0.load(Ordering::SeqCst), 1);
    }
}

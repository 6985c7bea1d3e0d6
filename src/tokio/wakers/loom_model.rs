//! A loom model of the waker slots: every interleaving of the two halves,
//! a resource that fires and a state change, checked for lost wakeups. Run
//! with `RUSTFLAGS="--cfg rfc6455_loom" cargo test --release --features tokio --lib
//! loom` (add `-- --nocapture` to see how many interleavings each explored).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering as StdOrdering};
use std::task::{Context, Poll, Wake, Waker};
use std::vec::Vec;

use loom::sync::Mutex;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

use super::{Half, Poller, Resource, Wakers};

/// A task's waker that counts its wakeups.
struct Task(AtomicUsize);

impl Task {
    fn new() -> (Arc<Task>, Waker) {
        let task = Arc::new(Task(AtomicUsize::new(0)));
        let waker = Waker::from(task.clone());
        (task, waker)
    }

    fn woken(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A transport direction as tokio's are: one stored waker, replaced by
/// each poll that finds it not ready, woken (and dropped) when it fires.
struct FakeResource {
    inner: Mutex<(bool, Option<Waker>)>,
}

impl FakeResource {
    fn new() -> Self {
        FakeResource {
            inner: Mutex::new((false, None)),
        }
    }

    fn poll(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut inner = self.inner.lock().unwrap();
        if inner.0 {
            return Poll::Ready(());
        }
        inner.1 = Some(cx.waker().clone());
        Poll::Pending
    }

    fn fire(&self) {
        let waker = {
            let mut inner = self.inner.lock().unwrap();
            inner.0 = true;
            inner.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// Runs `model` under loom and prints how many interleavings it explored.
fn explore(name: &str, model: impl Fn() + Sync + Send + 'static) {
    let runs = Arc::new(StdAtomicUsize::new(0));
    let counted = runs.clone();
    loom::model(move || {
        counted.fetch_add(1, StdOrdering::Relaxed);
        model();
    });
    std::println!(
        "loom {name}: {} interleavings explored",
        runs.load(StdOrdering::Relaxed)
    );
}

/// The resource keeps only the last half's waker, yet when it fires every
/// half that found it not ready is woken, however the polls and the firing
/// interleave.
#[test]
fn loom_a_resource_wakeup_reaches_every_half_that_waited() {
    explore("resource wakeup", || {
        let wakers = Arc::new(Wakers::new());
        let resource = Arc::new(FakeResource::new());
        let halves: Vec<_> = [Half::Read, Half::Write]
            .into_iter()
            .map(|half| {
                let (wakers, resource) = (wakers.clone(), resource.clone());
                thread::spawn(move || {
                    let (task, waker) = Task::new();
                    let mut cx = Context::from_waker(&waker);
                    let polled =
                        Poller::Shared(&wakers, half)
                            .poll(Resource::Read, &mut cx, |cx| resource.poll(cx));
                    (polled, task)
                })
            })
            .collect();
        resource.fire();
        for half in halves {
            let (polled, task) = half.join().unwrap();
            if polled.is_pending() {
                assert!(task.woken() >= 1, "a half that waited was never woken");
            }
        }
    });
}

/// The shape of `split::Shared::poll`: the reader looks at the state under
/// the driver's lock and, finding nothing new, waits on a resource that
/// never fires; the writer changes the state under the lock, then wakes
/// what the reader waits on. Either the reader saw the change or it is
/// woken: the writer's wakeup is never lost.
#[test]
fn loom_a_state_change_by_one_half_always_wakes_the_other() {
    explore("state change", || {
        let wakers = Arc::new(Wakers::new());
        let state = Arc::new(Mutex::new(0u8));
        let resource = Arc::new(FakeResource::new());
        let reader = {
            let (wakers, state) = (wakers.clone(), state.clone());
            thread::spawn(move || {
                let (task, waker) = Task::new();
                let mut cx = Context::from_waker(&waker);
                let driver = state.lock().unwrap();
                let saw_change = *driver != 0;
                if !saw_change {
                    let polled =
                        Poller::Shared(&wakers, Half::Read)
                            .poll(Resource::Read, &mut cx, |cx| resource.poll(cx));
                    assert!(polled.is_pending());
                }
                drop(driver);
                (saw_change, task)
            })
        };
        *state.lock().unwrap() = 1;
        wakers.wake_other(Half::Write);
        let (saw_change, task) = reader.join().unwrap();
        assert!(
            saw_change || task.woken() >= 1,
            "the reader waits on a state change it never hears about"
        );
    });
}

/// A half that re-registers with a new waker (its task moved) while the
/// other half wakes it: the wakeup reaches the old waker or the new one.
#[test]
fn loom_a_wakeup_reaches_a_half_that_changes_its_waker() {
    explore("changed waker", || {
        let wakers = Arc::new(Wakers::new());
        let resource = Arc::new(FakeResource::new());
        let (first, first_waker) = Task::new();
        let mut cx = Context::from_waker(&first_waker);
        let polled = Poller::Shared(&wakers, Half::Read)
            .poll(Resource::Read, &mut cx, |cx| resource.poll(cx));
        assert!(polled.is_pending());
        let reader = {
            let (wakers, resource) = (wakers.clone(), resource.clone());
            thread::spawn(move || {
                let (second, second_waker) = Task::new();
                let mut cx = Context::from_waker(&second_waker);
                let _ = Poller::Shared(&wakers, Half::Read)
                    .poll(Resource::Read, &mut cx, |cx| resource.poll(cx));
                second
            })
        };
        wakers.wake_other(Half::Write);
        let second = reader.join().unwrap();
        assert!(
            first.woken() + second.woken() >= 1,
            "the wakeup fell between the two wakers"
        );
    });
}

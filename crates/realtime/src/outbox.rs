//! A connection's queue of outgoing frames.
//!
//! Fan-out puts one frame into the queue of every member of a topic: 500,000 a second for a
//! 1,000-member chat channel at 500 messages a second. A tokio channel wakes the connection's
//! task for each frame and takes a lock to give each slot back, which was a large part of the
//! server's time at that size. Here a frame costs the sender one uncontended lock; the task is
//! woken only when its queue goes from empty to not empty, and takes everything waiting at once.

use std::collections::VecDeque;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::frame::Frame;

struct Shared {
    state: Mutex<State>,
    notify: Notify,
    capacity: usize,
}

struct State {
    frames: VecDeque<Frame>,
    /// The receiver is gone: frames are refused.
    closed: bool,
}

/// Why a frame was not queued.
#[derive(Debug, PartialEq)]
pub(crate) enum Refused {
    /// The queue holds `capacity` frames: the client cannot keep up.
    Full,
    /// The connection has ended.
    Closed,
}

/// Puts frames into one connection's queue; cheap to clone.
#[derive(Clone)]
pub(crate) struct Sender(Arc<Shared>);

/// The connection's end of its queue.
pub(crate) struct Receiver {
    shared: Arc<Shared>,
    /// Frames taken from the shared queue in one go, handed out one by one.
    taken: VecDeque<Frame>,
}

/// A queue holding at most `capacity` frames not yet taken by the receiver.
pub(crate) fn outbox(capacity: usize) -> (Sender, Receiver) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            frames: VecDeque::new(),
            closed: false,
        }),
        notify: Notify::new(),
        capacity: capacity.max(1),
    });
    (
        Sender(shared.clone()),
        Receiver {
            shared,
            taken: VecDeque::new(),
        },
    )
}

impl Sender {
    /// Queues `frame` without waiting.
    pub(crate) fn try_send(&self, frame: Frame) -> Result<(), Refused> {
        let mut state = self.0.state.lock();
        if state.closed {
            return Err(Refused::Closed);
        }
        if state.frames.len() >= self.0.capacity {
            return Err(Refused::Full);
        }
        let was_empty = state.frames.is_empty();
        state.frames.push_back(frame);
        drop(state);
        if was_empty {
            self.0.notify.notify_one();
        }
        Ok(())
    }
}

impl Receiver {
    /// The next frame if one is waiting.
    pub(crate) fn try_recv(&mut self) -> Option<Frame> {
        if self.taken.is_empty() {
            let mut state = self.shared.state.lock();
            std::mem::swap(&mut self.taken, &mut state.frames);
        }
        self.taken.pop_front()
    }

    /// Waits for the next frame.
    pub(crate) async fn recv(&mut self) -> Frame {
        loop {
            if let Some(frame) = self.try_recv() {
                return frame;
            }
            // A frame queued between the check and here stored a permit: no wake-up is lost.
            self.shared.notify.notified().await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let mut state = self.shared.state.lock();
        state.closed = true;
        state.frames.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(n: usize) -> Frame {
        Frame::Own(n.to_string())
    }

    #[tokio::test]
    async fn frames_come_out_in_order_and_a_full_queue_refuses() {
        let (tx, mut rx) = outbox(3);
        for n in 0..3 {
            assert_eq!(tx.try_send(own(n)), Ok(()));
        }
        assert_eq!(tx.try_send(own(3)), Err(Refused::Full));
        assert_eq!(rx.recv().await, own(0));
        // Everything waiting was taken at once: room for three more.
        for n in 3..6 {
            assert_eq!(tx.clone().try_send(own(n)), Ok(()));
        }
        let got: Vec<Frame> = std::iter::from_fn(|| rx.try_recv()).collect();
        assert_eq!(got, (1..6).map(own).collect::<Vec<_>>());
        assert_eq!(rx.try_recv(), None);
        drop(rx);
        assert_eq!(tx.try_send(own(9)), Err(Refused::Closed));
    }

    #[tokio::test]
    async fn a_waiting_receiver_wakes_for_a_frame_from_another_task() {
        let (tx, mut rx) = outbox(8);
        let sender = tokio::spawn(async move {
            for n in 0..100 {
                while tx.try_send(own(n)) == Err(Refused::Full) {
                    tokio::task::yield_now().await;
                }
                if n % 7 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        });
        for n in 0..100 {
            let frame = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
                .await
                .expect("woken");
            assert_eq!(frame, own(n));
        }
        sender.await.expect("sender");
    }
}

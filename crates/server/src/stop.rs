//! Stopping well. Told to stop (SIGTERM, Ctrl-C), the hub stops taking
//! connections and lets the requests in flight finish (`serve`); its
//! workers (webhook deliveries, the reconciler) finish the round they are
//! in, so that a webhook being sent is sent and recorded, and a payment
//! being settled is settled, and then stop.

use std::time::Duration;

use tokio::sync::watch;

/// A worker's view of whether the hub is stopping.
#[derive(Debug, Clone)]
pub(crate) struct Stop(watch::Receiver<bool>);

/// What tells the workers to stop.
#[derive(Debug)]
pub(crate) struct Stopper(watch::Sender<bool>);

impl Stopper {
    /// Tells every [`Stop`] made from this one.
    pub(crate) fn stop(&self) {
        let _ = self.0.send(true);
    }
}

/// A stopper and the first view of it.
pub(crate) fn channel() -> (Stopper, Stop) {
    let (tx, rx) = watch::channel(false);
    (Stopper(tx), Stop(rx))
}

impl Stop {
    /// Whether the hub is stopping.
    pub(crate) fn asked(&self) -> bool {
        *self.0.borrow()
    }

    /// Waits `pause`, or less when told to stop meanwhile; whether the hub
    /// is stopping.
    pub(crate) async fn pause(&mut self, pause: Duration) -> bool {
        if self.asked() {
            return true;
        }
        tokio::select! {
            () = tokio::time::sleep(pause) => self.asked(),
            changed = self.0.changed() => changed.is_err() || self.asked(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_pause_ends_early_when_told_to_stop() {
        let (stopper, mut stop) = channel();
        assert!(!stop.pause(Duration::from_millis(1)).await);
        let started = std::time::Instant::now();
        let waiting = tokio::spawn(async move { stop.pause(Duration::from_secs(60)).await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        stopper.stop();
        assert!(waiting.await.expect("task"));
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

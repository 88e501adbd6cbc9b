//! Logging set-up: one line per event on stderr, as text for people or as
//! JSON for log collectors, filtered by `RUST_LOG` (default `info`: one line
//! per request answered, see `routes::requests`).
//!
//! A request formats its line and hands it to a thread of its own, which
//! writes whatever lines are waiting in one go: no request waits for
//! stderr, and a busy hub makes one write per batch of lines rather than
//! one per line. Should stderr stop taking lines altogether, lines beyond
//! the queue's 128,000 are dropped rather than the hub stopping.

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::LogFormat;

/// Installs the global subscriber once; later calls do nothing. Keep the
/// guard while the hub runs: dropping it writes out the lines still queued.
pub fn init(format: LogFormat) -> WorkerGuard {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, guard) =
        tracing_appender::non_blocking(std::io::BufWriter::new(std::io::stderr()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(writer);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    guard
}

//! Keeps what the server logs in memory, so a suite can assert that secrets
//! (bot tokens) never reach a log line. Installed once per process as the
//! global subscriber, before `tidings::telemetry::init` (which then does
//! nothing); lines still go to stderr, where the test runner shows them on
//! failure.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

type Buffer = Arc<Mutex<Vec<u8>>>;

/// The buffer, when this module's subscriber is the global one.
static CAPTURED: OnceLock<Option<Buffer>> = OnceLock::new();

struct BufferWriter(Buffer);

impl Write for BufferWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the capturing subscriber unless another one came first: our
/// crate at `debug`, dependencies at `info` (what operators run with and
/// more); stderr keeps `RUST_LOG` (default `info`).
pub fn install() {
    CAPTURED.get_or_init(|| {
        let buffer: Buffer = Arc::default();
        let sink = buffer.clone();
        let captured = fmt::layer()
            .with_ansi(false)
            .with_writer(move || BufferWriter(sink.clone()))
            .with_filter(EnvFilter::new("info,tidings=debug"));
        let stderr = fmt::layer()
            .with_target(false)
            .with_test_writer()
            .with_filter(
                EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
            );
        tracing_subscriber::registry()
            .with(captured)
            .with(stderr)
            .try_init()
            .ok()
            .map(|()| buffer)
    });
}

/// Everything logged so far in this process, or `None` when another
/// subscriber was installed before [`install`] ran.
pub fn captured() -> Option<String> {
    let buffer = CAPTURED.get()?.as_ref()?;
    let bytes = buffer
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

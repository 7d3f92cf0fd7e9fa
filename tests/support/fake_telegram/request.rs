//! What the fake Telegram answers beyond JSON: a body that drops the
//! connection. Requests are read by the demo simulator's reader
//! (`tidings::demo::simulator::request`), the one the demo's simulated Bot
//! API uses.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::web::Bytes;

/// A body that fails as soon as it is polled: the client sees the status
/// line and headers, then a dropped connection.
pub(super) struct DroppedBody;

impl MessageBody for DroppedBody {
    type Error = std::io::Error;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "the fake Telegram drops this connection",
        ))))
    }
}

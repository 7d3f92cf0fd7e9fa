//! A WebSocket client for the live socket, with condition waits.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use shared::ws::{ClientMsg, ServerFrame, ServerMsg};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::{ApiClient, TestApp};

pub const WAIT: Duration = Duration::from_secs(10);

pub struct LiveClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Every frame received so far, in order.
    pub seen: Vec<ServerFrame>,
}

/// The upgrade request with this client's cookie and our own Origin.
pub fn request(
    app: &TestApp,
    client: &ApiClient,
    origin: Option<&str>,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let mut request = format!("ws://{}/ws", app.addr)
        .into_client_request()
        .expect("a valid socket URL");
    let own = format!("http://{}", app.addr);
    if let Some(origin) = origin.or(Some(own.as_str())).filter(|o| !o.is_empty()) {
        request.headers_mut().insert(
            "Origin",
            HeaderValue::from_str(origin).expect("a header value"),
        );
    }
    if let Some(cookie) = &client.session_cookie {
        request.headers_mut().insert(
            "Cookie",
            HeaderValue::from_str(cookie).expect("a header value"),
        );
    }
    request
}

impl LiveClient {
    /// Connects and waits for the hello.
    pub async fn connect(app: &TestApp, client: &ApiClient) -> LiveClient {
        let (stream, _) = tokio_tungstenite::connect_async(request(app, client, None))
            .await
            .expect("the socket opens");
        LiveClient::from_stream(stream).await
    }

    /// Takes over a socket opened by the caller and waits for the hello.
    pub async fn from_stream(stream: WebSocketStream<MaybeTlsStream<TcpStream>>) -> LiveClient {
        let mut live = LiveClient {
            stream,
            seen: Vec::new(),
        };
        live.wait_for(|m| matches!(m, ServerMsg::Hello { .. }))
            .await;
        live
    }

    pub async fn send(&mut self, msg: &ClientMsg) {
        let text = serde_json::to_string(msg).expect("serializes");
        self.stream
            .send(Message::text(text))
            .await
            .expect("the frame is sent");
    }

    /// The next frame, or `None` when the socket closed or `within` passed.
    pub async fn next(&mut self, within: Duration) -> Option<ServerFrame> {
        loop {
            let message = tokio::time::timeout(within, self.stream.next())
                .await
                .ok()??;
            match message {
                Ok(Message::Text(text)) => {
                    let frame: ServerFrame = serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("bad frame {text}: {e}"));
                    self.seen.push(frame.clone());
                    return Some(frame);
                }
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
    }

    /// Waits for a frame matching `want`, skipping others; panics after [`WAIT`].
    pub async fn wait_for(&mut self, want: impl Fn(&ServerMsg) -> bool) -> ServerFrame {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Some(frame) if want(&frame.msg) => return frame,
                Some(_) => continue,
                None => panic!("no matching frame; seen: {:#?}", self.seen),
            }
        }
    }

    /// Reads for `during` and returns every frame that arrived.
    pub async fn drain(&mut self, during: Duration) -> Vec<ServerFrame> {
        let deadline = tokio::time::Instant::now() + during;
        let mut frames = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return frames;
            }
            match self.next(left).await {
                Some(frame) => frames.push(frame),
                None => return frames,
            }
        }
    }

    /// Whether the server closed the socket within `within`.
    pub async fn is_closed_within(&mut self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            if self.next(left).await.is_none() {
                return tokio::time::Instant::now() < deadline;
            }
        }
    }
}

impl LiveClient {
    /// Connects asking for `lang` (`?lang=`, as the web app does) and waits
    /// for the hello.
    pub async fn connect_speaking(app: &TestApp, client: &ApiClient, lang: &str) -> LiveClient {
        let mut upgrade = format!("ws://{}/ws?lang={lang}", app.addr)
            .into_client_request()
            .expect("a valid socket URL");
        *upgrade.headers_mut() = request(app, client, None).headers().clone();
        let (stream, _) = tokio_tungstenite::connect_async(upgrade)
            .await
            .expect("the socket opens");
        LiveClient::from_stream(stream).await
    }
}

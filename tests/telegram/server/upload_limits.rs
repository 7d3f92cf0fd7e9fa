//! The reply form's limits, seen from a raw connection so a test controls how
//! much of the body is ever sent: a caller who may not reply is answered
//! before the body is read, a declared or streamed body over the cap gets 413
//! with the error shape, and nothing is stored either way.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};
use shared::api::chats::Direction;
use shared::api::users::Role;
use shared::Id;
use tidings_tests::inbox::{messages, png_bytes, reply_with_file, set_followers};
use tidings_tests::{ApiClient, Backend, ItemFields, TestApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::start;
use tidings_tests::on_both_backends;

const BOUNDARY: &str = "tidings-limits-b0undary";
/// The server must answer within this, with most of the body never sent.
const ANSWER_WAIT: Duration = Duration::from_secs(10);

/// The start of a form whose only field is a file.
fn form_head() -> Vec<u8> {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes()
}

/// Opens a connection and sends the head of a reply form for `chat_id`
/// claiming `content_length` bytes (chunked when `None`), then `body`.
async fn send_head(
    addr: SocketAddr,
    client: &ApiClient,
    chat_id: Id,
    content_length: Option<usize>,
    body: &[u8],
) -> TcpStream {
    let cookie = client.session_cookie.clone().expect("a signed-in client");
    let length = match content_length {
        Some(length) => format!("Content-Length: {length}"),
        None => "Transfer-Encoding: chunked".to_owned(),
    };
    let head = format!(
        "POST /api/v1/chats/{chat_id}/messages HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n{length}\r\n\r\n"
    );
    let mut stream = TcpStream::connect(addr).await.expect("the server accepts");
    stream.write_all(head.as_bytes()).await.expect("head sent");
    stream.write_all(body).await.expect("body start sent");
    stream
}

/// Reads one response (status and JSON body) within [`ANSWER_WAIT`].
async fn read_answer(stream: &mut TcpStream) -> (u16, Value) {
    let mut received = Vec::new();
    let mut buffer = [0u8; 8192];
    let answer = tokio::time::timeout(ANSWER_WAIT, async {
        loop {
            let read = stream.read(&mut buffer).await.unwrap_or(0);
            received.extend_from_slice(&buffer[..read]);
            if read == 0 || complete_response(&received).is_some() {
                return;
            }
        }
    })
    .await;
    assert!(answer.is_ok(), "no answer while the body was still unsent");
    complete_response(&received).unwrap_or_else(|| {
        panic!(
            "not a complete response: {}",
            String::from_utf8_lossy(&received)
        )
    })
}

fn complete_response(received: &[u8]) -> Option<(u16, Value)> {
    let text = std::str::from_utf8(received).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let length: usize = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())
            .flatten()
    })?;
    (body.len() >= length).then(|| {
        let json = serde_json::from_str(&body[..length]).unwrap_or(Value::Null);
        (status, json)
    })
}

fn assert_error(answer: &(u16, Value), status: u16, code: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["error"]["code"], code, "{}", answer.1);
    assert!(answer.1["error"]["message"].is_string(), "{}", answer.1);
}

async fn assert_nothing_stored(app: &TestApp, admin: &ApiClient, chat_id: Id) {
    assert!(messages(admin, chat_id, Direction::Out).await.is_empty());
    let staged = std::fs::read_dir(app.config.data_dir.join("uploads"))
        .map(|entries| entries.count())
        .unwrap_or(0);
    assert_eq!(staged, 0, "a staged file was left behind");
}

async fn a_follower_is_refused_before_the_body_is_read(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "hi").await;
    let (fred, follower) = tg.app.login_as("Fred", Role::Follower).await;
    let mut start = form_head();
    start.extend_from_slice(&png_bytes(64 * 1024));
    // 15 MB announced, 64 KB sent: the answer cannot wait for the rest.
    let mut stream = send_head(tg.app.addr, &follower, chat.id, Some(15 << 20), &start).await;
    assert_error(&read_answer(&mut stream).await, 404, "not_found");

    set_followers(&tg.admin, chat.id, &[fred.id]).await;
    let mut stream = send_head(tg.app.addr, &follower, chat.id, Some(15 << 20), &start).await;
    assert_error(&read_answer(&mut stream).await, 403, "forbidden");
    assert_nothing_stored(&tg.app, &tg.admin, chat.id).await;
}

async fn a_body_declared_over_the_cap_is_refused_unread(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "hi").await;
    let mut stream = send_head(
        tg.app.addr,
        &tg.admin,
        chat.id,
        Some(64 << 20),
        &form_head(),
    )
    .await;
    assert_error(&read_answer(&mut stream).await, 413, "payload_too_large");
    assert_nothing_stored(&tg.app, &tg.admin, chat.id).await;
}

async fn a_streamed_body_over_the_cap_is_refused_and_nothing_is_kept(backend: Backend) {
    let tg = start(backend).await;
    tg.connect(json!({})).await;
    let chat = tg.customer_writes(1, "hi").await;
    let stream = send_head(tg.app.addr, &tg.admin, chat.id, None, b"").await;
    let (mut reader, mut writer) = stream.into_split();
    // Chunked, with no length to judge by: the server counts as it reads.
    // 24 MB are offered; the writer stops when the server stops listening.
    let sending = tokio::spawn(async move {
        let mut chunk = form_head();
        chunk.resize(256 * 1024, b'x');
        for _ in 0..(24 * 4) {
            let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
            if writer.write_all(&framed).await.is_err() {
                return;
            }
            chunk.fill(b'x');
        }
    });
    let reading = async {
        let mut received = Vec::new();
        let mut buffer = [0u8; 8192];
        loop {
            let read = reader.read(&mut buffer).await.unwrap_or(0);
            received.extend_from_slice(&buffer[..read]);
            if let Some(answer) = complete_response(&received) {
                return answer;
            }
            assert!(read > 0, "closed without an answer");
        }
    };
    let answer = tokio::time::timeout(ANSWER_WAIT * 3, reading)
        .await
        .expect("an answer");
    sending.abort();
    assert_error(&answer, 413, "payload_too_large");
    assert_nothing_stored(&tg.app, &tg.admin, chat.id).await;

    // The form still works for a file within the limits.
    let picture = png_bytes(300_000);
    let item = reply_with_file(&tg.admin, chat.id, None, "fine.png", &picture).await;
    let url = item.attachments().expect("attachments")[0]
        .url
        .clone()
        .expect("stored");
    let served = tg.admin.get(&url).await.bytes().await.expect("bytes");
    assert_eq!(&served[..], &picture[..]);
}

on_both_backends!(
    a_follower_is_refused_before_the_body_is_read,
    a_body_declared_over_the_cap_is_refused_unread,
    a_streamed_body_over_the_cap_is_refused_and_nothing_is_kept,
);

//! A fake Channel API receiver: the integrator's bridge behind a
//! `callback_url`. It records every POST with whether its
//! `X-Tidings-Signature` verifies against the secret it was given, answers
//! from a script (then `200 {"message_id": "p-N"}`), and serves files under
//! `/files/NAME` for attachment fetches. Waits are on conditions, never sleeps.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::fake_viber::{accept_loop, read_request, respond, wait_for_count};

/// One POST the receiver got.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub path: String,
    pub body: Value,
    /// The signature header verified with the secret at the time.
    pub signed: bool,
}

#[derive(Default)]
struct State {
    secret: String,
    received: Vec<Delivered>,
    script: VecDeque<(u16, String)>,
    files: HashMap<String, (String, Vec<u8>)>,
    next_id: u64,
}

struct Shared {
    state: Mutex<State>,
    changes: watch::Sender<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub struct FakeReceiver {
    shared: Arc<Shared>,
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for FakeReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeReceiver {
    pub async fn start() -> FakeReceiver {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the receiver binds a local port");
        let addr = listener.local_addr().expect("a bound address");
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changes: watch::channel(0).0,
        });
        let task = tokio::spawn(accept_loop(listener, {
            let shared = Arc::clone(&shared);
            move |stream| serve(stream, Arc::clone(&shared))
        }));
        FakeReceiver { shared, addr, task }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The secret signatures are checked with from now on.
    pub fn set_secret(&self, secret: &str) {
        self.shared.lock().secret = secret.to_owned();
    }

    /// The next requests get these answers, in order.
    pub fn answer_next(&self, status: u16, body: &str) {
        self.shared
            .lock()
            .script
            .push_back((status, body.to_owned()));
    }

    /// Serves `bytes` at `/files/{name}`; returns its URL.
    pub fn host_file(&self, name: &str, content_type: &str, bytes: &[u8]) -> String {
        self.shared
            .lock()
            .files
            .insert(name.to_owned(), (content_type.to_owned(), bytes.to_vec()));
        self.url(&format!("/files/{name}"))
    }

    pub fn received(&self) -> Vec<Delivered> {
        self.shared.lock().received.clone()
    }

    /// Waits until at least `count` POSTs arrived; panics after `timeout`.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Delivered> {
        wait_for_count(&self.shared.changes, count, timeout, || self.received()).await
    }
}

async fn serve(mut stream: TcpStream, shared: Arc<Shared>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    if request.method == "GET" {
        let file = request
            .path
            .strip_prefix("/files/")
            .and_then(|name| shared.lock().files.get(name).cloned());
        match file {
            Some((content_type, bytes)) => respond(&mut stream, 200, &content_type, &bytes).await,
            None => respond(&mut stream, 404, "text/plain", b"no such file").await,
        }
        return;
    }
    let (status, body) = {
        let mut state = shared.lock();
        let signed = request
            .headers
            .get("x-tidings-signature")
            .is_some_and(|header| {
                *header == tidings::channels::api::sign(&state.secret, &request.body)
            });
        state.received.push(Delivered {
            path: request.path.clone(),
            body: serde_json::from_slice(&request.body).unwrap_or(Value::Null),
            signed,
        });
        state.next_id += 1;
        let next_id = state.next_id;
        state
            .script
            .pop_front()
            .unwrap_or_else(|| (200, format!(r#"{{"message_id": "p-{next_id}"}}"#)))
    };
    shared.changes.send_modify(|version| *version += 1);
    respond(&mut stream, status, "application/json", body.as_bytes()).await;
}

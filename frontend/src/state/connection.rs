//! The state of the live connection (`GET /ws`), as the top bar shows it. `api::ws` writes it;
//! screens only read it.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnState {
    /// Not signed in, or not started yet.
    Idle,
    /// The first connection is being made.
    Connecting,
    /// Connected: events arrive live.
    Live,
    /// The connection dropped; the next attempt starts in `retry_in` seconds.
    Reconnecting { attempt: u32, retry_in: u32 },
    /// The server speaks a newer protocol: the page must be reloaded.
    Incompatible,
}

#[derive(Clone, Copy)]
pub struct Connection {
    pub state: RwSignal<ConnState>,
}

impl Connection {
    pub fn new() -> Self {
        Connection {
            state: RwSignal::new(ConnState::Idle),
        }
    }
}

pub fn use_connection() -> Connection {
    expect_context::<Connection>()
}

//! `GET /ws`: one live session per socket. Authenticated by the session cookie
//! at upgrade (and an `Origin` of our own); every command goes through the same
//! services as REST; every event passes the audience check for this user.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{web, HttpRequest, HttpResponse};
use actix_ws::{CloseReason, Message, MessageStream, Session};
use futures_util::StreamExt;
use shared::error::ErrorCode;
use shared::ws::{ClientMsg, ServerFrame, ServerMsg, PROTOCOL_VERSION};
use shared::Id;
use tokio::sync::broadcast;

use super::hub::Dispatched;
use super::{Audience, LogEntry};
use crate::domain::account::User;
use crate::domain::policy::ChatAction;
use crate::domain::rate::TokenBucket;
use crate::http::error::AppError;
use crate::http::extract::SESSION_COOKIE;
use crate::service::reasons::SayReasons;
use crate::service::{accounts, chats, views, Context, ServiceError};
use crate::store::{self, events};
use crate::texts::{self, Says};

const HEARTBEAT: Duration = Duration::from_secs(20);
/// No frame from the client for this long: it is gone.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the server waits for a `resume` before streaming live events.
const RESUME_WAIT: Duration = Duration::from_secs(2);
/// A client that missed more than this resyncs instead of replaying.
const MAX_REPLAY: i64 = 5_000;
const MAX_FRAME: usize = 256 * 1024;
/// Commands a socket may send in a burst, and how fast its allowance refills:
/// far above what a person clicking does, far below what a script can.
const COMMAND_BURST: u32 = 40;
const COMMANDS_PER_SECOND: u32 = 10;
/// A resume re-reads the event log: it costs as much as many commands.
const RESUME_COST: u32 = 20;
/// One typing notice per chat per socket this often reaches the shared buffer
/// (every session reads it; a flood would make all of them resync).
const TYPING_EVERY: Duration = Duration::from_secs(2);
/// A client refused this many times without pausing is not listening:
/// disconnect. Commands the refill lets through in between do not reset the
/// count (a flood would always slip one through); a pause does.
const MAX_REFUSED_WITHOUT_PAUSE: u32 = 500;
/// A pause this long without a refused command forgives the earlier ones.
const REFUSALS_FORGIVEN_AFTER: Duration = Duration::from_secs(5);

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/ws", web::get().to(upgrade));
}

async fn upgrade(
    ctx: web::Data<Context>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    if !crate::http::is_own_origin(&req) {
        tracing::warn!("socket refused: foreign or missing Origin");
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "the socket must be opened from this site",
        ));
    }
    let token = req
        .cookie(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .ok_or_else(|| AppError::from(ServiceError::Unauthenticated))?;
    let user = accounts::authenticate(&ctx.store, &token).await?;
    let Some(ticket) = ctx.hub.admit(user.id) else {
        tracing::warn!(
            user_id = user.id,
            "socket refused: too many open for this user"
        );
        return Err(
            AppError::new(ErrorCode::RateLimited, Says::TooManySockets.here()).retry_after(5),
        );
    };
    // The session outlives this request: it keeps the upgrade's language.
    let lang = crate::http::request_lang(&req);
    let (response, session, stream) = actix_ws::handle(&req, body).map_err(|err| {
        AppError::new(
            ErrorCode::Malformed,
            format!("not a WebSocket upgrade: {err}"),
        )
    })?;
    let events = ctx.hub.subscribe();
    let stream = stream.max_frame_size(MAX_FRAME);
    tracing::debug!(user_id = user.id, "socket opened");
    let user_id = user.id;
    if let Err(err) = crate::service::routing::socket_opened(&ctx, user_id).await {
        tracing::warn!(user_id, %err, "cannot record the socket for presence");
    }
    // Hello tells the user their presence as it is now.
    let user = ctx
        .store
        .run(move |conn| store::users::find_user(conn, user_id))
        .await
        .unwrap_or(user);
    actix_web::rt::spawn(texts::speaking(lang, async move {
        let ctx = ctx.get_ref().clone();
        run(ctx.clone(), user, token, session, stream, events).await;
        drop(ticket);
        let last = ctx.hub.sockets_of(user_id) == 0;
        if let Err(err) = crate::service::routing::socket_closed(&ctx, user_id, last).await {
            tracing::warn!(user_id, %err, "cannot record the closed socket for presence");
        }
    }));
    Ok(response)
}

struct Live {
    ctx: Context,
    user: User,
    token: String,
    session: Session,
    /// The newest event id this client has (been sent).
    last_sent: i64,
    /// The oldest event replayed to this socket: everything after it up to
    /// `last_sent` went out already, so a repeated resume replays only older.
    replayed_from: Option<i64>,
    allowance: TokenBucket,
    /// Refused commands since the client last paused, and the latest one.
    refused: u32,
    last_refused: Option<Instant>,
    /// When this socket last passed on a typing notice, per chat.
    typing_sent: HashMap<Id, Instant>,
    /// When this socket last recorded the user's activity.
    activity_reported: Option<Instant>,
    /// Whether this socket's app is visible and focused (no pushes then).
    focus: crate::realtime::hub::FocusMark,
}

/// Activity is recorded at most this often per socket.
const ACTIVITY_EVERY: Duration = Duration::from_secs(30);

enum Refusal {
    /// Dropped without an answer (a repeated typing notice).
    Quietly,
    RateLimited {
        wait: Duration,
    },
}

enum Flow {
    Continue,
    Stop,
}

async fn run(
    ctx: Context,
    user: User,
    token: String,
    session: Session,
    mut stream: MessageStream,
    mut events: broadcast::Receiver<Arc<Dispatched>>,
) {
    let last_sent = ctx.hub.last_id();
    let focus = ctx.hub.focus_mark(user.id);
    let mut live = Live {
        ctx,
        user,
        token,
        session,
        last_sent,
        replayed_from: None,
        allowance: TokenBucket::new(COMMAND_BURST, COMMANDS_PER_SECOND, Instant::now()),
        refused: 0,
        last_refused: None,
        typing_sent: HashMap::new(),
        activity_reported: None,
        focus,
    };
    if live.hello().await.is_err() {
        return;
    }
    let mut last_seen = Instant::now();
    // A reconnecting client says where it was first; wait briefly for that so
    // replayed events go out before newer live ones.
    match tokio::time::timeout(RESUME_WAIT, stream.next()).await {
        Ok(Some(Ok(message))) => {
            last_seen = Instant::now();
            if let Flow::Stop = live.on_message(message).await {
                return live.close(None).await;
            }
        }
        Ok(_) => return live.close(None).await,
        Err(_) => {}
    }
    let mut closing = live.ctx.hub.closing();
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    let mut beats: u32 = 0;
    loop {
        let flow = tokio::select! {
            message = stream.next() => match message {
                Some(Ok(message)) => {
                    last_seen = Instant::now();
                    live.on_message(message).await
                }
                Some(Err(err)) => {
                    tracing::debug!(%err, "socket protocol error");
                    Flow::Stop
                }
                None => Flow::Stop,
            },
            event = events.recv() => match event {
                Ok(event) => live.on_event(&event).await,
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::info!(user_id = live.user.id, missed, "socket fell behind; asking it to resync");
                    let _ = live.send(None, ServerMsg::Resync { reason: "the connection fell behind".into() }).await;
                    Flow::Stop
                }
                Err(broadcast::error::RecvError::Closed) => Flow::Stop,
            },
            _ = closing.changed() => Flow::Stop,
            _ = heartbeat.tick() => {
                beats = beats.wrapping_add(1);
                if last_seen.elapsed() > CLIENT_TIMEOUT || live.session.ping(b"").await.is_err() {
                    Flow::Stop
                } else if beats.is_multiple_of(3) {
                    live.recheck().await
                } else {
                    Flow::Continue
                }
            }
        };
        if let Flow::Stop = flow {
            break;
        }
    }
    let reason = (*closing.borrow()).then(|| CloseReason {
        code: actix_ws::CloseCode::Away,
        description: Some("the server is restarting".into()),
    });
    live.close(reason).await;
}

impl Live {
    async fn send(
        &mut self,
        event_id: Option<i64>,
        msg: ServerMsg,
    ) -> Result<(), actix_ws::Closed> {
        // Stored reasons go out in this socket's language.
        let msg = msg.in_readers_language();
        let frame = ServerFrame { event_id, msg };
        match serde_json::to_string(&frame) {
            Ok(text) => self.session.text(text).await,
            Err(err) => {
                tracing::error!(%err, "server frame does not serialize");
                Ok(())
            }
        }
    }

    async fn hello(&mut self) -> Result<(), actix_ws::Closed> {
        let hello = ServerMsg::Hello {
            protocol_version: PROTOCOL_VERSION,
            user: views::user(self.user.clone()),
            last_event_id: self.last_sent,
        };
        self.send(None, hello).await?;
        self.send_counts().await
    }

    async fn send_counts(&mut self) -> Result<(), actix_ws::Closed> {
        match chats::counts(&self.ctx, &self.user).await {
            Ok(counts) => self.send(None, ServerMsg::UnreadCounts { counts }).await,
            Err(err) => {
                tracing::warn!(%err, "cannot count chats for a socket");
                Ok(())
            }
        }
    }

    async fn close(self, reason: Option<CloseReason>) {
        let _ = self.session.close(reason).await;
    }

    async fn on_event(&mut self, event: &Dispatched) -> Flow {
        if let Some(id) = event.id {
            if id <= self.last_sent {
                return Flow::Continue;
            }
            self.last_sent = id;
        }
        self.deliver(event.id, &event.entry).await
    }

    async fn deliver(&mut self, id: Option<i64>, entry: &LogEntry) -> Flow {
        if entry.refresh_users.contains(&self.user.id) {
            if let Flow::Stop = self.recheck().await {
                return Flow::Stop;
            }
        }
        let Some(msg) = &entry.msg else {
            return Flow::Continue;
        };
        if !entry.audience.includes(&self.user) {
            return Flow::Continue;
        }
        match self.send(id, msg.clone()).await {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Stop,
        }
    }

    /// Re-reads the session: a logout, expiry or deactivation closes the
    /// socket; a role change applies from the next event on.
    async fn recheck(&mut self) -> Flow {
        match accounts::authenticate(&self.ctx.store, &self.token).await {
            Ok(user) => {
                self.user = user;
                Flow::Continue
            }
            Err(ServiceError::Unauthenticated) => {
                let _ = self
                    .send(
                        None,
                        ServerMsg::Error {
                            code: ErrorCode::Unauthenticated,
                            message: "the session ended; sign in again".into(),
                            request_ref: None,
                        },
                    )
                    .await;
                Flow::Stop
            }
            Err(err) => {
                tracing::warn!(%err, "cannot re-check a socket's session");
                Flow::Continue
            }
        }
    }

    async fn on_message(&mut self, message: Message) -> Flow {
        match message {
            Message::Text(text) => match serde_json::from_str::<ClientMsg>(&text) {
                Ok(command) => match self.admit(&command) {
                    Ok(()) => self.on_command(command).await,
                    Err(refusal) => self.refuse(command, refusal).await,
                },
                Err(err) => {
                    self.reply_error(
                        None,
                        AppError::new(ErrorCode::Malformed, format!("unknown command: {err}")),
                    )
                    .await
                }
            },
            Message::Ping(bytes) => match self.session.pong(&bytes).await {
                Ok(()) => Flow::Continue,
                Err(_) => Flow::Stop,
            },
            Message::Close(_) => Flow::Stop,
            Message::Binary(_) => {
                self.reply_error(
                    None,
                    AppError::new(ErrorCode::Malformed, "binary frames are not supported"),
                )
                .await
            }
            Message::Pong(_) | Message::Continuation(_) | Message::Nop => Flow::Continue,
        }
    }

    /// Whether this command fits the socket's allowance now.
    fn admit(&mut self, command: &ClientMsg) -> Result<(), Refusal> {
        let now = Instant::now();
        if let ClientMsg::Typing { chat_id } = command {
            let recently = self
                .typing_sent
                .get(chat_id)
                .is_some_and(|at| now.duration_since(*at) < TYPING_EVERY);
            if recently {
                return Err(Refusal::Quietly);
            }
        }
        let cost = match command {
            ClientMsg::Resume { .. } => RESUME_COST,
            _ => 1,
        };
        match self.allowance.take(cost, now) {
            Ok(()) => {
                if let ClientMsg::Typing { chat_id } = command {
                    if self.typing_sent.len() > 64 {
                        self.typing_sent
                            .retain(|_, at| now.duration_since(*at) < TYPING_EVERY);
                    }
                    self.typing_sent.insert(*chat_id, now);
                }
                Ok(())
            }
            Err(wait) => Err(Refusal::RateLimited { wait }),
        }
    }

    /// Answers a command that was not admitted (typing notices are dropped
    /// without a word: nobody waits for them).
    async fn refuse(&mut self, command: ClientMsg, refusal: Refusal) -> Flow {
        let Refusal::RateLimited { wait } = refusal else {
            return Flow::Continue;
        };
        let now = Instant::now();
        if self
            .last_refused
            .is_some_and(|at| now.duration_since(at) >= REFUSALS_FORGIVEN_AFTER)
        {
            self.refused = 0;
        }
        self.last_refused = Some(now);
        self.refused += 1;
        if self.refused >= MAX_REFUSED_WITHOUT_PAUSE {
            tracing::warn!(
                user_id = self.user.id,
                "socket closed: it ignores its rate limit"
            );
            return Flow::Stop;
        }
        if matches!(command, ClientMsg::Typing { .. }) {
            return Flow::Continue;
        }
        let seconds = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
        let err = AppError::new(
            ErrorCode::RateLimited,
            Says::TooManyCommands { seconds }.here(),
        );
        self.reply_error(command.request_ref().map(str::to_owned), err)
            .await
    }

    async fn reply_error(&mut self, request_ref: Option<String>, err: AppError) -> Flow {
        let msg = ServerMsg::Error {
            code: err.code,
            message: err.message,
            request_ref,
        };
        match self.send(None, msg).await {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Stop,
        }
    }

    async fn answer<T>(&mut self, request_ref: String, result: Result<T, ServiceError>) -> Flow {
        match result {
            Ok(_) => match self.send(None, ServerMsg::Ack { request_ref }).await {
                Ok(()) => Flow::Continue,
                Err(_) => Flow::Stop,
            },
            Err(err) => self.reply_error(Some(request_ref), err.into()).await,
        }
    }

    async fn on_command(&mut self, command: ClientMsg) -> Flow {
        let ctx = self.ctx.clone();
        let user = self.user.clone();
        match command {
            ClientMsg::Resume { last_event_id } => self.resume(last_event_id).await,
            ClientMsg::SendReply {
                request_ref,
                chat_id,
                text,
                reply_to_item_id,
            } => {
                let result = chats::reply(&ctx, &user, chat_id, &text, reply_to_item_id).await;
                self.answer(request_ref, result).await
            }
            ClientMsg::Assign {
                request_ref,
                chat_id,
                user_id,
            } => {
                let result = chats::assign(&ctx, &user, chat_id, user_id).await;
                self.answer(request_ref, result).await
            }
            ClientMsg::Close {
                request_ref,
                chat_id,
            } => {
                let result = chats::close(&ctx, &user, chat_id).await;
                self.answer(request_ref, result).await
            }
            ClientMsg::Reopen {
                request_ref,
                chat_id,
            } => {
                let result = chats::reopen(&ctx, &user, chat_id).await;
                self.answer(request_ref, result).await
            }
            ClientMsg::SetFollowers {
                request_ref,
                chat_id,
                user_ids,
            } => {
                let result = chats::set_followers(&ctx, &user, chat_id, user_ids).await;
                self.answer(request_ref, result).await
            }
            ClientMsg::SetTags {
                request_ref,
                chat_id,
                tags,
            } => {
                let result = chats::set_tags(&ctx, &user, chat_id, tags).await;
                self.answer(request_ref, result).await
            }
            ClientMsg::AddComment {
                request_ref,
                chat_id,
                text,
                mention_ids,
            } => {
                let result = chats::add_comment(&ctx, &user, chat_id, &text, mention_ids).await;
                self.answer(request_ref, result).await
            }
            ClientMsg::MarkRead {
                request_ref,
                chat_id,
                item_id,
            } => {
                let result = chats::mark_read(&ctx, &user, chat_id, item_id).await;
                self.answer(request_ref, result).await
            }
            ClientMsg::GetCounts => match self.send_counts().await {
                Ok(()) => Flow::Continue,
                Err(_) => Flow::Stop,
            },
            ClientMsg::Typing { chat_id } => {
                let visible = ctx
                    .store
                    .run(move |conn| {
                        chats::authorize(conn, &user, chat_id, ChatAction::View)
                            .ok()
                            .map(|_| store::chats::followers(conn, chat_id))
                            .transpose()
                    })
                    .await;
                if let Ok(Some(follower_ids)) = visible {
                    let audience = Audience::Chat {
                        chat_id,
                        follower_ids,
                    };
                    let typing = ServerMsg::Typing {
                        chat_id,
                        user_id: self.user.id,
                    };
                    ctx.hub.send_ephemeral(LogEntry::event(audience, typing));
                }
                Flow::Continue
            }
            ClientMsg::Active => {
                // The app reports at most once a minute; more is noise.
                let now = Instant::now();
                if self
                    .activity_reported
                    .is_some_and(|at| now.duration_since(at) < ACTIVITY_EVERY)
                {
                    return Flow::Continue;
                }
                self.activity_reported = Some(now);
                if let Err(err) = crate::service::routing::activity(&ctx, user.id).await {
                    tracing::warn!(user_id = user.id, %err, "cannot record activity");
                }
                Flow::Continue
            }
            ClientMsg::Visibility {
                visible_and_focused,
            } => {
                self.focus.set(visible_and_focused);
                Flow::Continue
            }
        }
    }

    /// Replays what the client missed, or tells it to resync. Each event goes
    /// to a socket at most once: a repeated resume replays only what is older
    /// than the previous one did.
    async fn resume(&mut self, last_event_id: i64) -> Flow {
        let up_to = self
            .replayed_from
            .map_or(self.last_sent, |from| from.min(self.last_sent));
        if last_event_id >= up_to {
            return Flow::Continue;
        }
        self.replayed_from = Some(last_event_id);
        let bounds = self.ctx.store.run(events::bounds).await;
        let too_old = match bounds {
            Ok((oldest, _)) => last_event_id + 1 < oldest || up_to - last_event_id > MAX_REPLAY,
            Err(_) => true,
        };
        if too_old {
            let _ = self
                .send(
                    None,
                    ServerMsg::Resync {
                        reason: "too much was missed; reload".into(),
                    },
                )
                .await;
            return Flow::Stop;
        }
        let mut from = last_event_id;
        while from < up_to {
            let after = from;
            let rows = match self
                .ctx
                .store
                .run(move |conn| events::after(conn, after, 500))
                .await
            {
                Ok(rows) => rows,
                Err(_) => {
                    let _ = self
                        .send(
                            None,
                            ServerMsg::Resync {
                                reason: "cannot replay now".into(),
                            },
                        )
                        .await;
                    return Flow::Stop;
                }
            };
            if rows.is_empty() {
                break;
            }
            for (id, payload) in rows {
                if id > up_to {
                    return Flow::Continue;
                }
                from = id;
                if let Ok(entry) = serde_json::from_str::<LogEntry>(&payload) {
                    if let Flow::Stop = self.deliver(Some(id), &entry).await {
                        return Flow::Stop;
                    }
                }
            }
        }
        Flow::Continue
    }
}

//! Notifications on devices (Web Push): the VAPID key, users' subscriptions,
//! queueing a push for each new notification (in the notification's own
//! transaction, [`queue_for`]) and the worker that sends them.
//!
//! The payload is encrypted per RFC 8291 (`aes128gcm`) and each request
//! signed per RFC 8292 (VAPID) by `web-push-native`; nothing here does
//! cryptography by hand. Pushes are sent from every node; a claim on each
//! queue row makes sure one node sends it. Whether the user's app is visible
//! and focused is known per node: the node that sends a push skips it when
//! one of the user's sockets on that node says the app is in front of them.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::TimeDelta;
use shared::api::notifications::NotificationKind;
use shared::api::push::{PushDevice, PushKey, PushPayload, Subscribe, TestPushQueued};
use shared::Id;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;
use web_push_native::jwt_simple::prelude::{
    Claims, ECDSAP256KeyPairLike, ECDSAP256PublicKeyLike, ES256KeyPair,
};
use web_push_native::{Auth, WebPushBuilder};

use super::priority::lower_this_threads_priority;
use super::{views, Context, ServiceError};
use crate::domain::account::User;
use crate::domain::push as rules;
use crate::metrics::PushOutcome;
use crate::store::chats::ChatRecord;
use crate::store::notifications::NotificationRecord;
use crate::store::push::{self as store, NewPush, NewSubscription, PushJob, StoredKey, Subscribed};
use crate::store::{now, DbConn, StoreError};
use crate::texts::{Lang, Says};

/// Give up on a push after this many failed attempts.
pub const MAX_ATTEMPTS: i32 = 8;
/// How long a claimed push is ours before another node may take it over.
const LEASE: TimeDelta = TimeDelta::seconds(60);
/// Look for due pushes this often (new ones are not announced to the worker).
const POLL_EVERY: Duration = Duration::from_millis(200);
/// After a full batch, claim again no sooner than this: each claim is a
/// write transaction, and a burst is claimed in batches rather than one by one.
const CLAIM_GAP: Duration = Duration::from_millis(20);
/// A sent push's outcome is recorded within this time, together with the
/// outcomes of the pushes sent meanwhile (one write transaction for all).
const RECORD_WITHIN: Duration = Duration::from_millis(50);
/// Outcomes the database refused (down, or SQLite locked too long) are
/// written again after this pause, while their claims still hold.
const WRITE_AGAIN_AFTER: Duration = Duration::from_secs(1);
/// Pushes being sent at once; a push service that hangs holds one place
/// until the request times out, never the others.
const MAX_IN_FLIGHT: usize = 64;
/// How long a VAPID signature is valid (RFC 8292: at most 24 hours).
const VAPID_VALID_FOR_S: u64 = 12 * 3600;
/// A VAPID token is used this long, then signed again (well before it expires).
const VAPID_REUSE_FOR: Duration = Duration::from_secs(3600);
/// The sealer's Linux niceness: below webhooks and requests (0), yet not the
/// lowest (19, a backup's), so pushes still move while the cores are busy.
const SEALER_PRIORITY: i32 = 10;

/// The server's VAPID key, read once from the database.
#[derive(Clone)]
pub struct VapidKey {
    pair: Arc<ES256KeyPair>,
    /// base64url, uncompressed point.
    pub public_key: String,
}

/// Makes the VAPID key unless one is stored, and returns the stored one.
pub async fn ensure_key(store: &crate::store::Store) -> Result<VapidKey, ServiceError> {
    let pair = ES256KeyPair::generate();
    let candidate = StoredKey {
        private_key: URL_SAFE_NO_PAD.encode(pair.to_bytes()),
        public_key: URL_SAFE_NO_PAD.encode(pair.public_key().public_key().to_bytes_uncompressed()),
    };
    let stored = store
        .run(move |conn| store::ensure_key(conn, &candidate))
        .await?;
    let private = URL_SAFE_NO_PAD
        .decode(&stored.private_key)
        .map_err(|err| ServiceError::Internal(format!("stored VAPID key: {err}")))?;
    let pair = ES256KeyPair::from_bytes(&private)
        .map_err(|err| ServiceError::Internal(format!("stored VAPID key: {err}")))?;
    Ok(VapidKey {
        pair: Arc::new(pair),
        public_key: stored.public_key,
    })
}

/// `GET /api/v1/push/key`.
pub async fn key(ctx: &Context) -> Result<PushKey, ServiceError> {
    Ok(PushKey {
        public_key: ensure_key(&ctx.store).await?.public_key,
    })
}

/// Records the caller's subscription; `true` when it is new.
pub async fn subscribe(
    ctx: &Context,
    caller: &User,
    request: Subscribe,
    lang: Lang,
    user_agent: Option<String>,
) -> Result<(bool, PushDevice), ServiceError> {
    let invalid = |err| ServiceError::Invalid(Says::Push(err));
    rules::check_endpoint(&request.endpoint, &ctx.config.push_hosts).map_err(invalid)?;
    rules::check_keys(&request.keys.p256dh, &request.keys.auth).map_err(invalid)?;
    let new = NewSubscription {
        endpoint: request.endpoint,
        p256dh: request.keys.p256dh.trim_end_matches('=').to_owned(),
        auth: request.keys.auth.trim_end_matches('=').to_owned(),
        language: lang.code().to_owned(),
        user_agent: user_agent.map(|ua| ua.chars().take(300).collect()),
    };
    let user_id = caller.id;
    let (outcome, device) = ctx
        .store
        .run(move |conn| store::subscribe(conn, user_id, &new))
        .await?;
    Ok((outcome == Subscribed::Created, device_view(device)))
}

/// Removes the caller's subscription with this endpoint.
pub async fn unsubscribe(
    ctx: &Context,
    caller: &User,
    endpoint: String,
) -> Result<(), ServiceError> {
    let user_id = caller.id;
    let removed = ctx
        .store
        .run(move |conn| store::unsubscribe(conn, user_id, &endpoint))
        .await?;
    removed
        .then_some(())
        .ok_or(ServiceError::NotFound("subscription"))
}

/// Removes the caller's device `id`.
pub async fn remove_device(ctx: &Context, caller: &User, id: Id) -> Result<(), ServiceError> {
    let user_id = caller.id;
    let removed = ctx
        .store
        .run(move |conn| store::remove_device(conn, user_id, id))
        .await?;
    removed
        .then_some(())
        .ok_or(ServiceError::NotFound("subscription"))
}

/// The caller's devices.
pub async fn devices(ctx: &Context, caller: &User) -> Result<Vec<PushDevice>, ServiceError> {
    let user_id = caller.id;
    let devices = ctx
        .store
        .run(move |conn| store::list_devices(conn, user_id))
        .await?;
    Ok(devices.into_iter().map(device_view).collect())
}

fn device_view(device: store::DeviceRecord) -> PushDevice {
    PushDevice {
        id: device.id,
        endpoint_host: url::Url::parse(&device.endpoint)
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .unwrap_or_default(),
        user_agent: device.user_agent,
        created_at: views::time(device.created_at),
        last_success_at: device.last_success_at.map(views::time),
    }
}

/// `POST /api/v1/push/test`: a test push to each of the caller's devices
/// (sent even while the app is in front of them).
pub async fn test(ctx: &Context, caller: &User) -> Result<TestPushQueued, ServiceError> {
    let user_id = caller.id;
    let devices = ctx
        .store
        .run(move |conn| {
            let targets = store::targets(conn, user_id)?;
            for (subscription_id, language) in &targets {
                let lang = Lang::from_accept_language(Some(language));
                let payload = PushPayload {
                    kind: "test".into(),
                    title: Says::PushTestTitle.to(lang),
                    body: Says::PushTestBody.to(lang),
                    chat_id: None,
                    url: "/".into(),
                };
                store::enqueue(
                    conn,
                    &NewPush {
                        subscription_id: *subscription_id,
                        user_id,
                        chat_id: None,
                        payload: serde_json::to_string(&payload)
                            .map_err(|err| StoreError::Corrupt(err.to_string()))?,
                        topic: None,
                        urgency: "normal",
                        ttl_s: 600,
                    },
                )?;
            }
            Ok::<_, StoreError>(targets.len())
        })
        .await?;
    Ok(TestPushQueued {
        devices: i64::try_from(devices).unwrap_or(i64::MAX),
    })
}

/// Queues a push to each subscription of each notified user. Runs inside
/// the transaction that makes the notifications, so a change that commits
/// pushes once; the payload's `url` is completed with `PUBLIC_URL` when sent.
pub fn queue_for(
    conn: &mut DbConn,
    chat: &ChatRecord,
    made: &[NotificationRecord],
) -> Result<(), StoreError> {
    let mut customer: Option<String> = None;
    // A change often notifies one user twice (assigned, then the message):
    // their devices are read once.
    let mut targets_of: std::collections::HashMap<Id, Vec<(Id, String)>> =
        std::collections::HashMap::new();
    for notification in made {
        let targets = match targets_of.get(&notification.user_id) {
            Some(targets) => targets.clone(),
            None => {
                let targets = store::targets(conn, notification.user_id)?;
                targets_of.insert(notification.user_id, targets.clone());
                targets
            }
        };
        if targets.is_empty() {
            continue;
        }
        let customer_name = match &customer {
            Some(name) => name.clone(),
            None => {
                let name = store::customer_name(conn, chat.contact_id)?;
                customer = Some(name.clone());
                name
            }
        };
        let actor = match notification.actor_id {
            Some(id) => store::user_name(conn, id)?,
            None => None,
        };
        let text = match (notification.kind, notification.item_id) {
            (NotificationKind::CustomerMessage, Some(item)) => store::message_text(conn, item)?,
            (NotificationKind::Mention, Some(comment)) => store::comment_text(conn, comment)?,
            (NotificationKind::Waiting, _) => chat.last_message_preview.clone(),
            _ => None,
        }
        .filter(|text| !text.trim().is_empty());
        for (subscription_id, language) in targets {
            let lang = Lang::from_accept_language(Some(&language));
            let payload = payload(
                notification,
                chat.id,
                &customer_name,
                actor.as_deref(),
                text.as_deref(),
                lang,
            );
            store::enqueue(
                conn,
                &NewPush {
                    subscription_id,
                    user_id: notification.user_id,
                    chat_id: Some(chat.id),
                    payload: serde_json::to_string(&payload)
                        .map_err(|err| StoreError::Corrupt(err.to_string()))?,
                    topic: Some(rules::topic(chat.id)),
                    urgency: rules::urgency(notification.kind),
                    ttl_s: rules::ttl_s(notification.kind),
                },
            )?;
        }
    }
    Ok(())
}

/// What a device shows for a notification: the customer's name for their
/// messages and waiting chats, the teammate's for a mention or assignment.
fn payload(
    notification: &NotificationRecord,
    chat_id: Id,
    customer: &str,
    actor: Option<&str>,
    text: Option<&str>,
    lang: Lang,
) -> PushPayload {
    let (title, body) = match notification.kind {
        NotificationKind::CustomerMessage => (
            customer.to_owned(),
            text.map_or_else(|| "…".to_owned(), rules::preview),
        ),
        NotificationKind::Waiting => (
            customer.to_owned(),
            text.map_or_else(|| Says::PushWaiting.to(lang), rules::preview),
        ),
        NotificationKind::Mention => (
            actor.unwrap_or(customer).to_owned(),
            text.map_or_else(|| "…".to_owned(), rules::preview),
        ),
        NotificationKind::Assigned => (
            actor.unwrap_or(customer).to_owned(),
            rules::preview(&Says::PushAssignedToYou.to(lang)),
        ),
    };
    PushPayload {
        kind: notification.kind.as_str().to_owned(),
        title,
        body,
        chat_id: Some(chat_id),
        url: format!("/chats/{chat_id}"),
    }
}

/// Runs until `shutdown` turns true; lets pushes under way finish.
///
/// Pushes are claimed in batches, encrypted and signed on a thread of their
/// own at a lower CPU priority ([`Sealer`]), sent concurrently, and their
/// outcomes recorded together in one write transaction ([`store::record`]):
/// a burst of pushes then takes little from webhooks and requests, which
/// share the database's writer, its connections and the cores.
pub async fn run(ctx: Context, mut shutdown: watch::Receiver<bool>) {
    let key = loop {
        match ensure_key(&ctx.store).await {
            Ok(key) => break key,
            Err(err) => {
                tracing::error!(%err, "cannot read the VAPID key; pushes wait");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                    _ = shutdown.changed() => {}
                }
                if *shutdown.borrow() {
                    return;
                }
            }
        }
    };
    let client = match reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(ctx.config.delivery.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(err) => {
            tracing::error!(%err, "cannot build the push client; no pushes are sent");
            return;
        }
    };
    let sealer = match Sealer::start(key, ctx.config.public_url.clone()) {
        Ok(sealer) => sealer,
        Err(err) => {
            tracing::error!(%err, "cannot start the push sealer; no pushes are sent");
            return;
        }
    };
    let sender = Sender {
        ctx,
        client,
        sealer,
    };
    tracing::info!("push worker started");
    let mut tasks: JoinSet<Sent> = JoinSet::new();
    let mut in_flight: HashSet<Id> = HashSet::new();
    // Sent pushes whose outcome is not recorded yet, and since when.
    let mut unrecorded: Vec<Sent> = Vec::new();
    let mut unwritten = Unwritten::default();
    let mut oldest_unrecorded = Instant::now();
    let mut next_claim = Instant::now();
    loop {
        let stopping = *shutdown.borrow();
        while let Some(done) = tasks.try_join_next() {
            collect(
                &mut in_flight,
                &mut unrecorded,
                &mut oldest_unrecorded,
                done,
            );
        }
        if !unrecorded.is_empty()
            && (tasks.is_empty() || stopping || oldest_unrecorded.elapsed() >= RECORD_WITHIN)
        {
            sender
                .record(std::mem::take(&mut unrecorded), &mut unwritten)
                .await;
        } else if unwritten.due(Instant::now()) {
            sender.record(Vec::new(), &mut unwritten).await;
        }
        if stopping {
            break;
        }
        let room = MAX_IN_FLIGHT.saturating_sub(tasks.len());
        if room > 0 && Instant::now() >= next_claim {
            let started = sender
                .start_due(room, &mut tasks, &mut in_flight, &unwritten)
                .await;
            // A full batch: more may be due, claimed again soon; otherwise
            // the queue is drained and polled again later.
            next_claim = Instant::now()
                + if started == room {
                    CLAIM_GAP
                } else {
                    POLL_EVERY
                };
        }
        let mut wake = next_claim.max(Instant::now() + CLAIM_GAP);
        if !unrecorded.is_empty() {
            wake = wake.min(oldest_unrecorded + RECORD_WITHIN);
        }
        if let Some(again) = unwritten.again_at {
            wake = wake.min(again);
        }
        tokio::select! {
            _ = tokio::time::sleep_until(wake.into()) => {}
            _ = shutdown.changed() => {}
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                collect(&mut in_flight, &mut unrecorded, &mut oldest_unrecorded, done);
            }
        }
    }
    while let Some(done) = tasks.join_next().await {
        collect(
            &mut in_flight,
            &mut unrecorded,
            &mut oldest_unrecorded,
            done,
        );
    }
    sender.record(unrecorded, &mut unwritten).await;
    if !unwritten.outcomes.is_empty() {
        tracing::error!(
            pushes = unwritten.job_ids.len(),
            "stopping with pushes whose outcome is not recorded; they are sent again once their claims run out"
        );
    }
    tracing::info!("push worker stopped");
}

/// Outcomes the database refused to record: a database that is down, or
/// SQLite locked beyond its busy timeout. They are written again after
/// [`WRITE_AGAIN_AFTER`] with the next outcomes, and their pushes are left
/// out of this node's claims meanwhile; dropping them would send each push
/// again once its claim ran out, to a device that already showed it.
#[derive(Default)]
struct Unwritten {
    outcomes: Vec<store::Recorded>,
    /// The pushes they are about.
    job_ids: Vec<Id>,
    again_at: Option<Instant>,
}

impl Unwritten {
    fn keep(&mut self, outcomes: Vec<store::Recorded>, job_ids: Vec<Id>, now: Instant) {
        self.outcomes.extend(outcomes);
        self.job_ids.extend(job_ids);
        self.again_at = Some(now + WRITE_AGAIN_AFTER);
    }

    fn due(&self, now: Instant) -> bool {
        self.again_at.is_some_and(|at| now >= at)
    }

    /// Everything kept, for one more write.
    fn take(&mut self) -> (Vec<store::Recorded>, Vec<Id>) {
        self.again_at = None;
        (
            std::mem::take(&mut self.outcomes),
            std::mem::take(&mut self.job_ids),
        )
    }
}

/// A push that was tried (or skipped), with what came of it.
struct Sent {
    job: PushJob,
    outcome: Outcome,
}

fn collect(
    in_flight: &mut HashSet<Id>,
    unrecorded: &mut Vec<Sent>,
    oldest_unrecorded: &mut Instant,
    done: Result<Sent, tokio::task::JoinError>,
) {
    match done {
        Ok(sent) => {
            in_flight.remove(&sent.job.id);
            if unrecorded.is_empty() {
                *oldest_unrecorded = Instant::now();
            }
            unrecorded.push(sent);
        }
        // The push stays claimed and is tried again once its claim runs out.
        Err(err) => tracing::error!(%err, "a push task failed"),
    }
}

#[derive(Clone)]
struct Sender {
    ctx: Context,
    client: reqwest::Client,
    sealer: Sealer,
}

/// What the push service made of a push.
enum Outcome {
    Delivered,
    /// The app was in front of the user (on this node): not sent.
    Skipped,
    /// `404`/`410`: the subscription is gone.
    Gone,
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    Failed(String),
}

impl Sender {
    async fn start_due(
        &self,
        room: usize,
        tasks: &mut JoinSet<Sent>,
        in_flight: &mut HashSet<Id>,
        unwritten: &Unwritten,
    ) -> usize {
        let skip: Vec<Id> = in_flight
            .iter()
            .chain(&unwritten.job_ids)
            .copied()
            .collect();
        let limit = i64::try_from(room).unwrap_or(i64::MAX);
        let jobs = match self
            .ctx
            .store
            .run(move |conn| store::claim_due(conn, limit, &skip, now() + LEASE))
            .await
        {
            Ok(jobs) => jobs,
            Err(err) => {
                tracing::error!(%err, "cannot read the push queue");
                return 0;
            }
        };
        let started = jobs.len();
        for job in jobs {
            in_flight.insert(job.id);
            let sender = self.clone();
            tasks.spawn(async move {
                let outcome = sender.deliver(&job).await;
                Sent { job, outcome }
            });
        }
        started
    }

    async fn deliver(&self, job: &PushJob) -> Outcome {
        if job.chat_id.is_some() && self.ctx.hub.is_focused(job.user_id) {
            return Outcome::Skipped;
        }
        match self.sealer.seal(job.clone()).await {
            Ok(request) => self.send(request).await,
            Err(reason) => Outcome::Failed(reason),
        }
    }

    /// Counts and logs each outcome and records them, with any kept in
    /// `unwritten`, in one transaction. If that fails they are all kept in
    /// `unwritten` for the next try.
    async fn record(&self, sent: Vec<Sent>, unwritten: &mut Unwritten) {
        let (mut outcomes, mut job_ids) = unwritten.take();
        job_ids.extend(sent.iter().map(|sent| sent.job.id));
        outcomes.extend(self.outcomes(sent));
        if outcomes.is_empty() {
            return;
        }
        let writing = outcomes.clone();
        if let Err(err) = self
            .ctx
            .store
            .run(move |conn| store::record(conn, &writing))
            .await
        {
            tracing::error!(%err, pushes = job_ids.len(), "cannot record the pushes' outcomes; trying again");
            unwritten.keep(outcomes, job_ids, Instant::now());
        }
    }

    /// Counts and logs each push's outcome; what to record of it.
    fn outcomes(&self, sent: Vec<Sent>) -> Vec<store::Recorded> {
        let ctx = &self.ctx;
        let mut outcomes = Vec::with_capacity(sent.len());
        for Sent { job, outcome } in sent {
            let recorded = match outcome {
                Outcome::Delivered => {
                    ctx.metrics.count_push(PushOutcome::Delivered);
                    store::Recorded::Delivered {
                        job_id: job.id,
                        subscription_id: job.subscription_id,
                    }
                }
                Outcome::Skipped => {
                    tracing::debug!(
                        user_id = job.user_id,
                        "push skipped: the app is in front of the user"
                    );
                    ctx.metrics.count_push(PushOutcome::Skipped);
                    store::Recorded::Dropped { job_id: job.id }
                }
                Outcome::Gone => {
                    ctx.metrics.count_push(PushOutcome::Gone);
                    tracing::info!(
                        subscription_id = job.subscription_id,
                        "the push service no longer knows a subscription; removed"
                    );
                    store::Recorded::Gone {
                        subscription_id: job.subscription_id,
                    }
                }
                Outcome::Retry { reason, after } if job.attempts + 1 < MAX_ATTEMPTS => {
                    ctx.metrics.count_push(PushOutcome::Retried);
                    let wait = after
                        .and_then(|d| TimeDelta::from_std(d).ok())
                        .unwrap_or_else(|| {
                            super::outbound::backoff(&ctx.config.delivery, job.attempts)
                        });
                    tracing::warn!(subscription_id = job.subscription_id, attempt = job.attempts + 1, %reason, "push failed; will retry");
                    store::Recorded::Retry {
                        job_id: job.id,
                        attempts: job.attempts + 1,
                        at: now() + wait,
                        error: reason,
                    }
                }
                Outcome::Retry { reason, .. } | Outcome::Failed(reason) => {
                    ctx.metrics.count_push(PushOutcome::Dropped);
                    tracing::warn!(subscription_id = job.subscription_id, %reason, "push dropped");
                    store::Recorded::Dropped { job_id: job.id }
                }
            };
            outcomes.push(recorded);
        }
        outcomes
    }

    async fn send(&self, request: reqwest::Request) -> Outcome {
        match self.client.execute(request).await {
            Ok(response) => {
                let status = response.status();
                let after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(|s| Duration::from_secs(s.min(3600)));
                match status.as_u16() {
                    200..=299 => Outcome::Delivered,
                    404 | 410 => Outcome::Gone,
                    429 | 500..=599 => Outcome::Retry {
                        reason: format!("push service answered {status}"),
                        after,
                    },
                    _ => Outcome::Failed(format!("push service answered {status}")),
                }
            }
            Err(err) => Outcome::Retry {
                reason: if err.is_timeout() {
                    "the push service did not answer in time".into()
                } else {
                    format!("cannot reach the push service: {err}")
                },
                after: None,
            },
        }
    }
}

/// A push to seal, and where the sealed request goes.
type SealOrder = (PushJob, oneshot::Sender<Result<reqwest::Request, String>>);

/// Encrypts (RFC 8291) and signs (RFC 8292) pushes on a thread of its own,
/// at a lower CPU priority than the async executor's threads: the elliptic
/// curve work of a burst of pushes then waits while webhooks and requests
/// want the cores, rather than running in their executor threads. The thread
/// ends when the last handle is dropped.
#[derive(Clone)]
struct Sealer {
    orders: std::sync::mpsc::Sender<SealOrder>,
}

impl Sealer {
    fn start(key: VapidKey, public_url: url::Url) -> std::io::Result<Sealer> {
        let (orders, incoming) = std::sync::mpsc::channel::<SealOrder>();
        std::thread::Builder::new()
            .name("push-sealer".into())
            .spawn(move || {
                lower_this_threads_priority(SEALER_PRIORITY);
                let mut sealing = Sealing {
                    key,
                    public_url,
                    tokens: HashMap::new(),
                };
                while let Ok((job, reply)) = incoming.recv() {
                    // The task that asked may have ended (shutdown): nothing to tell.
                    let _ = reply.send(sealing.request(&job));
                }
            })?;
        Ok(Sealer { orders })
    }

    /// The encrypted, signed request for `job`.
    async fn seal(&self, job: PushJob) -> Result<reqwest::Request, String> {
        let (reply, sealed) = oneshot::channel();
        self.orders
            .send((job, reply))
            .map_err(|_| "the push sealer stopped".to_owned())?;
        sealed
            .await
            .map_err(|_| "the push sealer stopped".to_owned())?
    }
}

/// The sealer thread's state: the key, and the VAPID tokens it signed.
struct Sealing {
    key: VapidKey,
    public_url: url::Url,
    /// Per push service origin: the token and when it was signed. RFC 8292
    /// lets one token serve many requests; it is signed again well before it
    /// expires, so one ES256 signature serves a burst rather than each push.
    tokens: HashMap<String, (String, Instant)>,
}

impl Sealing {
    fn request(&mut self, job: &PushJob) -> Result<reqwest::Request, String> {
        let endpoint = url::Url::parse(&job.endpoint).map_err(|err| format!("endpoint: {err}"))?;
        let uri: http::Uri = job
            .endpoint
            .parse()
            .map_err(|err| format!("endpoint: {err}"))?;
        let p256dh = rules::decode(&job.p256dh).ok_or("p256dh is not base64url")?;
        let ua_public = web_push_native::p256::PublicKey::from_sec1_bytes(&p256dh)
            .map_err(|_| "p256dh is not a P-256 point".to_owned())?;
        let auth = rules::decode(&job.auth)
            .filter(|auth| auth.len() == 16)
            .ok_or("auth is not 16 bytes")?;
        let mut payload: PushPayload =
            serde_json::from_str(&job.payload).map_err(|err| format!("payload: {err}"))?;
        payload.url = self
            .public_url
            .join(payload.url.trim_start_matches('/'))
            .map_or_else(|_| self.public_url.to_string(), String::from);
        let body = serde_json::to_vec(&payload).map_err(|err| format!("payload: {err}"))?;
        let ttl = Duration::from_secs(u64::try_from(job.ttl_s.max(0)).unwrap_or(0));
        let request = WebPushBuilder::new(uri, ua_public, Auth::clone_from_slice(&auth))
            .with_valid_duration(ttl)
            .build(body)
            .map_err(|err| format!("cannot encrypt the push: {err}"))?;
        let token = self.token(&endpoint)?;
        let (mut parts, body) = request.into_parts();
        let headers = &mut parts.headers;
        let value = |v: String| http::HeaderValue::try_from(v).map_err(|err| err.to_string());
        headers.insert(
            http::header::AUTHORIZATION,
            value(format!("vapid t={token}, k={}", self.key.public_key))?,
        );
        headers.insert("urgency", value(job.urgency.clone())?);
        if let Some(topic) = &job.topic {
            headers.insert("topic", value(topic.clone())?);
        }
        reqwest::Request::try_from(http::Request::from_parts(parts, body))
            .map_err(|err| format!("request: {err}"))
    }

    /// The VAPID token for `endpoint`'s push service, signed here rather
    /// than by the builder: `aud` must be the endpoint's full origin, port
    /// included (RFC 8292 section 2).
    fn token(&mut self, endpoint: &url::Url) -> Result<String, String> {
        let audience = endpoint.origin().ascii_serialization();
        if let Some((token, signed)) = self.tokens.get(&audience) {
            if signed.elapsed() < VAPID_REUSE_FOR {
                return Ok(token.clone());
            }
        }
        let claims = Claims::create(web_push_native::jwt_simple::prelude::Duration::from_secs(
            VAPID_VALID_FOR_S,
        ))
        .with_audience(&audience)
        .with_subject(self.subject());
        let token = self
            .key
            .pair
            .sign(claims)
            .map_err(|err| format!("cannot sign VAPID: {err}"))?;
        // Few push services exist; forget the stale tokens of any others.
        self.tokens
            .retain(|_, (_, signed)| signed.elapsed() < VAPID_REUSE_FOR);
        self.tokens
            .insert(audience, (token.clone(), Instant::now()));
        Ok(token)
    }

    /// RFC 8292's contact: the server's public address.
    fn subject(&self) -> String {
        let url = &self.public_url;
        if url.scheme() == "https" {
            url.origin().ascii_serialization()
        } else {
            format!("mailto:admin@{}", url.host_str().unwrap_or("localhost"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_outcomes_are_written_again_after_a_pause_and_all_at_once() {
        let mut unwritten = Unwritten::default();
        let start = Instant::now();
        assert!(!unwritten.due(start), "nothing kept, nothing due");

        unwritten.keep(vec![store::Recorded::Dropped { job_id: 7 }], vec![7], start);
        assert!(!unwritten.due(start));
        assert!(unwritten.due(start + WRITE_AGAIN_AFTER));
        assert_eq!(unwritten.job_ids, [7], "left out of this node's claims");

        // Refused again with the next outcomes: both wait for the next try.
        let later = start + WRITE_AGAIN_AFTER;
        unwritten.keep(vec![store::Recorded::Dropped { job_id: 8 }], vec![8], later);
        assert!(!unwritten.due(later));
        let (outcomes, job_ids) = unwritten.take();
        assert_eq!(
            outcomes,
            [
                store::Recorded::Dropped { job_id: 7 },
                store::Recorded::Dropped { job_id: 8 }
            ]
        );
        assert_eq!(job_ids, [7, 8]);
        assert!(unwritten.job_ids.is_empty());
        assert!(!unwritten.due(later + WRITE_AGAIN_AFTER * 2));
    }
}

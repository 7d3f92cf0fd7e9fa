//! Writes the seeded stories ([`super::plan`]) down the way real traffic
//! would: every customer action is the very body the simulator sends (a
//! Telegram `Update`, a Viber callback, a WhatsApp notification), parsed by
//! the server's own channel
//! and recorded by the engine's `record_inbound` (contact, deal, round robin,
//! greeting, auto-reply); manager actions write the rows and timeline events
//! the use cases write. The rows are then dated back to the story's times,
//! and each customer joins the simulator with what their messenger shows.
//! One transaction per conversation, so the outbound worker never sees the
//! seeded replies as waiting to be sent.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, SubsecRound, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::SeedableRng;
use shared::api::chats::{DeliveryState, Direction};
use shared::api::Channel as ChannelKind;
use shared::Id;

mod manage;

use super::mirror;
use super::plan::{self, ChatPlan, Step, Who};
use super::seed::SeedError;
use super::simulator::customers::{new_external_id, Content};
use super::simulator::state::{message, Customer, MessageKind, SimMessage, Status};
use super::simulator::{telegram, viber, whatsapp, Sim};
use crate::channels::Channel;
use crate::domain::chat as rules;
use crate::domain::integration::Integration;
use crate::domain::reason::Reason;
use crate::domain::text;
use crate::service::Context;
use crate::store::demo::{self as demo_store, Settled};
use crate::store::timeline;
use crate::store::{
    chats, conversation, crm, inbound, integrations, outbound, write_transaction, DbConn,
};

/// The same stories on every fresh demo.
const STORY_SEED: u64 = 0x71D1_4650;

/// Who plays the managers, and what there is to link to.
pub struct Cast {
    pub admin: Id,
    pub employees: [Id; 2],
    pub follower: Id,
    pub tasks: Vec<Id>,
    pub projects: Vec<Id>,
    /// The sales pipeline's stages, in order.
    pub stages: Vec<Id>,
    pub telegram: Id,
    pub viber: Id,
    pub whatsapp: Id,
}

/// Messenger ids for seeded updates: counting up from well before now, so
/// they never meet the simulator's live ones (which start at the clock).
struct SeedIds {
    update: i64,
    token: u64,
}

impl SeedIds {
    fn update(&mut self) -> i64 {
        self.update += 1;
        self.update
    }

    fn token(&mut self) -> u64 {
        self.token += 1;
        self.token
    }
}

/// Writes every story; returns how many chats were made.
pub async fn seed_chats(ctx: &Context, sim: &Arc<Sim>, cast: Cast) -> Result<usize, SeedError> {
    // Whole seconds: both databases keep what is written exactly.
    let now = Utc::now().trunc_subsecs(0);
    let plans = plan::plans(&mut StdRng::seed_from_u64(STORY_SEED), now);
    let telegram = ctx
        .channels
        .get(ChannelKind::Telegram)
        .cloned()
        .ok_or(SeedError::Missing("Telegram channel"))?;
    let viber = ctx
        .channels
        .get(ChannelKind::Viber)
        .cloned()
        .ok_or(SeedError::Missing("Viber channel"))?;
    let whatsapp = ctx
        .channels
        .get(ChannelKind::Whatsapp)
        .cloned()
        .ok_or(SeedError::Missing("WhatsApp channel"))?;
    let sim = sim.clone();
    let start = (now - TimeDelta::days(90)).timestamp_millis();
    ctx.store
        .run(move |conn| {
            Ok((|| -> Result<usize, SeedError> {
                let telegram_bot = integrations::find_integration(conn, cast.telegram)?;
                let viber_bot = integrations::find_integration(conn, cast.viber)?;
                let whatsapp_bot = integrations::find_integration(conn, cast.whatsapp)?;
                let mut ids = SeedIds {
                    update: start,
                    token: u64::try_from(start).unwrap_or(1) * 10_000,
                };
                let mut used = HashSet::new();
                let mut chats = 0;
                for plan in plans {
                    // The demo's customers are on Telegram, Viber or
                    // WhatsApp (the simulator refuses others); Channel API
                    // arms here and below are never taken.
                    let (integration, channel) = match plan.channel {
                        ChannelKind::Telegram => (&telegram_bot, &telegram),
                        ChannelKind::Whatsapp => (&whatsapp_bot, &whatsapp),
                        ChannelKind::Viber | ChannelKind::Api => (&viber_bot, &viber),
                    };
                    let external_id = loop {
                        let id = new_external_id(plan.channel, plan.language.code);
                        if used.insert(id.clone()) {
                            break id;
                        }
                    };
                    let mut story = Story {
                        channel: channel.as_ref(),
                        integration,
                        cast: &cast,
                        sim: &sim,
                        customer: customer(&plan, external_id),
                        ids: &mut ids,
                        chat: None,
                        assignee: None,
                        last_item: 0,
                        reachable: true,
                        last_message: None,
                        closed_at: None,
                        notes: Vec::new(),
                    };
                    write_transaction(conn, |conn| story.write(conn, &plan, now))?;
                    let Story {
                        chat,
                        customer,
                        notes,
                        reachable,
                        ..
                    } = story;
                    if let Some(chat_id) = chat {
                        chats += 1;
                        let items = timeline::list_items(conn, chat_id, None, 200)?;
                        mirror::join_simulator(&sim, customer, &items, notes, reachable);
                    }
                }
                Ok(chats)
            })())
        })
        .await?
}

fn customer(plan: &ChatPlan, external_id: String) -> Customer {
    Customer {
        id: 0,
        channel: plan.channel,
        first_name: plan.first_name.clone(),
        last_name: plan.last_name.clone(),
        username: plan.username.clone(),
        language: plan.language.code.to_owned(),
        external_id,
        blocked: false,
        subscribed: false,
        messages: Vec::new(),
    }
}

struct Story<'a> {
    channel: &'a dyn Channel,
    integration: &'a Integration,
    cast: &'a Cast,
    sim: &'a Sim,
    customer: Customer,
    ids: &'a mut SeedIds,
    chat: Option<Id>,
    assignee: Option<Id>,
    /// The newest timeline item already dated.
    last_item: Id,
    reachable: bool,
    last_message: Option<NaiveDateTime>,
    closed_at: Option<NaiveDateTime>,
    /// What the customer saw that the timeline does not keep (Viber's
    /// welcome message).
    notes: Vec<SimMessage>,
}

impl Story<'_> {
    fn write(
        &mut self,
        conn: &mut DbConn,
        plan: &ChatPlan,
        now: DateTime<Utc>,
    ) -> Result<(), SeedError> {
        let Some(started) = plan.steps.first().map(|(at, _)| at.naive_utc()) else {
            return Ok(());
        };
        for (at, step) in &plan.steps {
            self.step(conn, *at, step, now)?;
        }
        let Some(chat_id) = self.chat else {
            return Ok(());
        };
        let last = self.last_message.unwrap_or(started);
        demo_store::backdate_chat(conn, chat_id, started, last, self.closed_at)?;
        Ok(())
    }

    fn who(&self, who: Who) -> Id {
        let [first, second] = self.cast.employees;
        let assignee = self.assignee.unwrap_or(first);
        match who {
            Who::Assignee => assignee,
            Who::Colleague if assignee == first => second,
            Who::Colleague => first,
            Who::Admin => self.cast.admin,
            Who::Follower => self.cast.follower,
        }
    }

    /// Dates what the last step added; returns the time of its last item.
    fn retime(&mut self, conn: &mut DbConn, at: DateTime<Utc>) -> Result<NaiveDateTime, SeedError> {
        let Some(chat_id) = self.chat else {
            return Ok(at.naive_utc());
        };
        let (last, time) =
            demo_store::retime_items_after(conn, chat_id, self.last_item, at.naive_utc())?;
        self.last_item = last;
        Ok(time)
    }

    /// The delivery state a message sent at `at` has reached by now.
    fn delivered(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> DeliveryState {
        match self.customer.channel {
            ChannelKind::Telegram => DeliveryState::Sent,
            ChannelKind::Viber | ChannelKind::Whatsapp | ChannelKind::Api
                if now - at < TimeDelta::hours(3) =>
            {
                DeliveryState::Delivered
            }
            ChannelKind::Viber | ChannelKind::Whatsapp | ChannelKind::Api => DeliveryState::Seen,
        }
    }

    fn unreachable_reason(&self) -> String {
        match self.customer.channel {
            ChannelKind::Telegram => Reason::CustomerBlockedBot,
            ChannelKind::Viber | ChannelKind::Whatsapp | ChannelKind::Api => {
                Reason::CustomerUnsubscribed
            }
        }
        .stored()
    }

    /// Plays the outbound worker for what the last step queued.
    fn settle(
        &mut self,
        conn: &mut DbConn,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), SeedError> {
        let Some(chat_id) = self.chat else {
            return Ok(());
        };
        let unreachable = self.unreachable_reason();
        let outcome = if self.reachable {
            Settled::Accepted(self.delivered(at, now))
        } else {
            Settled::Failed(&unreachable)
        };
        let sim = self.sim;
        let kind = self.customer.channel;
        let wa_id = self.customer.external_id.clone();
        let ids = &mut *self.ids;
        demo_store::settle_queued(conn, chat_id, outcome, || match kind {
            ChannelKind::Telegram => sim
                .update(|state| state.take_telegram_message_id())
                .to_string(),
            ChannelKind::Whatsapp => whatsapp::wamid(ids.token(), &wa_id),
            ChannelKind::Viber | ChannelKind::Api => ids.token().to_string(),
        })?;
        Ok(())
    }

    /// Parses `body` with the server's channel and records it like a webhook.
    fn receive(
        &mut self,
        conn: &mut DbConn,
        body: Vec<u8>,
    ) -> Result<inbound::Received, SeedError> {
        let parsed = self
            .channel
            .parse(&body)
            .map_err(|err| SeedError::Parse(self.customer.channel.as_str(), err.to_string()))?;
        let raw = String::from_utf8_lossy(&body).into_owned();
        integrations::lock_inbound(
            conn,
            [self.integration.id],
            [(self.integration.id, parsed.customer_key())],
        )?;
        let received =
            inbound::record_inbound(conn, self.integration, &parsed, &raw, |_, _| Ok(()))?;
        if self.chat.is_none() {
            if let Some(chat_id) = received.chat_id {
                self.chat = Some(chat_id);
                self.assignee = chats::find_chat(conn, chat_id)?.assignee_id;
            }
        }
        Ok(received)
    }

    fn customer_body(&mut self, at: DateTime<Utc>, content: &Content) -> Vec<u8> {
        match self.customer.channel {
            ChannelKind::Telegram => {
                let update_id = self.ids.update();
                let message_id = self.sim.update(|state| state.take_telegram_message_id());
                let update = telegram::message_update(
                    update_id,
                    message_id,
                    &self.customer,
                    at.timestamp(),
                    content,
                );
                serde_json::to_vec(&update).unwrap_or_default()
            }
            ChannelKind::Whatsapp => {
                let wamid = whatsapp::wamid(self.ids.token(), &self.customer.external_id);
                // A WhatsApp customer cannot open the chat without writing:
                // the stories give them no such step, and an empty body would
                // be refused by the parser.
                whatsapp::message_notification(&wamid, &self.customer, at, content)
                    .unwrap_or_default()
            }
            ChannelKind::Viber | ChannelKind::Api => {
                let token = self.ids.token();
                viber::message_callback(self.sim, token, &self.customer, at, content)
            }
        }
    }

    fn step(
        &mut self,
        conn: &mut DbConn,
        at: DateTime<Utc>,
        step: &Step,
        now: DateTime<Utc>,
    ) -> Result<(), SeedError> {
        match step {
            Step::Open(referral) if self.customer.channel == ChannelKind::Viber => {
                let body = self.customer_body(at, &Content::Start(referral.clone()));
                let received = self.receive(conn, body)?;
                let mut opened = message(Direction::In, MessageKind::Opened, Status::Delivered);
                opened.text = Some("opened the chat".into());
                opened.at = at;
                self.notes.push(opened);
                if let Some(text) = received.welcome {
                    let mut welcome =
                        message(Direction::Out, MessageKind::Welcome, Status::Delivered);
                    welcome.text = Some(text);
                    welcome.at = at + TimeDelta::seconds(1);
                    self.notes.push(welcome);
                }
            }
            // WhatsApp has no "opened the chat" event.
            Step::Open(_) if self.customer.channel == ChannelKind::Whatsapp => {}
            Step::Open(referral) => {
                self.customer_writes(conn, at, &Content::Start(referral.clone()), now)?
            }
            Step::Customer(content) => {
                if !self.reachable && self.customer.channel == ChannelKind::Telegram {
                    // Writing to a blocked bot means unblocking it first.
                    self.reachability(conn, at - TimeDelta::seconds(5), true)?;
                }
                self.customer_writes(conn, at, content, now)?;
            }
            Step::Manager(who, text) => self.manager_writes(conn, at, *who, text, now)?,
            Step::Reachable(reachable) => self.reachability(conn, at, *reachable)?,
            other => {
                if let Some(chat_id) = self.chat {
                    self.manage(conn, chat_id, at, other)?;
                }
            }
        }
        Ok(())
    }

    fn customer_writes(
        &mut self,
        conn: &mut DbConn,
        at: DateTime<Utc>,
        content: &Content,
        now: DateTime<Utc>,
    ) -> Result<(), SeedError> {
        let body = self.customer_body(at, content);
        let received = self.receive(conn, body)?;
        if received.chat_created {
            if let Some(deal) = crm::chat_deals(conn, received.chat_id.unwrap_or_default())?.first()
            {
                demo_store::set_deal_created_at(conn, deal.id, at.naive_utc())?;
            }
        }
        self.settle(conn, at, now)?;
        self.last_message = Some(self.retime(conn, at)?);
        Ok(())
    }

    fn manager_writes(
        &mut self,
        conn: &mut DbConn,
        at: DateTime<Utc>,
        who: Who,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<(), SeedError> {
        let Some(chat_id) = self.chat else {
            return Ok(());
        };
        let user = self.who(who);
        // The same rule as a reply from the app: it reopens or takes the chat.
        let before = chats::find_chat(conn, chat_id)?.state();
        let transition = rules::manager_replies(before, user);
        conversation::apply(
            conn,
            chat_id,
            Some(user),
            before,
            &transition,
            at.naive_utc(),
        )?;
        let item = timeline::insert_outbound(conn, chat_id, Some(user), body, None)?;
        outbound::enqueue(conn, self.integration.id, chat_id, item)?;
        self.settle(conn, at, now)?;
        chats::touch(conn, chat_id, at.naive_utc(), &text::preview(body))?;
        chats::mark_read(conn, chat_id, user, Some(item))?;
        self.last_message = Some(self.retime(conn, at)?);
        Ok(())
    }

    fn reachability(
        &mut self,
        conn: &mut DbConn,
        at: DateTime<Utc>,
        reachable: bool,
    ) -> Result<(), SeedError> {
        let body = match self.customer.channel {
            ChannelKind::Telegram => {
                let update_id = self.ids.update();
                let update =
                    telegram::member_update(update_id, &self.customer, at.timestamp(), !reachable);
                serde_json::to_vec(&update).unwrap_or_default()
            }
            // WhatsApp never tells a business that a customer blocked it.
            ChannelKind::Whatsapp => return Ok(()),
            ChannelKind::Viber | ChannelKind::Api => {
                let token = self.ids.token();
                viber::subscription_callback(token, &self.customer, at, reachable)
            }
        };
        self.receive(conn, body)?;
        self.reachable = reachable;
        self.retime(conn, at)?;
        Ok(())
    }
}

//! The stories of the seeded conversations: who writes what and when, and
//! what the managers do about it. Pure and deterministic (a seeded random
//! generator and a given "now"), so every fresh demo tells the same stories,
//! dated relative to the day it starts.

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use shared::api::crm::LinkKind;
use shared::api::Channel;

use super::corpus::{self, Language, Outcome};
use super::simulator::customers::Content;

/// How many past conversations a fresh demo has.
pub const CHATS: usize = 260;
/// How far back they go.
const DAYS: i64 = 42;

/// A manager in a story, resolved when it is written down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Whoever the queue gave the chat to.
    Assignee,
    /// The other employee.
    Colleague,
    Admin,
    /// The follower account.
    Follower,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Telegram `/start [payload]`; Viber `conversation_started [context]`.
    Open(Option<String>),
    Customer(Content),
    Manager(Who, String),
    Tags(Vec<String>),
    Comment(Who, String),
    /// Moves the chat's deal: stage index in the pipeline, amount, new title.
    Deal {
        stage: usize,
        amount: Option<f64>,
        title: Option<String>,
    },
    ExtraDeal(String),
    Link(LinkKind, usize),
    FollowersAdd(Vec<Who>),
    Close,
    Unassign,
    /// Telegram: blocked (`true`) / unblocked the bot. Viber: unsubscribed /
    /// subscribed.
    Reachable(bool),
}

/// One customer's story.
#[derive(Debug, Clone)]
pub struct ChatPlan {
    pub channel: Channel,
    pub language: &'static Language,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub steps: Vec<(DateTime<Utc>, Step)>,
}

/// The seeded WhatsApp customer whose 24-hour window closed six hours ago.
pub const WINDOW_CLOSED_NAME: (&str, &str) = ("Lucía", "Romero");
/// The seeded WhatsApp customer who wrote an hour ago.
pub const WINDOW_OPEN_NAME: (&str, &str) = ("Oliver", "Bennett");

/// Every story, oldest first.
pub fn plans(rng: &mut StdRng, now: DateTime<Utc>) -> Vec<ChatPlan> {
    let mut plans: Vec<ChatPlan> = (0..CHATS).map(|index| plan(rng, now, index)).collect();
    plans.extend(whatsapp_window_stories(now));
    plans.retain(|plan| !plan.steps.is_empty());
    plans.sort_by_key(|plan| plan.steps.first().map(|(at, _)| *at));
    plans
}

fn minutes(rng: &mut StdRng, low: i64, high: i64) -> TimeDelta {
    TimeDelta::seconds(rng.gen_range(low * 60..=high * 60))
}

/// Two WhatsApp customers to try the 24-hour window on: one whose last
/// message is 30 hours old (the composer offers templates at once), one who
/// wrote an hour ago (free replies for 23 more hours).
fn whatsapp_window_stories(now: DateTime<Utc>) -> [ChatPlan; 2] {
    let story =
        |(first, last): (&str, &str), language: &str, steps: Vec<(TimeDelta, Step)>| ChatPlan {
            channel: Channel::Whatsapp,
            language: corpus::language(language),
            first_name: first.to_owned(),
            last_name: Some(last.to_owned()),
            username: None,
            steps: steps
                .into_iter()
                .map(|(ago, step)| (now - ago, step))
                .collect(),
        };
    let customer = |text: &str| Step::Customer(Content::Text(text.to_owned()));
    let manager = |text: &str| Step::Manager(Who::Assignee, text.to_owned());
    let minutes = TimeDelta::minutes;
    [
        story(
            WINDOW_CLOSED_NAME,
            "es",
            vec![
                (minutes(31 * 60), customer("Hola, ¿ya salió mi pedido 4821?")),
                (minutes(31 * 60 - 20), manager("¡Hola Lucía! Sale mañana por la mañana, te avisamos en cuanto lo tenga el transportista.")),
                (minutes(30 * 60), customer("Perfecto, gracias. Quedo atenta.")),
                (minutes(30 * 60), Step::Tags(vec!["delivery".to_owned()])),
            ],
        ),
        story(
            WINDOW_OPEN_NAME,
            "en",
            vec![
                (minutes(75), customer("Hi! Do you ship to Ireland?")),
                (minutes(70), manager("Hi Oliver, yes we do: 3 to 5 working days.")),
                (minutes(60), customer("Great, and how much is shipping?")),
            ],
        ),
    ]
}

fn plan(rng: &mut StdRng, now: DateTime<Utc>, index: usize) -> ChatPlan {
    let channel = match rng.gen_range(0..100) {
        0..50 => Channel::Telegram,
        50..80 => Channel::Viber,
        _ => Channel::Whatsapp,
    };
    let language = corpus::pick_language(rng);
    let (first_name, last_name, username) = corpus::pick_name(rng, language);
    // WhatsApp shows a profile name and a number, no username.
    let username = username.filter(|_| channel != Channel::Whatsapp);
    let age = if rng.gen_bool(0.12) {
        TimeDelta::minutes(rng.gen_range(10..20 * 60))
    } else {
        TimeDelta::minutes(rng.gen_range(20 * 60..DAYS * 24 * 60))
    };
    // Business hours-ish: shift to between 8:00 and 21:00 of that day.
    let mut at = now - age;
    if age > TimeDelta::hours(20) && !(8..21).contains(&at.hour()) {
        at += TimeDelta::hours(12);
    }
    let topic_index = rng.gen_range(0..corpus::TOPICS.len());
    let meta = &corpus::TOPICS[topic_index];
    let (title, lines) = language.topics[topic_index];
    let mut steps: Vec<(DateTime<Utc>, Step)> = Vec::new();

    // WhatsApp has no "opened the chat": its customers start by writing.
    let opens = channel == Channel::Viber || (channel == Channel::Telegram && rng.gen_bool(0.65));
    if opens {
        let referral = rng
            .gen_bool(0.3)
            .then(|| corpus::REFERRALS.choose(rng).map(|r| (*r).to_owned()))
            .flatten();
        steps.push((at, Step::Open(referral)));
        at += TimeDelta::seconds(rng.gen_range(5..90));
    }
    for (line_index, line) in lines.iter().enumerate() {
        if line_index % 2 == 0 {
            steps.push((at, Step::Customer(Content::Text((*line).to_owned()))));
            if line_index == 0 && rng.gen_bool(0.12) {
                at += TimeDelta::seconds(rng.gen_range(10..60));
                let caption = language.captions.choose(rng).map(|c| (*c).to_owned());
                let seed = rng.gen_range(1..1_000_000);
                steps.push((at, Step::Customer(Content::Photo { seed, caption })));
            }
            if topic_index == 3 && line_index == 2 && rng.gen_bool(0.5) {
                at += TimeDelta::seconds(rng.gen_range(5..40));
                let lat = language.city.0 + rng.gen_range(-0.05..0.05);
                let lon = language.city.1 + rng.gen_range(-0.08..0.08);
                steps.push((at, Step::Customer(Content::Location { lat, lon })));
            }
            at += minutes(rng, 1, 25);
        } else {
            steps.push((at, Step::Manager(Who::Assignee, (*line).to_owned())));
            at += minutes(rng, 1, 90);
        }
        if line_index == 1 && rng.gen_bool(0.25) {
            let text = language
                .comments
                .choose(rng)
                .copied()
                .unwrap_or("Follow up.");
            let who = match rng.gen_range(0..10) {
                0..7 => Who::Assignee,
                7..9 => Who::Colleague,
                _ => Who::Admin,
            };
            steps.push((at, Step::Comment(who, text.to_owned())));
        }
    }
    if rng.gen_bool(0.55) {
        let mut tags = vec![meta.tag.to_owned()];
        if rng.gen_bool(0.3) {
            if let Some(extra) = corpus::TAGS_EXTRA.choose(rng) {
                tags.push((*extra).to_owned());
            }
        }
        steps.push((at, Step::Tags(tags)));
    }
    let scale = f64::from(language.currency_scale);
    let amount = |rng: &mut StdRng| {
        let (low, high) = meta.amount;
        (high > 0).then(|| f64::from(rng.gen_range(low..=high) / 5 * 5) * scale)
    };
    let rename = rng.gen_bool(0.6).then(|| title.to_owned());
    let (stage, with_amount) = match meta.outcome {
        Outcome::Order => (if rng.gen_bool(0.75) { 4 } else { 2 }, true),
        Outcome::Project => (*[1, 2, 2, 3, 3, 4, 5].choose(rng).unwrap_or(&2), true),
        Outcome::Problem => (if rng.gen_bool(0.5) { 5 } else { 4 }, false),
        Outcome::Question => (*[0, 1, 1, 4].choose(rng).unwrap_or(&1), true),
    };
    let deal_amount = if with_amount { amount(rng) } else { None };
    steps.push((
        at,
        Step::Deal {
            stage,
            amount: deal_amount,
            title: rename,
        },
    ));
    if rng.gen_bool(0.08) {
        steps.push((at, Step::ExtraDeal(format!("{title} (2)"))));
    }
    if rng.gen_bool(0.15) {
        steps.push((
            at,
            Step::Link(LinkKind::Task, rng.gen_range(0..corpus::TASKS.len())),
        ));
    }
    if rng.gen_bool(0.08) {
        steps.push((
            at,
            Step::Link(LinkKind::Project, rng.gen_range(0..corpus::PROJECTS.len())),
        ));
    }
    if index.is_multiple_of(9) || rng.gen_bool(0.05) {
        let mut who = vec![Who::Follower];
        if rng.gen_bool(0.4) {
            who.push(Who::Colleague);
        }
        steps.push((at, Step::FollowersAdd(who)));
    }
    let mut gone = false;
    // WhatsApp never tells a business it was blocked.
    if channel != Channel::Whatsapp && rng.gen_bool(0.06) {
        at += minutes(rng, 30, 600);
        steps.push((at, Step::Reachable(false)));
        gone = true;
        if rng.gen_bool(0.4) {
            at += minutes(rng, 10, 300);
            let text = language.welcome_back.first().copied().unwrap_or("Hello?");
            steps.push((at, Step::Manager(Who::Assignee, text.to_owned())));
        }
        if rng.gen_bool(0.25) {
            at += minutes(rng, 60, 2_000);
            steps.push((at, Step::Reachable(true)));
            gone = false;
        }
    }
    let old = now - at > TimeDelta::hours(36);
    if old && rng.gen_bool(0.75) {
        at += minutes(rng, 10, 180);
        steps.push((at, Step::Close));
        if !gone && rng.gen_bool(0.12) {
            at += TimeDelta::hours(rng.gen_range(20..200));
            let text = language
                .returning
                .choose(rng)
                .copied()
                .unwrap_or("Hi again!");
            steps.push((at, Step::Customer(Content::Text(text.to_owned()))));
            if rng.gen_bool(0.7) {
                at += minutes(rng, 2, 40);
                let text = language
                    .welcome_back
                    .choose(rng)
                    .copied()
                    .unwrap_or("Hello!");
                steps.push((at, Step::Manager(Who::Assignee, text.to_owned())));
            }
        }
    } else if !old && rng.gen_bool(0.15) {
        steps.push((at, Step::Unassign));
    }
    // Nothing from the future: a recent story stops where "now" is.
    let horizon = now - TimeDelta::seconds(90);
    steps.retain(|(at, _)| *at <= horizon);
    ChatPlan {
        channel,
        language,
        first_name,
        last_name,
        username,
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn stories_are_in_the_past_in_order_and_the_same_every_time() {
        let now = Utc::now();
        let first = plans(&mut StdRng::seed_from_u64(7), now);
        let second = plans(&mut StdRng::seed_from_u64(7), now);
        assert!(first.len() >= 200);
        for (a, b) in first.iter().zip(&second) {
            assert_eq!(a.steps, b.steps);
            assert!(a.steps.windows(2).all(|pair| pair[0].0 <= pair[1].0));
            assert!(a.steps.iter().all(|(at, _)| *at < now));
        }
    }

    #[test]
    fn whatsapp_customers_start_by_writing_and_two_of_them_show_the_window() {
        let now = Utc::now();
        let plans = plans(&mut StdRng::seed_from_u64(5), now);
        let whatsapp: Vec<&ChatPlan> = plans
            .iter()
            .filter(|plan| plan.channel == Channel::Whatsapp)
            .collect();
        assert!(whatsapp.len() >= 20, "{}", whatsapp.len());
        for plan in &whatsapp {
            assert!(
                !plan
                    .steps
                    .iter()
                    .any(|(_, step)| matches!(step, Step::Open(_) | Step::Reachable(_))),
                "{:?}",
                plan.steps
            );
        }
        let last_wrote = |(first, last): (&str, &str)| {
            whatsapp
                .iter()
                .find(|plan| plan.first_name == first && plan.last_name.as_deref() == Some(last))
                .and_then(|plan| {
                    plan.steps
                        .iter()
                        .rev()
                        .find(|(_, step)| matches!(step, Step::Customer(_)))
                })
                .map(|(at, _)| now - *at)
        };
        assert_eq!(last_wrote(WINDOW_CLOSED_NAME), Some(TimeDelta::hours(30)));
        assert_eq!(last_wrote(WINDOW_OPEN_NAME), Some(TimeDelta::hours(1)));
    }

    #[test]
    fn every_story_starts_with_the_customer() {
        let plans = plans(&mut StdRng::seed_from_u64(3), Utc::now());
        for plan in plans {
            assert!(
                matches!(plan.steps[0].1, Step::Open(_) | Step::Customer(_)),
                "{:?}",
                plan.steps[0]
            );
        }
    }
}

//! Live traffic: while the switch on the simulator page is on, a simulated
//! customer writes every few seconds — someone new (opening the bot first) or
//! someone returning — so the inbox keeps moving.

use std::sync::Arc;
use std::time::Duration;

use rand::seq::SliceRandom;
use rand::Rng;
use shared::api::Channel;
use tokio::sync::watch;

use super::customers::{self, ActionError, Content, NewCustomer};
use super::state::Sim;
use crate::demo::corpus;

/// Runs until `shutdown`; acts only while the switch is on.
pub async fn run(sim: Arc<Sim>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let wait = Duration::from_millis(rand::thread_rng().gen_range(2_500..6_000));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return,
        }
        if !sim.read(|state| state.saved.traffic) {
            continue;
        }
        if let Err(err) = tick(&sim).await {
            tracing::debug!(%err, "a simulated customer could not act");
        }
    }
}

/// One customer writes once.
async fn tick(sim: &Sim) -> Result<(), ActionError> {
    // Customers able to write (blocked ones would have to unblock first).
    let returning: Vec<(u64, String)> = sim.read(|state| {
        state
            .saved
            .customers
            .iter()
            .filter(|customer| !customer.blocked)
            .map(|customer| (customer.id, customer.language.clone()))
            .collect()
    });
    let new_one = returning.len() < 5 || rand::thread_rng().gen_bool(0.35);
    if new_one {
        let (new, first_text) = {
            let mut rng = rand::thread_rng();
            let language = corpus::pick_language(&mut rng);
            let (first_name, last_name, username) = corpus::pick_name(&mut rng, language);
            let channel = match rng.gen_range(0..100) {
                0..45 => Channel::Telegram,
                45..75 => Channel::Viber,
                _ => Channel::Whatsapp,
            };
            let referral = rng
                .gen_bool(0.3)
                .then(|| corpus::REFERRALS.choose(&mut rng).map(|r| (*r).to_owned()))
                .flatten();
            let text = opening_text(&mut rng, language);
            (
                NewCustomer {
                    channel,
                    first_name,
                    last_name,
                    username,
                    language: language.code.to_owned(),
                    referral,
                },
                text,
            )
        };
        let id = customers::create(sim, new).await?;
        tokio::time::sleep(Duration::from_millis(1_200)).await;
        customers::send(sim, id, Content::Text(first_text)).await?;
        return Ok(());
    }
    let (id, content) = {
        let mut rng = rand::thread_rng();
        let Some((id, language)) = returning.choose(&mut rng) else {
            return Ok(());
        };
        (*id, random_content(&mut rng, corpus::language(language)))
    };
    customers::send(sim, id, content).await?;
    Ok(())
}

/// What a new customer writes first: a question out of the blue or the start
/// of a topic.
fn opening_text(rng: &mut impl Rng, language: &corpus::Language) -> String {
    if rng.gen_bool(0.5) {
        if let Some((_, lines)) = language.topics.choose(rng) {
            if let Some(first) = lines.first() {
                return (*first).to_owned();
            }
        }
    }
    language
        .live
        .choose(rng)
        .copied()
        .unwrap_or("Hi!")
        .to_owned()
}

/// Mostly text, sometimes a picture or a location.
pub fn random_content(rng: &mut impl Rng, language: &corpus::Language) -> Content {
    match rng.gen_range(0..100) {
        0..7 => Content::Photo {
            seed: rng.gen_range(1..1_000_000),
            caption: language.captions.choose(rng).map(|c| (*c).to_owned()),
        },
        7..11 => Content::Location {
            lat: language.city.0 + rng.gen_range(-0.05..0.05),
            lon: language.city.1 + rng.gen_range(-0.08..0.08),
        },
        _ => Content::Text(
            language
                .live
                .choose(rng)
                .copied()
                .unwrap_or("Hello?")
                .to_owned(),
        ),
    }
}

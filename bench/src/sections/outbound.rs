//! The `outbound` section: replies against Telegram's flood limits.

use crate::harness::Harness;
use crate::report::{Report, Section};
use crate::{ms, outbound, ratio, triple, Database, Options};

pub(crate) async fn outbound(
    options: &Options,
    database: Database,
    report: &mut Report,
) -> anyhow::Result<()> {
    let harness = Harness::start(database, options.workers).await?;
    let params = outbound::Params {
        chats: options.outbound_chats,
        replies_per_chat: options.replies_per_chat,
        rate: options.reply_rate,
    };
    let outcome = outbound::run(&harness, &params, options.quiet).await;
    harness.stop().await;
    let outcome = outcome?;
    let mut section = Section::new(
        format!("{}-outbound", database.key()),
        format!(
            "Outbound on {}: {} replies to {} chats offered at {:.0}/s; the fake Telegram allows {} sends per {:?} per bot and {} per {:?} per chat",
            database.name(),
            outcome.replies.sent,
            options.outbound_chats,
            options.reply_rate,
            outbound::LIMITS.bot_sends,
            outbound::LIMITS.bot_window,
            outbound::LIMITS.chat_sends,
            outbound::LIMITS.chat_window,
        ),
    );
    section.row(
        "replies accepted (201)",
        format!("{} of {}", outcome.replies.ok, outcome.replies.sent),
        format!(
            "reply request p50 / p99 / p99.9 {}",
            triple(&outcome.replies)
        ),
    );
    section.row(
        "sent to Telegram",
        format!("{:.1}/s", outcome.sent_per_s),
        format!(
            "{} of the {:.0}/s the limits allow this run",
            ratio(outcome.sent_per_s, outcome.allowed_per_s),
            outcome.allowed_per_s
        ),
    );
    section.row(
        "reply 201 -> Telegram took it p50 / p99",
        format!(
            "{} / {} ms",
            ms(outcome.delay.ms(0.5)),
            ms(outcome.delay.ms(0.99))
        ),
        format!(
            "max {} ms; the backlog drains at the bot's rate",
            ms(outcome.delay.max_ms())
        ),
    );
    section.row(
        "429s",
        format!(
            "{} over the limits, {} injected",
            outcome.flood_refusals, outcome.injected_429s
        ),
        "each retried after retry_after",
    );
    report.check(
        format!(
            "{} outbound: every accepted reply reached Telegram exactly once",
            database.name()
        ),
        outcome.missing == 0 && outcome.repeated == 0 && outcome.replies.ok > 0,
        format!(
            "{} taken, {} missing, {} repeated",
            outcome.sent, outcome.missing, outcome.repeated
        ),
    );
    report.sections.push(section);
    Ok(())
}

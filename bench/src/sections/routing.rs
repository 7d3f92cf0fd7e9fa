//! The `routing` section: the database work of routing one new chat.

use crate::harness::Harness;
use crate::report::{Report, Section};
use crate::{ms, routing, Database, Options};

pub(crate) async fn routing(
    options: &Options,
    database: Database,
    report: &mut Report,
) -> anyhow::Result<()> {
    let harness = Harness::start(database, options.workers).await?;
    let params = routing::Params {
        managers: options.routing_managers,
        integrations: options.routing_integrations,
        chats: options.routing_chats,
        repeat: options.repeat,
    };
    let outcome = routing::run(&harness, &params, options.quiet).await;
    harness.stop().await;
    let outcome = outcome?;
    let mut section = Section::new(
        format!("{}-routing", database.key()),
        format!(
            "Routing on {}: {} managers (capped) in each of {} queues, {} open chats",
            database.name(),
            params.managers,
            params.integrations,
            outcome.open_chats
        ),
    );
    section.row(
        "one new chat's turn p50 / p99",
        format!(
            "{} / {} ms",
            ms(outcome.latencies.ms(0.5)),
            ms(outcome.latencies.ms(0.99))
        ),
        format!(
            "{} turns, committed; target < 2 ms on SQLite (no scan of all open chats)",
            options.repeat
        ),
    );
    report.check(
        format!("{} routing: every turn found a manager", database.name()),
        outcome.assigned == options.repeat,
        format!("{} of {}", outcome.assigned, options.repeat),
    );
    report.sections.push(section);
    Ok(())
}

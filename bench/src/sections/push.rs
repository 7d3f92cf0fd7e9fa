//! The `push` section: a burst of notifications through the Web Push queue.

use tidings_tests::fake_push::FakePush;

use crate::harness::Harness;
use crate::report::{Report, Section};
use crate::{ms, push, Database, Options};

pub(crate) async fn push(
    options: &Options,
    database: Database,
    report: &mut Report,
) -> anyhow::Result<()> {
    let fake = FakePush::start().await;
    let host = fake.host();
    let harness = Harness::start_configured(database, options.workers, |config| {
        config.push_hosts = vec![host];
    })
    .await?;
    let key = harness.admin.get("/api/v1/push/key").await?;
    let key: serde_json::Value = crate::harness::expect_json(key, 200).await?;
    fake.expect_server_key(key["public_key"].as_str().unwrap_or_default());
    let params = push::Params {
        devices: options.push_devices,
        notifications: options.push_notifications,
        senders: 16,
        check_after: options.push_check_after,
    };
    let outcome = push::run(&harness, &fake, &params, options.quiet).await;
    harness.stop().await;
    let outcome = outcome?;
    let mut section = Section::new(
        format!("{}-push", database.key()),
        format!(
            "Web Push on {}: a burst of {} customer messages (one notification and one push each) to {} managers with one device each; the fake push service verifies and decrypts every push {}",
            database.name(),
            params.notifications,
            params.devices,
            if params.check_after {
                "after the timed window"
            } else {
                "as it arrives, in the same process"
            },
        ),
    );
    section.row(
        "burst start -> every push at the push service",
        format!("{:.2} s", outcome.delivered_in.as_secs_f64()),
        format!(
            "{} pushes accepted, {} refused",
            outcome.pushes, outcome.rejected
        ),
    );
    section.row(
        "webhook p50 / p99, burst without devices",
        format!(
            "{} / {} ms",
            ms(outcome.quiet.ms(0.5)),
            ms(outcome.quiet.ms(0.99))
        ),
        "the same burst before any device subscribed (no pushes)",
    );
    section.row(
        "webhook p50 / p99, burst with pushes",
        format!(
            "{} / {} ms",
            ms(outcome.busy.ms(0.5)),
            ms(outcome.busy.ms(0.99))
        ),
        format!("{} senders at once", params.senders),
    );
    report.check(
        format!(
            "{} push: every push delivered once, none refused",
            database.name()
        ),
        outcome.pushes == params.notifications as usize && outcome.rejected == 0,
        format!("{} of {}", outcome.pushes, params.notifications),
    );
    report.sections.push(section);
    Ok(())
}

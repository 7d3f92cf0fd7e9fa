//! A webhook round trip: the fake posts updates the way Telegram does to a
//! small endpoint that answers with `TelegramChannel::verify` + `parse`.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use reqwest::StatusCode;
use tidings::channels::telegram::TelegramChannel;
use tidings::channels::{Bot, Channel, ChannelError, Headers, Inbound, InboundEvent};
use tidings_tests::fake_telegram::FakeTelegram;

use crate::{setup, CUSTOMER, SECRET, TOKEN};

struct Endpoint {
    channel: TelegramChannel,
    bot: Bot,
    received: Mutex<Vec<Inbound>>,
}

async fn hook(
    request: HttpRequest,
    body: web::Bytes,
    endpoint: web::Data<Endpoint>,
) -> HttpResponse {
    let headers = Headers(
        request
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                Some((
                    name.as_str().to_ascii_lowercase(),
                    value.to_str().ok()?.to_owned(),
                ))
            })
            .collect(),
    );
    if let Err(error) = endpoint.channel.verify(&endpoint.bot, &headers, &body) {
        assert_eq!(error, ChannelError::BadSignature);
        return HttpResponse::Unauthorized().finish();
    }
    match endpoint.channel.parse(&body) {
        Ok(inbound) => {
            endpoint
                .received
                .lock()
                .expect("the lock is not poisoned")
                .push(inbound);
            HttpResponse::Ok().finish()
        }
        Err(_) => HttpResponse::BadRequest().finish(),
    }
}

/// Starts the endpoint; returns its URL and what it received.
fn start_endpoint(
    channel: TelegramChannel,
    bot: Bot,
) -> (String, Arc<Endpoint>, actix_web::dev::ServerHandle) {
    let endpoint = Arc::new(Endpoint {
        channel,
        bot,
        received: Mutex::new(Vec::new()),
    });
    let data = web::Data::from(endpoint.clone());
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = listener.local_addr().expect("an address");
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/hooks/telegram/1", web::post().to(hook))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .expect("the endpoint listens")
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    (format!("http://{addr}/hooks/telegram/1"), endpoint, handle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_posted_with_the_registered_secret_are_verified_and_parsed() {
    let (fake, channel, bot) = setup().await;
    let (url, endpoint, handle) = start_endpoint(channel.clone(), bot.clone());
    channel
        .register_webhook(&bot, &url)
        .await
        .expect("the webhook is set");

    let updates = [
        FakeTelegram::start_update(1, CUSTOMER, "Anna", Some("promo_7")),
        FakeTelegram::photo_update(2, CUSTOMER, "Anna", "AgACphoto", Some("look")),
        FakeTelegram::edited_text_update(3, 1, CUSTOMER, "Anna", "edited"),
        FakeTelegram::reply_update(4, CUSTOMER, "Anna", "yes", 88),
        FakeTelegram::document_update(5, CUSTOMER, "Anna", "BQACdoc", "a.pdf", 1_000),
        FakeTelegram::unblocked_update(6, CUSTOMER, "Anna"),
        FakeTelegram::group_text_update(7, CUSTOMER, "Anna", "hello group"),
    ];
    for update in &updates {
        assert_eq!(fake.deliver(TOKEN, update).await, StatusCode::OK);
    }
    let received = endpoint
        .received
        .lock()
        .expect("the lock is not poisoned")
        .clone();
    let keys: Vec<&str> = received
        .iter()
        .map(|inbound| inbound.dedup_key.as_str())
        .collect();
    assert_eq!(keys, ["1", "2", "3", "4", "5", "6", "7"]);
    match &received[0].event {
        InboundEvent::Message(message) => {
            assert_eq!(message.content_kind, "start");
            assert_eq!(message.referral.as_deref(), Some("promo_7"));
            assert_eq!(message.customer.external_id, CUSTOMER.to_string());
        }
        other => panic!("{other:?}"),
    }
    match &received[1].event {
        InboundEvent::Message(message) => {
            assert_eq!(message.attachments[0].external_ref, "AgACphoto");
            assert_eq!(message.text.as_deref(), Some("look"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(received[2].event, InboundEvent::Edited(_)));
    match &received[3].event {
        InboundEvent::Message(message) => {
            assert_eq!(message.reply_to_external_id.as_deref(), Some("88"))
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        received[5].event,
        InboundEvent::Reachability { .. }
    ));
    assert!(matches!(received[6].event, InboundEvent::Ignored { .. }));
    drop(handle.stop(false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_with_a_wrong_or_missing_secret_are_refused() {
    let (_fake, channel, bot) = setup().await;
    let (url, endpoint, handle) = start_endpoint(channel, bot);
    let update = FakeTelegram::text_update(1, CUSTOMER, "Anna", "hi");
    assert_eq!(
        FakeTelegram::post_to_webhook(&url, "not-the-secret", &update).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        FakeTelegram::post_to_webhook(&url, "", &update).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        FakeTelegram::post_to_webhook(&url, SECRET, &update).await,
        StatusCode::OK
    );
    assert_eq!(
        endpoint
            .received
            .lock()
            .expect("the lock is not poisoned")
            .len(),
        1
    );
    drop(handle.stop(false));
}

//! Downloading customers' files and uploading ours.

use std::time::Duration;

use tidings::channels::telegram::MAX_DOWNLOAD_BYTES;
use tidings_tests::fake_viber::RecordingWebhook;

use crate::{provider, setup, CUSTOMER};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_file_returns_the_bytes_of_a_registered_file() {
    let (fake, channel, bot) = setup().await;
    let bytes: Vec<u8> = (0..=255).cycle().take(300_000).collect();
    fake.add_file("BQACAgIAAxkBAAIBZ2", bytes.clone());
    let file = channel
        .download_file(&bot, "BQACAgIAAxkBAAIBZ2", 1024 * 1024)
        .await
        .expect("downloaded");
    assert_eq!(file.size, 300_000);
    assert_eq!(file.bytes, bytes);
    assert!(
        file.file_path.starts_with("documents/"),
        "{}",
        file.file_path
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_over_twenty_megabytes_are_refused_permanently() {
    let (fake, channel, bot) = setup().await;
    fake.add_file("big", vec![0; MAX_DOWNLOAD_BYTES as usize + 1]);
    let error = provider(channel.download_file(&bot, "big", u64::MAX).await);
    assert!(!error.retryable);
    assert!(error.reason.contains("20 MB"), "{}", error.reason);
    assert!(
        fake.calls().iter().all(|call| call.method == "getFile"),
        "nothing is downloaded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_over_the_callers_limit_are_refused_permanently() {
    let (fake, channel, bot) = setup().await;
    fake.add_file("medium", vec![1; 5_000]);
    let error = provider(channel.download_file(&bot, "medium", 4_999).await);
    assert!(!error.retryable);
    assert!(error.reason.contains("4999"), "{}", error.reason);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_file_id_is_a_permanent_error() {
    let (_fake, channel, bot) = setup().await;
    let error = provider(channel.download_file(&bot, "nope", 1_000).await);
    assert!(!error.retryable);
    assert!(error.reason.contains("file_id"), "{}", error.reason);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_redirected_off_the_bot_api_server_is_refused_permanently() {
    let (fake, channel, bot) = setup().await;
    let elsewhere = RecordingWebhook::start().await;
    fake.add_redirected_file("moved", &elsewhere.url("/stolen"));
    let error = provider(channel.download_file(&bot, "moved", 1_000).await);
    assert!(!error.retryable);
    assert!(error.reason.contains("refused"), "{}", error.reason);
    assert!(
        elsewhere.received().is_empty(),
        "the token left for another host"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_document_uploads_the_bytes_with_name_and_caption() {
    let (fake, channel, bot) = setup().await;
    let sent = channel
        .send_document(
            &bot,
            &CUSTOMER.to_string(),
            b"%PDF-1.7 invoice".to_vec(),
            "invoice-1042.pdf",
            Some("Your invoice 🧾"),
        )
        .await
        .expect("uploaded");
    let messages = fake.wait_for_sent(1, Duration::from_secs(5)).await;
    let upload = &messages[0];
    assert_eq!(upload.method, "sendDocument");
    assert_eq!(upload.chat_id, CUSTOMER);
    assert_eq!(upload.file_name.as_deref(), Some("invoice-1042.pdf"));
    assert_eq!(upload.file.as_deref(), Some(&b"%PDF-1.7 invoice"[..]));
    assert_eq!(upload.caption.as_deref(), Some("Your invoice 🧾"));
    assert_eq!(sent.external_ids, vec![upload.message_id.to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_photo_with_a_caption_over_the_limit_sends_the_caption_as_text() {
    let (fake, channel, bot) = setup().await;
    let caption = "A long description. ".repeat(60); // 1,200 chars
    let sent = channel
        .send_photo(
            &bot,
            &CUSTOMER.to_string(),
            vec![0xFF, 0xD8, 0xFF, 0xE0],
            "box.jpg",
            Some(&caption),
        )
        .await
        .expect("uploaded");
    let messages = fake.wait_for_sent(2, Duration::from_secs(5)).await;
    assert_eq!(messages[0].method, "sendPhoto");
    assert_eq!(messages[0].caption, None);
    assert_eq!(
        messages[0].file.as_deref(),
        Some(&[0xFF, 0xD8, 0xFF, 0xE0][..])
    );
    assert_eq!(messages[1].method, "sendMessage");
    assert_eq!(messages[1].text.as_deref(), Some(caption.trim()));
    assert_eq!(sent.external_ids.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_over_ten_megabytes_is_refused_without_uploading() {
    let (fake, channel, bot) = setup().await;
    let error = provider(
        channel
            .send_photo(
                &bot,
                &CUSTOMER.to_string(),
                vec![0; 10 * 1024 * 1024 + 1],
                "huge.jpg",
                None,
            )
            .await,
    );
    assert!(!error.retryable);
    assert!(fake.calls().is_empty());
}

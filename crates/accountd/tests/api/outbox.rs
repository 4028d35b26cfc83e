//! Mail on the job queue under faults: a relay that is down, a restart, and several nodes
//! on one database.

use crate::helpers::{spawn_app_with, spawn_node, spawn_node_of, MailSink};

async fn wait_for_total(sink: &MailSink, count: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while sink.messages().len() < count {
        assert!(std::time::Instant::now() < deadline, "only {} of {count} mails arrived", sink.messages().len());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Long enough for a duplicate, if there were one, to arrive too.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
}

#[tokio::test]
async fn mail_waits_while_the_relay_is_down_and_arrives_exactly_once_after() {
    let mut sink = MailSink::reserve();
    let url = sink.url();
    let app = spawn_app_with(|config| config.smtp_url = Some(url)).await;
    for name in ["alice", "bob", "carol"] {
        app.register_as(name).await;
    }
    // Every message has been tried and has failed at least once.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while app
        .query_i64("SELECT count(*) FROM jobs WHERE kind = 'mail.send' AND attempts >= 1 AND status = 'pending'")
        .await
        < 3
    {
        assert!(std::time::Instant::now() < deadline, "deliveries were not attempted");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    sink.listen().await;
    app.clock.advance(chrono::Duration::minutes(30));
    wait_for_total(&sink, 3).await;
    let messages = sink.messages();
    assert_eq!(messages.len(), 3);
    for name in ["alice", "bob", "carol"] {
        assert_eq!(sink.count_for(&format!("{name}@example.com")), 1, "{name}");
    }
    assert_eq!(app.query_i64("SELECT count(*) FROM jobs WHERE kind = 'mail.send' AND status = 'done'").await, 3);
}

#[tokio::test]
async fn mail_queued_before_a_restart_is_delivered_once_after_it() {
    let mut sink = MailSink::reserve();
    let url = sink.url();
    let mut app = spawn_app_with(|config| config.smtp_url = Some(url.clone())).await;
    app.register_as("patient").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while app.query_i64("SELECT count(*) FROM jobs WHERE kind = 'mail.send' AND attempts >= 1").await < 1 {
        assert!(std::time::Instant::now() < deadline, "delivery was not attempted");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    app.stop().await;

    // The next process on the same database finds the mail still queued and delivers it.
    sink.listen().await;
    let restarted = spawn_node_of(&app, |config| config.smtp_url = Some(url)).await;
    restarted.clock.advance(chrono::Duration::minutes(30));
    wait_for_total(&sink, 1).await;
    assert_eq!(sink.count_for("patient@example.com"), 1);
    assert_eq!(app.query_i64("SELECT count(*) FROM jobs WHERE kind = 'mail.send' AND status = 'done'").await, 1);
}

#[tokio::test]
async fn a_message_the_relay_keeps_refusing_is_marked_failed() {
    let sink = MailSink::reserve();
    let url = sink.url();
    let app = spawn_app_with(|config| config.smtp_url = Some(url)).await;
    app.register_as("doomed").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while app.query_i64("SELECT count(*) FROM jobs WHERE kind = 'mail.send' AND status = 'failed'").await < 1 {
        assert!(std::time::Instant::now() < deadline, "the message was never given up on");
        app.clock.advance(chrono::Duration::hours(1));
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    assert_eq!(
        app.query_i64("SELECT count(*) FROM jobs WHERE kind = 'mail.send' AND status = 'failed' AND attempts = 10")
            .await,
        1
    );
}

#[tokio::test]
async fn two_nodes_on_one_database_deliver_each_message_once() {
    let mut sink = MailSink::reserve();
    let url = sink.url();
    let app = spawn_app_with(|config| config.smtp_url = Some(url.clone())).await;
    let (_node, _stop, node_clock, _dir) = spawn_node(&app.database_url, |config| config.smtp_url = Some(url)).await;
    let names: Vec<String> = (0..12).map(|i| format!("user{i}")).collect();
    for name in &names {
        app.register_as(name).await;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while app.query_i64("SELECT count(*) FROM jobs WHERE kind = 'mail.send' AND attempts >= 1").await < 12 {
        assert!(std::time::Instant::now() < deadline, "deliveries were not attempted");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Both nodes now find every message due at once, and race for them.
    sink.listen().await;
    app.clock.advance(chrono::Duration::minutes(30));
    node_clock.advance(chrono::Duration::minutes(30));
    wait_for_total(&sink, 12).await;
    assert_eq!(sink.messages().len(), 12);
    let mut ids: Vec<String> = sink.messages().into_iter().map(|m| m.message_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12);
    for name in &names {
        assert_eq!(sink.count_for(&format!("{name}@example.com")), 1);
    }
}

#[tokio::test]
async fn mail_is_sent_with_the_credentials_of_the_smtp_url() {
    let mut sink = MailSink::reserve();
    sink.auth = Some("mailer@example.com:s3cret pass".into());
    sink.listen().await;
    let with_credentials = format!("smtp://mailer%40example.com:s3cret%20pass@127.0.0.1:{}", sink.port);
    let app = spawn_app_with(|config| config.smtp_url = Some(with_credentials)).await;
    app.register_as("authed").await;
    sink.wait_for("authed@example.com", 1).await;
}

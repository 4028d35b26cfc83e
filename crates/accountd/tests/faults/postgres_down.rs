//! PostgreSQL stopped and started again under load, with accountd left running.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::support::{assert_error, PrivatePostgres, Server};

/// What one registration got: the username, and the status (or `None`: no answer at all).
type Outcome = (String, Option<u16>);

async fn write_load(server: Arc<Server>, writer: usize, stop: Arc<AtomicBool>, outcomes: Arc<Mutex<Vec<Outcome>>>) {
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        let username = format!("w{writer}n{n}");
        n += 1;
        let status = match server.register(&username).await {
            Ok((201, _)) => Some(201),
            Ok((status, body)) => {
                assert_error(status, &body, 503, "server:unavailable");
                Some(status)
            }
            Err(_) => None,
        };
        outcomes.lock().await.push((username, status));
        if status != Some(201) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test]
async fn postgres_down_answers_503_keeps_no_partial_write_and_recovers_without_a_restart() {
    let postgres = PrivatePostgres::start();
    let data = tempfile::tempdir().unwrap();
    let server = Arc::new(Server::start(data.path(), &postgres.url()).await);
    let (status, body) = server.register("before").await.unwrap();
    assert_eq!(status, 201, "{body}");
    let token = body["session"]["token"].as_str().unwrap().to_string();

    let stop = Arc::new(AtomicBool::new(false));
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..writers_count())
        .map(|writer| tokio::spawn(write_load(server.clone(), writer, stop.clone(), outcomes.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(800)).await;

    postgres.stop();
    let stopped_at = outcomes.lock().await.len();
    // While it is down: the contract's 503, for a write and for a signed-in read alike.
    let (status, body) = server.register("during").await.unwrap();
    assert_error(status, &body, 503, "server:unavailable");
    let (status, body) = server.me(&token).await.unwrap();
    assert!(status == 200 || status == 503, "{status} {body}");
    if status == 503 {
        assert_error(status, &body, 503, "server:unavailable");
    }
    let (status, body) = server.send(server.client.get(format!("{}/ready", server.address))).await.unwrap();
    assert_eq!((status, body["database"].as_str()), (503, Some("unavailable")), "{body}");
    tokio::time::sleep(Duration::from_secs(2)).await;

    postgres.start_again();
    // The same process recovers: no restart of accountd.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match server.register(&format!("after{}", Instant::now().elapsed().as_nanos())).await {
            Ok((201, _)) => break,
            Ok((status, body)) => assert_error(status, &body, 503, "server:unavailable"),
            Err(error) => panic!("no answer after the database came back: {error}"),
        }
        assert!(Instant::now() < deadline, "accountd did not recover within 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    let (status, body) = server.me(&token).await.unwrap();
    assert_eq!(status, 200, "{body}");

    // Row by row: every acknowledged registration is there, every refused one is not.
    let pool = postgres.connect().await;
    let stored: BTreeSet<String> =
        sqlx::query_scalar("SELECT username FROM users").fetch_all(&pool).await.unwrap().into_iter().collect();
    let outcomes = outcomes.lock().await;
    let refused = outcomes.iter().filter(|(_, status)| *status == Some(503)).count();
    assert!(refused > 0, "the load saw the outage ({stopped_at} requests before it)");
    // A COMMIT the database made durable just as it went away, whose acknowledgement never
    // reached accountd, is answered 503 and yet stored: the ambiguity every database client
    // has (the 503 says "unknown, try again"; the retry then meets `username_taken`). It can
    // only be the one request each writer had in flight when the connection broke, and the
    // account must still be whole (checked below with every other).
    let mut refused_but_committed = 0;
    for (username, status) in outcomes.iter() {
        match status {
            Some(201) => assert!(stored.contains(username), "acknowledged {username} was lost"),
            Some(_) if stored.contains(username) => refused_but_committed += 1,
            Some(_) => {}
            None => panic!("{username}: no answer at all"),
        }
    }
    assert!(
        refused_but_committed <= writers_count(),
        "{refused_but_committed} refused registrations were stored: more than the requests in flight"
    );
    assert!(!stored.contains("during"));
    // Every stored account is whole: it has its session (written in the same transaction).
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(orphans, 0);
    println!(
        "postgres_down: {} registrations, {refused} answered 503 during the outage, \
         {refused_but_committed} of them committed before the connection broke",
        outcomes.len()
    );
}

/// Concurrent writers of the load (each has at most one request in flight).
fn writers_count() -> usize {
    4
}

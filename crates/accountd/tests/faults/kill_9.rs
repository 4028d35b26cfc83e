//! `kill -9` of the server during write load, on SQLite and on PostgreSQL: every write the
//! server acknowledged is there after a restart, checked row by row.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

use crate::support::{PrivatePostgres, Server};

/// What a writer had acknowledged: its account's token and the last display name set.
#[derive(Default)]
struct Acknowledged {
    /// username → the highest `n` of an acknowledged `displayName` "v{n}" (0: none yet).
    names: BTreeMap<String, u32>,
    tokens: BTreeMap<String, String>,
    registrations: Vec<String>,
}

async fn writer(server: Arc<Server>, id: usize, stop: Arc<AtomicBool>, acked: Arc<Mutex<Acknowledged>>) {
    let username = format!("writer{id}");
    let Ok((201, body)) = server.register(&username).await else { panic!("the writer's account") };
    let token = body["session"]["token"].as_str().unwrap().to_string();
    {
        let mut acked = acked.lock().await;
        acked.tokens.insert(username.clone(), token.clone());
        acked.names.insert(username.clone(), 0);
    }
    let mut n = 0u32;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        // Alternate: a profile update (an UPDATE) and a registration (INSERTs in one transaction).
        if n % 2 == 0 {
            let fresh = format!("r{id}x{n}");
            match server.register(&fresh).await {
                Ok((201, _)) => acked.lock().await.registrations.push(fresh),
                Ok((status, body)) => panic!("registration answered {status} {body}"),
                Err(_) => break, // the server is gone: this write was never acknowledged
            }
        } else {
            match server.set_display_name(&token, &format!("v{n}")).await {
                Ok((200, _)) => {
                    acked.lock().await.names.insert(username.clone(), n);
                }
                Ok((status, body)) => panic!("profile update answered {status} {body}"),
                Err(_) => break,
            }
        }
    }
}

async fn acknowledged_writes_survive_kill_9(database_url: &str, data: &std::path::Path) -> Acknowledged {
    let server = Arc::new(Server::start(data, database_url).await);
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let writers: Vec<_> =
        (0..6).map(|id| tokio::spawn(writer(server.clone(), id, stop.clone(), acked.clone()))).collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // The writers are mid-request: kill the process under them (SIGKILL, no shutdown).
    server.kill_9();
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().await);
    assert!(acked.registrations.len() + acked.names.values().count() > 6, "the load wrote before the kill");

    // A new process on the same data: every acknowledged write, row by row.
    let server = Server::start(data, database_url).await;
    for (username, token) in &acked.tokens {
        let (status, me) = server.me(token).await.unwrap();
        assert_eq!(status, 200, "{username}'s session was lost: {me}");
        let last = acked.names[username];
        if last > 0 {
            let stored: u32 =
                me["displayName"].as_str().and_then(|name| name.strip_prefix('v')).unwrap().parse().unwrap();
            // The acknowledged value, or the next update (every other write), in flight at the
            // kill: written, not yet answered.
            assert!(stored == last || stored == last + 2, "{username}: acknowledged v{last}, stored v{stored}");
        }
    }
    for username in &acked.registrations {
        let (status, body) = server.register(username).await.unwrap();
        let code = body["code"].as_str().unwrap_or_default();
        assert!(status == 409 && code.ends_with("_taken"), "{username} was lost: {status} {body}");
    }
    println!(
        "kill -9: {} acknowledged registrations and {} accounts' profile updates checked",
        acked.registrations.len(),
        acked.tokens.len()
    );
    acked
}

#[tokio::test]
async fn kill_9_during_write_load_loses_no_acknowledged_write_on_sqlite() {
    let data = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", data.path().join("accountd.db").display());
    acknowledged_writes_survive_kill_9(&url, data.path()).await;
}

#[tokio::test]
async fn kill_9_during_write_load_loses_no_acknowledged_write_on_postgres() {
    let postgres = PrivatePostgres::start();
    let data = tempfile::tempdir().unwrap();
    acknowledged_writes_survive_kill_9(&postgres.url(), data.path()).await;
}

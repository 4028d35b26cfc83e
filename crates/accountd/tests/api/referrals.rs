//! Referral codes, the credit ledger, and perks.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, TestApp, PASSWORD};
use crate::peers::{Behaviour, Peer};

async fn code_of(app: &TestApp, token: &str) -> String {
    let reply = app.get("/v1/me/referrals", Some(token)).await;
    reply.assert_status(200)["code"].as_str().unwrap().to_string()
}

async fn register_with_code(app: &TestApp, username: &str, code: &str) -> crate::helpers::Reply {
    let body = json!({
        "email": format!("{username}@example.com"),
        "username": username,
        "password": PASSWORD,
        "referralCode": code,
    });
    app.post("/v1/users", None, body).await
}

#[tokio::test]
async fn every_account_gets_a_short_unguessable_code_and_a_share_link() {
    let app = spawn_app().await;
    let ann = app.register_as("ann").await;
    let bob = app.register_as("bob").await;
    let reply = app.get("/v1/me/referrals", Some(&ann.token)).await;
    let body = reply.assert_status(200);
    let code = body["code"].as_str().unwrap();
    assert_eq!(code.len(), 10, "{code}");
    assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{code}");
    assert_eq!(body["url"], format!("{}/?ref={code}", app.address));
    assert_ne!(code, code_of(&app, &bob.token).await);
    assert_eq!(code, code_of(&app, &ann.token).await, "the code stays");
}

#[tokio::test]
async fn paging_out_of_range_is_refused_on_every_view_of_the_referrals() {
    let app = spawn_app().await;
    let ann = app.register_as("ann").await;
    for view in ["", "&view=stats", "&view=history"] {
        app.get(&format!("/v1/me/referrals?offset=-1{view}"), Some(&ann.token))
            .await
            .assert_error(400, "validation:invalid_input");
        app.get(&format!("/v1/me/referrals?limit=0{view}"), Some(&ann.token))
            .await
            .assert_error(400, "validation:invalid_input");
    }
}

#[tokio::test]
async fn concurrent_registrations_with_one_code_credit_one_reward_each_and_the_ledger_sums() {
    const SIGNUPS: usize = 8;
    let app = spawn_app_with(|config| config.referrals.reward_credits = 25).await;
    let ann = app.register_as("ann").await;
    let code = code_of(&app, &ann.token).await;

    let signups = (0..SIGNUPS).map(|n| {
        let body = json!({
            "email": format!("friend{n}@example.com"),
            "username": format!("friend{n}"),
            "password": PASSWORD,
            "referralCode": code.to_uppercase(),
        });
        app.post_owned("/v1/users".into(), None, body)
    });
    for reply in futures::future::join_all(signups).await {
        reply.assert_status(201);
    }

    let credits = app.get("/v1/me/credits?limit=100", Some(&ann.token)).await;
    let credits = credits.assert_status(200);
    assert_eq!(credits["total"], SIGNUPS);
    assert_eq!(credits["balance"], 25 * SIGNUPS as i64);
    let items = credits["items"].as_array().unwrap();
    assert_eq!(items.iter().map(|item| item["amount"].as_i64().unwrap()).sum::<i64>(), 25 * SIGNUPS as i64);
    assert!(items.iter().all(|item| item["reason"] == "referral" && item["amount"] == 25));

    let stats = app.get("/v1/me/referrals?view=stats", Some(&ann.token)).await;
    assert_eq!(stats.assert_status(200), &json!({ "totalReferrals": SIGNUPS, "rewardsEarned": 25 * SIGNUPS }));
    let history = app.get("/v1/me/referrals?view=history", Some(&ann.token)).await;
    let history = history.assert_status(200);
    assert_eq!(history["total"], SIGNUPS);
    let first = &history["items"][0];
    assert!(first["username"].as_str().unwrap().starts_with("friend"));
    assert_eq!(first["reward"], 25);
    assert!(first["joinedAt"].is_string());
    let rows = app.query_i64("SELECT count(*) FROM credit_entries").await;
    assert_eq!(rows, SIGNUPS as i64, "one ledger entry per registration, nothing else");
}

#[tokio::test]
async fn unknown_banned_and_own_codes_are_refused_and_create_nothing() {
    let app = spawn_app().await;
    let ann = app.register_as("ann").await;
    let code = code_of(&app, &ann.token).await;

    register_with_code(&app, "carl", "no-such-code").await.assert_error(400, "referral:unknown_code");
    let own = json!({
        "email": "ann+second@example.com", "username": "ann2", "password": PASSWORD, "referralCode": code,
    });
    app.post("/v1/users", None, own).await.assert_error(400, "referral:self_referral");

    app.execute_sql("UPDATE users SET banned = TRUE WHERE username = 'ann'").await;
    register_with_code(&app, "dora", &code).await.assert_error(400, "referral:unknown_code");

    assert_eq!(app.query_i64("SELECT count(*) FROM users").await, 1, "no account was made");
    assert_eq!(app.query_i64("SELECT count(*) FROM credit_entries").await, 0);
    app.register_as("carl").await;
}

#[tokio::test]
async fn a_deleted_accounts_code_is_unknown() {
    let app = spawn_app().await;
    let ann = app.register_as("ann").await;
    let code = code_of(&app, &ann.token).await;
    let deleted = app.call(Method::DELETE, "/v1/me", Some(&ann.token), Some(json!({ "password": PASSWORD }))).await;
    deleted.assert_status(200);
    register_with_code(&app, "bob", &code).await.assert_error(400, "referral:unknown_code");
}

#[tokio::test]
async fn a_custom_code_is_validated_unique_case_insensitively_and_replaces_the_old_one() {
    let app = spawn_app().await;
    let ann = app.register_as("ann").await;
    let bob = app.register_as("bob").await;
    let generated = code_of(&app, &ann.token).await;

    let app_ref = &app;
    let set = |token: String, code: &str| {
        let body = json!({ "code": code });
        async move { app_ref.call(Method::PUT, "/v1/me/referrals", Some(&token), Some(body)).await }
    };
    let reply = set(ann.token.clone(), "Ann-Rocks").await;
    let body = reply.assert_status(200);
    assert_eq!(body["code"], "ann-rocks");
    assert_eq!(body["url"], format!("{}/?ref=ann-rocks", app.address));
    set(bob.token.clone(), "ANN-ROCKS").await.assert_error(409, "referral:code_taken");
    for invalid in ["abc", "has space", "under_score", "-dash", &"x".repeat(33), "admin", "promo"] {
        let reply = set(bob.token.clone(), invalid).await;
        reply.assert_error(400, "validation:invalid_input");
        assert!(reply.body["fields"]["code"].is_string(), "{invalid}: {}", reply.body);
    }

    register_with_code(&app, "carl", &generated).await.assert_error(400, "referral:unknown_code");
    register_with_code(&app, "carl", "ANN-rocks").await.assert_status(201);
    let stats = app.get("/v1/me/referrals?view=stats", Some(&ann.token)).await;
    assert_eq!(stats.assert_status(200)["totalReferrals"], 1);
    let bad_view = app.get("/v1/me/referrals?view=everything", Some(&ann.token)).await;
    assert_eq!(bad_view.status.as_u16(), 400, "{}", bad_view.body);
}

#[tokio::test]
async fn an_admin_grants_and_debits_credits_with_a_reason_recorded_with_the_admins_id() {
    let app = spawn_app().await;
    let admin = app.register_as("root-admin").await;
    app.promote("root-admin").await;
    let ann = app.register_as("ann").await;
    let path = format!("/v1/admin/users/{}/credits", ann.id);

    let granted = app.post(&path, Some(&admin.token), json!({ "amount": 500, "reason": "Contest winner" })).await;
    let granted = granted.assert_status(201);
    assert_eq!(granted["balance"], 500);
    assert_eq!(granted["entry"]["reason"], "Contest winner");
    let debited = app.post(&path, Some(&admin.token), json!({ "amount": -200, "reason": "Refund" })).await;
    assert_eq!(debited.assert_status(201)["balance"], 300);

    for (body, field) in [
        (json!({ "amount": 0, "reason": "nothing" }), "amount"),
        (json!({ "amount": 5, "reason": "  " }), "reason"),
        (json!({ "amount": 5, "reason": "x".repeat(201) }), "reason"),
    ] {
        let reply = app.post(&path, Some(&admin.token), body).await;
        reply.assert_error(400, "validation:invalid_input");
        assert!(reply.body["fields"][field].is_string(), "{}", reply.body);
    }
    app.post(&path, Some(&ann.token), json!({ "amount": 5, "reason": "self" }))
        .await
        .assert_error(403, "auth:forbidden");
    let nobody = format!("/v1/admin/users/{}/credits", uuid::Uuid::now_v7());
    app.post(&nobody, Some(&admin.token), json!({ "amount": 5, "reason": "x" }))
        .await
        .assert_error(404, "user:not_found");

    let credits = app.get("/v1/me/credits", Some(&ann.token)).await;
    let credits = credits.assert_status(200);
    assert_eq!(credits["balance"], 300);
    let amounts: Vec<_> = credits["items"].as_array().unwrap().iter().map(|e| e["amount"].as_i64().unwrap()).collect();
    assert_eq!(amounts, [-200, 500], "newest first");

    let activity = app.get(&format!("/v1/admin/activity?userId={}", ann.id), Some(&admin.token)).await;
    let items = activity.assert_status(200)["items"].as_array().unwrap().clone();
    let granted = items.iter().find(|item| item["action"] == "credits.granted").expect("credits.granted");
    assert_eq!(granted["metadata"]["adminId"], admin.id);
    assert_eq!(granted["metadata"]["amount"], 500);
    let debited = items.iter().find(|item| item["action"] == "credits.debited").expect("credits.debited");
    assert_eq!(debited["metadata"]["reason"], "Refund");
}

/// An app with a referral perk, an account-age perk and a Discord booster perk whose
/// provider is `discord`, the stand-in.
async fn perks_app(discord: &Peer, timeout_ms: u64) -> TestApp {
    let api = discord.https_url("/api");
    let ca_file = discord.ca_file.clone();
    spawn_app_with(move |config| {
        use accountd_server::config::{PerkKind, PerkRuleConfig};
        config.webhooks.allow_private_targets = true;
        config.http.extra_ca_file = ca_file;
        config.perks.discord_api_url = api.parse().unwrap();
        config.perks.timeout_ms = timeout_ms;
        // The account-age perk moves the clock a month on; the session must outlive it.
        config.auth.session_ttl_days = 365;
        let rule = |kind, target, role: Option<&str>| PerkRuleConfig {
            kind,
            target,
            name: format!("{kind:?}"),
            description: "a perk".into(),
            role: role.map(str::to_owned),
            guild_id: Some("777".into()),
            provider: None,
        };
        config.perks.rules.insert("ambassador".into(), rule(PerkKind::Referrals, 1, Some("ambassador")));
        config.perks.rules.insert("veteran".into(), rule(PerkKind::AccountAgeDays, 30, Some("veteran")));
        config.perks.rules.insert("booster".into(), rule(PerkKind::DiscordBooster, 1, Some("booster")));
    })
    .await
}

/// Links an identity at `provider` to the account, as a finished social login would.
async fn link(app: &TestApp, provider: &str, username: &str, subject: &str, login: &str) {
    app.execute_sql(&format!(
        "INSERT INTO linked_accounts (user_id, provider, subject, username, linked_at, updated_at) \
         SELECT id, '{provider}', '{subject}', '{login}', created_at, created_at FROM users WHERE username = '{username}'"
    ))
    .await;
}

async fn link_discord(app: &TestApp, username: &str, subject: &str) {
    link(app, "discord", username, subject, username).await;
}

fn perk<'a>(body: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    body["items"].as_array().unwrap().iter().find(|item| item["id"] == id).unwrap()
}

#[tokio::test]
async fn perks_show_progress_and_a_refresh_reads_the_provider_through_the_linked_identity() {
    let discord = Peer::tls(Behaviour::Answer(200, json!({ "premium_since": "2026-01-01T00:00:00Z" }))).await;
    let app = perks_app(&discord, 2000).await;
    let ann = app.register_as("ann").await;
    link_discord(&app, "ann", "4242").await;

    let before = app.get("/v1/me/perks", Some(&ann.token)).await;
    let before = before.assert_status(200);
    assert_eq!(perk(before, "ambassador")["progress"], json!({ "current": 0, "target": 1 }));
    assert_eq!(perk(before, "booster")["eligible"], false);
    assert_eq!(before["perkRoles"], json!([]));

    register_with_code(&app, "bob", &code_of(&app, &ann.token).await).await.assert_status(201);
    app.clock.advance(chrono::Duration::days(31));
    let refreshed = app.post("/v1/me/perks/refresh", Some(&ann.token), json!({})).await;
    let refreshed = refreshed.assert_status(200);
    assert_eq!(perk(refreshed, "booster")["eligible"], true, "{refreshed}");
    assert_eq!(perk(refreshed, "booster")["stale"], false);
    assert!(perk(refreshed, "booster")["checkedAt"].is_string());
    assert_eq!(perk(refreshed, "veteran")["progress"]["current"], 31);
    assert_eq!(refreshed["perkRoles"], json!(["ambassador", "booster", "veteran"]));

    let asked = discord.received();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].method, "GET");
    assert_eq!(asked[0].uri, "/api/guilds/777/members/4242");

    let listed = app.get("/v1/me/perks", Some(&ann.token)).await;
    assert_eq!(perk(listed.assert_status(200), "booster")["eligible"], true, "the answer is kept");
}

#[tokio::test]
async fn a_perk_refresh_against_a_hanging_provider_returns_within_its_timeout_with_the_last_known_state() {
    let discord = Peer::tls(Behaviour::Answer(200, json!({ "premium_since": "2026-01-01T00:00:00Z" }))).await;
    let app = perks_app(&discord, 500).await;
    let ann = app.register_as("ann").await;
    link_discord(&app, "ann", "4242").await;
    let first = app.post("/v1/me/perks/refresh", Some(&ann.token), json!({})).await;
    assert_eq!(perk(first.assert_status(200), "booster")["eligible"], true);

    discord.set(Behaviour::Hang);
    let started = Instant::now();
    let refreshed = app.post("/v1/me/perks/refresh", Some(&ann.token), json!({})).await;
    let elapsed = started.elapsed();
    let refreshed = refreshed.assert_status(200);
    assert!(elapsed < Duration::from_millis(1500), "the refresh took {elapsed:?}");
    let booster = perk(refreshed, "booster");
    assert_eq!(booster["stale"], true, "{refreshed}");
    assert_eq!(booster["eligible"], true, "the last known state");
    assert_eq!(refreshed["perkRoles"], json!(["booster"]));
    assert_eq!(discord.received().len(), 2, "the provider was asked again");
}

#[tokio::test]
async fn a_github_contribution_perk_reads_the_count_from_the_graphql_api_of_the_linked_login() {
    let github = Peer::tls(Behaviour::Answer(
        200,
        json!({ "data": { "user": { "contributionsCollection": {
            "contributionCalendar": { "totalContributions": 137 } } } } }),
    ))
    .await;
    let (api, ca_file) = (github.https_url("/gh"), github.ca_file.clone());
    let app = spawn_app_with(move |config| {
        use accountd_server::config::{PerkKind, PerkRuleConfig};
        config.webhooks.allow_private_targets = true;
        config.http.extra_ca_file = ca_file;
        config.perks.github_api_url = api.parse().unwrap();
        config.perks.github_token = Some(secrecy::SecretString::from("ghp_test"));
        let rule = PerkRuleConfig {
            kind: PerkKind::GithubContributions,
            target: 100,
            name: "Contributor".into(),
            description: "100 contributions in a year".into(),
            role: Some("contributor".into()),
            guild_id: None,
            provider: None,
        };
        config.perks.rules.insert("contributor".into(), rule);
    })
    .await;
    let ann = app.register_as("ann").await;

    let unlinked = app.post("/v1/me/perks/refresh", Some(&ann.token), json!({})).await;
    let unlinked = unlinked.assert_status(200);
    assert_eq!(perk(unlinked, "contributor")["stale"], true, "no linked GitHub identity: {unlinked}");
    assert!(github.received().is_empty());

    link(&app, "github", "ann", "9001", "ann-gh").await;
    let refreshed = app.post("/v1/me/perks/refresh", Some(&ann.token), json!({})).await;
    let refreshed = refreshed.assert_status(200);
    let contributor = perk(refreshed, "contributor");
    assert_eq!(contributor["progress"], json!({ "current": 137, "target": 100 }));
    assert_eq!((contributor["eligible"].clone(), contributor["stale"].clone()), (json!(true), json!(false)));
    assert_eq!(refreshed["perkRoles"], json!(["contributor"]));

    let asked = github.received();
    assert_eq!(asked.len(), 1);
    assert_eq!((asked[0].method.as_str(), asked[0].uri.as_str()), ("POST", "/gh/graphql"));
    assert_eq!(asked[0].header("authorization"), Some("Bearer ghp_test"));
    assert_eq!(asked[0].json()["variables"]["login"], "ann-gh");
}

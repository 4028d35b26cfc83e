use serde_json::json;

use crate::helpers::{session_cookie, spawn_app, PASSWORD};

#[tokio::test]
async fn registration_creates_the_account_and_signs_it_in() {
    let app = spawn_app().await;
    let reply = app
        .post("/v1/users", None, json!({ "email": "  Jane.Doe@Example.COM ", "username": "Jane_Doe", "password": PASSWORD, "displayName": "Jane Doe" }))
        .await;
    let body = reply.assert_status(201);
    let user = &body["user"];
    assert_eq!(user["email"], "Jane.Doe@example.com");
    assert_eq!(user["username"], "jane_doe");
    assert_eq!(user["displayName"], "Jane Doe");
    assert_eq!(user["emailVerified"], false);
    assert_eq!(user["role"], "user");
    assert_eq!(user["banned"], false);
    assert_eq!(user["twoFactorEnabled"], false);
    assert_eq!(user["preferences"], json!({ "theme": "system", "streamerMode": false, "locale": "en" }));
    assert_eq!(
        user["notifications"],
        json!({ "email": { "security": true, "product": false, "weeklyDigest": false } })
    );
    assert_eq!(user["additionalAddresses"], json!([]));
    assert_eq!(user["linkedAccounts"], json!([]));
    assert_eq!(user["storage"], json!({ "used": 0, "limit": 1073741824 }));
    assert!(uuid::Uuid::parse_str(user["id"].as_str().unwrap()).is_ok());
    let token = body["session"]["token"].as_str().unwrap();
    assert!(token.starts_with("ses_") && token.len() >= 4 + 43);
    assert!(body["session"]["expiresAt"].as_str().unwrap().ends_with('Z'));

    let cookie = session_cookie(&reply.headers).expect("session cookie");
    assert!(cookie.contains(&format!("accountd_session={token}")));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "public URL is http");

    let me = app.get("/v1/me", Some(token)).await;
    assert_eq!(me.assert_status(200)["username"], "jane_doe");
}

#[tokio::test]
async fn with_an_https_public_url_the_cookie_is_a_secure_host_cookie_and_read_back() {
    let app =
        crate::helpers::spawn_app_with(|config| config.public_url = "https://accounts.example.com".parse().unwrap())
            .await;
    let reply = app
        .post("/v1/users", None, json!({ "email": "s@example.com", "username": "secure", "password": PASSWORD }))
        .await;
    let token = reply.assert_status(201)["session"]["token"].as_str().unwrap().to_string();
    let cookie = session_cookie(&reply.headers).unwrap();
    assert!(cookie.starts_with(&format!("__Host-accountd_session={token};")), "{cookie}");
    assert!(cookie.contains("; Secure") && cookie.contains("; Path=/;") && !cookie.contains("Domain"), "{cookie}");

    let with_cookie = |name: &str| app.client.get(app.url("/v1/me")).header("cookie", format!("{name}={token}"));
    assert_eq!(app.send(with_cookie("__Host-accountd_session")).await.assert_status(200)["username"], "secure");
    app.send(with_cookie("accountd_session")).await.assert_error(401, "auth:unauthenticated");

    let logout = app
        .send(
            app.client
                .post(app.url("/v1/auth/logout"))
                .header("cookie", format!("__Host-accountd_session={token}"))
                .header("origin", "https://accounts.example.com"),
        )
        .await;
    assert_eq!(logout.status, 204);
    assert!(session_cookie(&logout.headers).unwrap().starts_with("__Host-accountd_session=; "));
}

#[tokio::test]
async fn with_an_https_public_url_every_response_carries_strict_transport_security() {
    let app =
        crate::helpers::spawn_app_with(|config| config.public_url = "https://accounts.example.com".parse().unwrap())
            .await;
    for path in ["/health", "/v1/me", "/no/such/path"] {
        let reply = app.get(path, None).await;
        assert_eq!(reply.headers["strict-transport-security"], "max-age=31536000; includeSubDomains", "{path}");
    }
    let plain = spawn_app().await;
    assert!(plain.get("/health", None).await.headers.get("strict-transport-security").is_none());
}

#[tokio::test]
async fn registration_validates_email_and_username() {
    let app = spawn_app().await;
    let register = |email: &str, username: &str| {
        app.post("/v1/users", None, json!({ "email": email, "username": username, "password": PASSWORD }))
    };
    register("not-an-email", "jane").await.assert_error(400, "validation:invalid_email");
    register("jane@localhost", "jane").await.assert_error(400, "validation:invalid_email");
    let short = register("jane@example.com", "ja").await;
    short.assert_error(400, "validation:invalid_username");
    assert!(short.body["fields"]["username"].is_string());
    register("jane@example.com", "_jane").await.assert_error(400, "validation:invalid_username");
    register("jane@example.com", "ja ne").await.assert_error(400, "validation:invalid_username");
    register("jane@example.com", &"j".repeat(33)).await.assert_error(400, "validation:invalid_username");
    register("jane@example.com", "Admin").await.assert_error(400, "validation:reserved_username");
    register("jane@example.com", "support").await.assert_error(400, "validation:reserved_username");
}

#[tokio::test]
async fn registration_accepts_only_addresses_mail_can_reach() {
    let app = spawn_app().await;
    let register = |email: &str, username: &str| {
        app.post("/v1/users", None, json!({ "email": email, "username": username, "password": PASSWORD }))
    };
    for undeliverable in
        ["\"a\"@example.com", "\"jane doe\"@example.com", "x@[127.0.0.1]", "x@127.0.0.1", "j..d@example.com"]
    {
        let reply = register(undeliverable, "jane").await;
        reply.assert_error(400, "validation:invalid_email");
    }
    let accepted = register("Jane@Bücher.Example", "jane").await;
    assert_eq!(accepted.assert_status(201)["user"]["email"], "Jane@xn--bcher-kva.example");
    register("jane@xn--bcher-kva.example", "jane2").await.assert_error(409, "user:email_taken");
}

#[tokio::test]
async fn registration_normalises_the_display_name_and_refuses_invisible_and_reordering_characters() {
    let app = spawn_app().await;
    let register = |username: &str, display_name: &str| {
        let email = format!("{username}@example.com");
        app.post(
            "/v1/users",
            None,
            json!({ "email": email, "username": username, "password": PASSWORD, "displayName": display_name }),
        )
    };
    for (username, refused) in [
        ("bidi", "Jane\u{202E}eoD"),
        ("isolate", "Jane\u{2066}Doe"),
        ("zerowidth", "Ja\u{200B}ne"),
        ("bom", "\u{FEFF}Jane"),
        ("control", "Jane\u{1b}[31m"),
        ("newline", "Jane\nDoe"),
    ] {
        let reply = register(username, refused).await;
        reply.assert_error(400, "validation:invalid_input");
        assert!(reply.body["fields"]["displayName"].is_string(), "{refused:?}: {}", reply.body);
    }
    let accepted = register("jose", "Jose\u{301}").await;
    assert_eq!(accepted.assert_status(201)["user"]["displayName"], "Jos\u{e9}");
    let joined = register("family", "\u{1F468}\u{200D}\u{1F469}").await;
    assert_eq!(joined.assert_status(201)["user"]["displayName"], "\u{1F468}\u{200D}\u{1F469}");
    let taken = app.get("/v1/usernames/bidi/availability", None).await;
    assert_eq!(taken.assert_status(200)["available"], true, "no account was made");
}

#[tokio::test]
async fn registration_enforces_the_password_policy() {
    let app = spawn_app().await;
    let register = |password: String| {
        app.post("/v1/users", None, json!({ "email": "pat@example.com", "username": "patricia", "password": password }))
    };
    register("Ab1!".into()).await.assert_error(400, "password:too_short");
    register(format!("Ab1!{}", "x".repeat(125))).await.assert_error(400, "password:too_long");
    let weak = register("alllowercase1!".into()).await;
    weak.assert_error(400, "password:too_weak");
    assert!(weak.body["message"].as_str().unwrap().contains("upper-case"), "{}", weak.body);
    register("P@ssw0rd".into()).await.assert_error(400, "password:common");
    register("Sunshine2024!".into()).await.assert_error(400, "password:common");
    // Passwords are taken exactly as sent: these spaces count, nothing is trimmed.
    register("  Ab1!xy".into()).await.assert_status(201);
}

#[tokio::test]
async fn a_password_equal_to_the_username_is_refused() {
    let app = spawn_app().await;
    let reply = app
        .post(
            "/v1/users",
            None,
            json!({ "email": "x@example.com", "username": "Tr0ub4dor-3x", "password": "Tr0ub4dor-3X" }),
        )
        .await;
    reply.assert_error(400, "password:too_weak");
}

#[tokio::test]
async fn a_megabyte_password_is_too_long_before_any_hashing() {
    let app = spawn_app().await;
    let password = "Ab1!".repeat(256 * 1024);
    let started = std::time::Instant::now();
    let reply = app
        .post("/v1/users", None, json!({ "email": "big@example.com", "username": "bigpass", "password": password }))
        .await;
    reply.assert_error(400, "password:too_long");
    let login = app
        .post("/v1/auth/login", None, json!({ "identifier": "bigpass", "password": "Ab1!".repeat(256 * 1024) }))
        .await;
    login.assert_error(401, "auth:invalid_credentials");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[tokio::test]
async fn nist_policy_asks_for_length_not_composition() {
    let app =
        crate::helpers::spawn_app_with(|config| config.password.policy = accountd_core::password::PolicyKind::Nist)
            .await;
    let register = |password: &str| {
        app.post("/v1/users", None, json!({ "email": "n@example.com", "username": "nist", "password": password }))
    };
    register("Short-Pass-1").await.assert_error(400, "password:too_short");
    register("1qaz2wsx3edc4rfv").await.assert_error(400, "password:common");
    register("correct horse battery staple").await.assert_status(201);
}

#[tokio::test]
async fn emails_and_usernames_are_unique_case_insensitively() {
    let app = spawn_app().await;
    app.register_as("taken").await;
    let same_email = app
        .post("/v1/users", None, json!({ "email": "TAKEN@EXAMPLE.COM", "username": "other", "password": PASSWORD }))
        .await;
    same_email.assert_error(409, "user:email_taken");
    let same_name = app
        .post("/v1/users", None, json!({ "email": "other@example.com", "username": "TaKeN", "password": PASSWORD }))
        .await;
    same_name.assert_error(409, "user:username_taken");
}

#[tokio::test]
async fn concurrent_registrations_with_one_email_give_exactly_one_account() {
    let app = spawn_app().await;
    let attempts = (0..6).map(|i| {
        app.post("/v1/users", None, json!({ "email": if i % 2 == 0 { "race@example.com" } else { "RACE@example.com" }, "username": format!("racer{i}"), "password": PASSWORD }))
    });
    let replies = futures::future::join_all(attempts).await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    assert_eq!(created, 1, "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
    for reply in replies.iter().filter(|r| r.status != 201) {
        reply.assert_error(409, "user:email_taken");
    }
}

#[tokio::test]
async fn concurrent_registrations_with_one_username_in_different_cases_give_exactly_one_account() {
    let app = spawn_app().await;
    let names = ["samename", "SameName", "SAMENAME", "sameNAME"];
    let attempts = names.iter().enumerate().map(|(i, name)| {
        app.post(
            "/v1/users",
            None,
            json!({ "email": format!("same{i}@example.com"), "username": name, "password": PASSWORD }),
        )
    });
    let replies = futures::future::join_all(attempts).await;
    assert_eq!(replies.iter().filter(|r| r.status == 201).count(), 1);
    for reply in replies.iter().filter(|r| r.status != 201) {
        reply.assert_error(409, "user:username_taken");
    }
}

#[tokio::test]
async fn an_unknown_referral_code_is_refused() {
    let app = spawn_app().await;
    let reply = app.post("/v1/users", None, json!({ "email": "r@example.com", "username": "referred", "password": PASSWORD, "referralCode": "nosuchcode" })).await;
    reply.assert_error(400, "referral:unknown_code");
}

#[tokio::test]
async fn username_availability() {
    let app = spawn_app().await;
    app.register_as("jane").await;
    let app = &app;
    let check = |name: &'static str| async move { app.get(&format!("/v1/usernames/{name}/availability"), None).await };
    assert_eq!(
        check("JANE").await.assert_status(200),
        &json!({ "username": "jane", "available": false, "reason": "taken" })
    );
    assert_eq!(check("free-name").await.assert_status(200), &json!({ "username": "free-name", "available": true }));
    assert_eq!(check("x").await.assert_status(200)["reason"], "invalid");
    assert_eq!(check("admin").await.assert_status(200)["reason"], "reserved");
}

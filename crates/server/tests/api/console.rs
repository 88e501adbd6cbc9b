//! People, not keys: invitations, sign-in, sessions in the database behind
//! a cookie with CSRF protection, roles on the merchant API, and sign-ins
//! that slow down after failures.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, database, spawn_app};

const PASSWORD: &str = "correct horse battery staple";

/// A browser signed in to the console: its cookie and CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
    user: Value,
}

/// The session cookie a `Set-Cookie` answer sets, checked for its flags.
fn session_cookie(response: &reqwest::Response) -> String {
    let set = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie")
        .to_owned();
    for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(flag), "{flag} in {set}");
    }
    let pair = set.split(';').next().expect("name=value");
    assert!(pair.starts_with("__Host-postsale-session=pss_"), "{pair}");
    pair.to_owned()
}

async fn signed(response: reqwest::Response, status: u16) -> Browser {
    assert_eq!(response.status(), status, "signed in");
    let cookie = session_cookie(&response);
    let body: Value = response.json().await.expect("json");
    Browser {
        cookie,
        csrf: body["csrf_token"].as_str().expect("csrf").to_owned(),
        user: body["user"].clone(),
    }
}

impl Browser {
    /// A request as the console sends it: the cookie, the CSRF token and
    /// the hub's own origin.
    fn request(&self, app: &TestApp, method: Method, path: &str) -> reqwest::RequestBuilder {
        app.client
            .request(method, format!("{}{path}", app.base))
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .header("origin", &app.base)
            .header("sec-fetch-site", "same-origin")
    }

    async fn send(
        &self,
        app: &TestApp,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self.request(app, method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("sent")
    }
}

async fn post(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    app.client
        .post(format!("{}{path}", app.base))
        .json(&body)
        .send()
        .await
        .expect("sent")
}

/// The operator invites `email` to `merchant` as `role`: the invitation's token.
async fn operator_invites(app: &TestApp, merchant: &str, email: &str, role: &str) -> String {
    let response = app
        .operator(
            Method::POST,
            &format!("merchants/{merchant}/invitations"),
            Some(json!({"email": email, "role": role})),
        )
        .await;
    assert_eq!(response.status(), 201, "invited");
    let made: Value = response.json().await.expect("json");
    assert_eq!(made["status"], "open");
    assert!(
        made["url"]
            .as_str()
            .expect("url")
            .ends_with(made["token"].as_str().expect("token")),
        "{made}"
    );
    made["token"].as_str().expect("token").to_owned()
}

async fn join(app: &TestApp, token: &str, name: &str) -> Browser {
    signed(
        post(
            app,
            "/v1/console/join",
            json!({"token": token, "name": name, "password": PASSWORD}),
        )
        .await,
        201,
    )
    .await
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    post(
        app,
        "/v1/console/sign-in",
        json!({"email": email, "password": password}),
    )
    .await
}

/// Shop's admin (invited by the operator), and an editor and an analyst the
/// admin invited, each signed in.
async fn shop_people(app: &TestApp) -> (Browser, Browser, Browser) {
    let token = operator_invites(app, "shop", "Ada@Shop.example", "admin").await;
    let admin = join(app, &token, "Ada").await;
    assert_eq!(admin.user["email"], "ada@shop.example");
    assert_eq!(admin.user["role"], "admin");
    let mut others = Vec::new();
    for (email, role) in [
        ("ed@shop.example", "editor"),
        ("ann@shop.example", "analyst"),
    ] {
        let response = admin
            .send(
                app,
                Method::POST,
                "/v1/console/invitations",
                Some(json!({"email": email, "role": role})),
            )
            .await;
        assert_eq!(response.status(), 201, "{role} invited");
        let made: Value = response.json().await.expect("json");
        assert_eq!(
            made["invited_by"],
            format!("user:{}", admin.user["id"].as_str().expect("id"))
        );
        others.push(join(app, made["token"].as_str().expect("token"), role).await);
    }
    let analyst = others.pop().expect("analyst");
    let editor = others.pop().expect("editor");
    (admin, editor, analyst)
}

fn template(id: &str) -> Value {
    json!({"id": id, "headline": "Hello", "body": "More", "button": "Add"})
}

#[tokio::test]
async fn each_role_does_what_it_may_and_is_refused_the_rest() {
    let app = spawn_app().await;
    let (admin, editor, analyst) = shop_people(&app).await;

    // Everyone reads; the session says who is signed in, for which merchant.
    for browser in [&admin, &editor, &analyst] {
        let response = browser
            .send(&app, Method::GET, "/v1/admin/templates", None)
            .await;
        assert_eq!(response.status(), 200);
        let me: Value = browser
            .send(&app, Method::GET, "/v1/console/session", None)
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(me["merchant"]["id"], "shop");
        assert_eq!(me["csrf_token"], browser.csrf.as_str());
    }
    let users: Value = analyst
        .send(&app, Method::GET, "/v1/console/users", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(users.as_array().map(Vec::len), Some(3));
    assert!(
        users.to_string().find("argon2").is_none(),
        "no hash is shown"
    );

    // An analyst changes nothing, and nothing is stored.
    let refused = analyst
        .send(
            &app,
            Method::POST,
            "/v1/admin/templates",
            Some(template("by-analyst")),
        )
        .await;
    assert_problem(refused, 403, None).await;
    let gone = admin
        .send(&app, Method::GET, "/v1/admin/templates/by-analyst", None)
        .await;
    assert_eq!(gone.status(), 404);

    // An editor sets up offers, but not people, keys or money.
    let made = editor
        .send(
            &app,
            Method::POST,
            "/v1/admin/templates",
            Some(template("by-editor")),
        )
        .await;
    assert_eq!(made.status(), 201);
    for (method, path, body) in [
        (
            Method::POST,
            "/v1/console/invitations",
            json!({"email": "x@shop.example", "role": "admin"}),
        ),
        (
            Method::POST,
            "/v1/admin/keys",
            json!({"purpose": "hub_calls"}),
        ),
        (
            Method::POST,
            "/v1/admin/orders/ord_x/refund",
            json!({"amount": "1.00"}),
        ),
        (
            Method::PUT,
            "/v1/admin/agreements/shop",
            json!({"modes": ["direct_entry"]}),
        ),
        (
            Method::POST,
            "/v1/admin/secrets",
            json!({"key_id": "k9", "secret": "s".repeat(40)}),
        ),
    ] {
        let refused = editor.send(&app, method, path, Some(body)).await;
        assert_problem(refused, 403, None).await;
    }

    // The admin does those, and gives roles, but keeps one admin.
    let key = admin
        .send(
            &app,
            Method::POST,
            "/v1/admin/keys",
            Some(json!({"purpose": "hub_calls"})),
        )
        .await;
    assert_eq!(key.status(), 201);
    let editor_id = editor.user["id"].as_str().expect("id");
    let demoted = admin
        .send(
            &app,
            Method::PUT,
            &format!("/v1/console/users/{editor_id}"),
            Some(json!({"role": "analyst"})),
        )
        .await;
    assert_eq!(demoted.status(), 200);
    let again = editor
        .send(
            &app,
            Method::POST,
            "/v1/admin/templates",
            Some(template("later")),
        )
        .await;
    assert_problem(again, 403, None).await;
    let admin_id = admin.user["id"].as_str().expect("id");
    let alone = admin
        .send(
            &app,
            Method::PUT,
            &format!("/v1/console/users/{admin_id}"),
            Some(json!({"role": "editor"})),
        )
        .await;
    assert_problem(alone, 409, Some("role")).await;
    let removed = admin
        .send(
            &app,
            Method::DELETE,
            &format!("/v1/console/users/{admin_id}"),
            None,
        )
        .await;
    assert_problem(removed, 409, Some("role")).await;
    let still = admin
        .send(&app, Method::GET, "/v1/console/session", None)
        .await;
    assert_eq!(still.status(), 200, "the refused removal ended nothing");

    // A removed user's session ends with them.
    let analyst_id = analyst.user["id"].as_str().expect("id");
    let removed = admin
        .send(
            &app,
            Method::DELETE,
            &format!("/v1/console/users/{analyst_id}"),
            None,
        )
        .await;
    assert_eq!(removed.status(), 204);
    let after = analyst
        .send(&app, Method::GET, "/v1/admin/templates", None)
        .await;
    assert_problem(after, 401, None).await;

    // Merchant users stay out of the operator's API, and out of other merchants'.
    let operator = admin
        .send(
            &app,
            Method::PUT,
            "/v1/operator/merchants/lens/roles",
            Some(json!({"affiliate": true, "upseller": true})),
        )
        .await;
    assert_problem(operator, 403, None).await;
    let theirs = admin
        .send(&app, Method::GET, "/v1/admin/offer-items/LENS-35", None)
        .await;
    assert_eq!(theirs.status(), 404, "lens's item is not shop's to read");
}

#[tokio::test]
async fn a_change_needs_the_sessions_csrf_token_and_the_hubs_own_origin() {
    let app = spawn_app().await;
    let (admin, _, _) = shop_people(&app).await;
    let path = "/v1/admin/templates";
    let forged = [
        // A form on another site: the cookie, none of the rest.
        app.client
            .post(format!("{}{path}", app.base))
            .header("cookie", &admin.cookie),
        admin
            .request(&app, Method::POST, path)
            .header("x-csrf-token", "0".repeat(64)),
        admin
            .request(&app, Method::POST, path)
            .header("origin", "https://evil.example"),
        admin
            .request(&app, Method::POST, path)
            .header("sec-fetch-site", "cross-site"),
        admin
            .request(&app, Method::POST, path)
            .header("sec-fetch-site", "same-site"),
    ];
    for request in forged {
        let refused = request
            .json(&template("forged"))
            .send()
            .await
            .expect("sent");
        assert_problem(refused, 403, None).await;
    }
    let nothing = admin
        .send(&app, Method::GET, "/v1/admin/templates/forged", None)
        .await;
    assert_eq!(nothing.status(), 404, "no forged request stored anything");
    // A page of another site cannot sign a visitor in either.
    let login = app
        .client
        .post(format!("{}/v1/console/sign-in", app.base))
        .header("origin", "https://evil.example")
        .json(&json!({"email": "ada@shop.example", "password": PASSWORD}))
        .send()
        .await
        .expect("sent");
    assert_problem(login, 403, None).await;
    let made = admin
        .send(&app, Method::POST, path, Some(template("real")))
        .await;
    assert_eq!(made.status(), 201);
}

#[tokio::test]
async fn signed_out_revoked_and_forged_sessions_are_refused() {
    let app = spawn_app().await;
    let (admin, _, _) = shop_people(&app).await;
    let get = |cookie: Option<&str>| {
        let mut request = app.client.get(format!("{}/v1/admin/templates", app.base));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };
    assert_problem(get(None).await.expect("sent"), 401, None).await;
    for forged in [
        "__Host-postsale-session=pss_0000",
        "__Host-postsale-session=",
        "postsale-session=x",
        &format!("__Host-postsale-session={}", "a".repeat(5000)),
    ] {
        assert_problem(get(Some(forged)).await.expect("sent"), 401, None).await;
    }

    // A second browser; the first ends it from its session list.
    let second = signed(sign_in(&app, "ada@shop.example", PASSWORD).await, 200).await;
    let sessions: Value = admin
        .send(&app, Method::GET, "/v1/console/sessions", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(sessions.as_array().map(Vec::len), Some(2));
    let me: Value = second
        .send(&app, Method::GET, "/v1/console/session", None)
        .await
        .json()
        .await
        .expect("json");
    let second_id = me["session"]["id"].as_str().expect("id");
    let ended = admin
        .send(
            &app,
            Method::DELETE,
            &format!("/v1/console/sessions/{second_id}"),
            None,
        )
        .await;
    assert_eq!(ended.status(), 204);
    assert_problem(get(Some(&second.cookie)).await.expect("sent"), 401, None).await;
    let again = admin
        .send(
            &app,
            Method::DELETE,
            &format!("/v1/console/sessions/{second_id}"),
            None,
        )
        .await;
    assert_problem(again, 404, None).await;

    // Signing out clears the cookie and ends the session for good.
    let out = admin
        .send(&app, Method::POST, "/v1/console/sign-out", None)
        .await;
    assert_eq!(out.status(), 204);
    let cleared = out
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_problem(get(Some(&admin.cookie)).await.expect("sent"), 401, None).await;

    // An expired session is over too.
    let third = signed(sign_in(&app, "ada@shop.example", PASSWORD).await, 200).await;
    let db = database(&app).await;
    sqlx::query("UPDATE console_sessions SET expires_at = 1")
        .execute(&db)
        .await
        .expect("expired");
    assert_problem(get(Some(&third.cookie)).await.expect("sent"), 401, None).await;
    // The database holds digests of the tokens, never the tokens.
    let token = third.cookie.split_once('=').expect("pair").1;
    let stored: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM console_sessions WHERE token_sha256 = $1 OR id = $1",
    )
    .bind(token)
    .fetch_one(&db)
    .await
    .expect("counted");
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn failed_sign_ins_slow_the_next_ones_whether_the_address_exists_or_not() {
    let app = spawn_app().await;
    let (_admin, _, _) = shop_people(&app).await;
    for email in ["ada@shop.example", "nobody@shop.example"] {
        for _ in 0..5 {
            let wrong = sign_in(&app, email, "not the password at all").await;
            let body = assert_problem(wrong, 401, None).await;
            assert_eq!(body["detail"], "wrong e-mail address or password");
        }
        // Locked: even the right password waits, and is told how long.
        let locked = sign_in(&app, email, PASSWORD).await;
        assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS, "{email}");
        assert!(locked.headers().get("retry-after").is_some());
    }
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let after = sign_in(&app, "Ada@Shop.Example", PASSWORD).await;
    assert_eq!(after.status(), 200, "the wait is over");
    // A success starts the count over.
    let wrong = sign_in(&app, "ada@shop.example", "not the password at all").await;
    assert_problem(wrong, 401, None).await;
    let fine = sign_in(&app, "ada@shop.example", PASSWORD).await;
    assert_eq!(fine.status(), 200);
}

#[tokio::test]
async fn invitations_are_taken_once_by_a_valid_person_and_not_after_withdrawal() {
    let app = spawn_app().await;
    let db = database(&app).await;
    let users = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users")
            .fetch_one(&db)
            .await
            .expect("counted")
    };
    let token = operator_invites(&app, "shop", "ada@shop.example", "admin").await;
    for (body, status, field) in [
        (
            json!({"token": token, "name": "Ada", "password": "short"}),
            422,
            Some("password"),
        ),
        (
            json!({"token": token, "name": "Ada", "password": "ada@shop.example"}),
            422,
            Some("password"),
        ),
        (
            json!({"token": token, "name": "Ada", "password": "x".repeat(257)}),
            422,
            Some("password"),
        ),
        (
            json!({"token": token, "name": " ", "password": PASSWORD}),
            422,
            Some("name"),
        ),
        (
            json!({"token": token, "name": "Ada\u{7}", "password": PASSWORD}),
            422,
            Some("name"),
        ),
        (
            json!({"token": token, "name": "Ada", "password": PASSWORD, "admin": true}),
            400,
            None,
        ),
        (json!({"token": token, "name": "Ada"}), 400, None),
        (
            json!({"token": "psi_0000", "name": "Ada", "password": PASSWORD}),
            404,
            None,
        ),
        (
            json!({"token": "x".repeat(10_000), "name": "Ada", "password": PASSWORD}),
            404,
            None,
        ),
    ] {
        let refused = post(&app, "/v1/console/join", body).await;
        assert_problem(refused, status, field).await;
    }
    assert_eq!(users().await, 0, "nothing stored for a refused join");
    let admin = join(&app, &token, "Ada").await;
    let twice = post(
        &app,
        "/v1/console/join",
        json!({"token": token, "name": "Eve", "password": PASSWORD}),
    )
    .await;
    assert_problem(twice, 404, None).await;
    assert_eq!(users().await, 1);

    // Bad invitations are refused and stored nowhere.
    for (body, status, field) in [
        (
            json!({"email": "not an address", "role": "editor"}),
            422,
            Some("email"),
        ),
        (
            json!({"email": "ed@shop.example", "role": "operator"}),
            422,
            Some("role"),
        ),
        (
            json!({"email": "ed@shop.example", "role": "owner"}),
            422,
            Some("role"),
        ),
        (json!({"email": "ed@shop.example"}), 400, None),
        (
            json!({"email": "ADA@shop.example", "role": "editor"}),
            409,
            Some("email"),
        ),
        (
            json!({"email": "ed@shop.example", "role": "editor", "x": 1}),
            400,
            None,
        ),
    ] {
        let refused = admin
            .send(&app, Method::POST, "/v1/console/invitations", Some(body))
            .await;
        assert_problem(refused, status, field).await;
    }
    let listed: Value = admin
        .send(&app, Method::GET, "/v1/console/invitations", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(1),
        "only the admin's own: {listed}"
    );
    assert_eq!(listed[0]["status"], "accepted");
    assert_eq!(listed[0]["invited_by"], "operator");

    // Withdrawn, an invitation is no use; expired, it says so.
    let made: Value = admin
        .send(
            &app,
            Method::POST,
            "/v1/console/invitations",
            Some(json!({"email": "ed@shop.example", "role": "editor"})),
        )
        .await
        .json()
        .await
        .expect("json");
    let id = made["id"].as_str().expect("id");
    let withdrawn = admin
        .send(
            &app,
            Method::DELETE,
            &format!("/v1/console/invitations/{id}"),
            None,
        )
        .await;
    assert_eq!(withdrawn.status(), 204);
    let late = post(
        &app,
        "/v1/console/join",
        json!({"token": made["token"], "name": "Ed", "password": PASSWORD}),
    )
    .await;
    assert_problem(late, 404, None).await;
    let made: Value = admin
        .send(
            &app,
            Method::POST,
            "/v1/console/invitations",
            Some(json!({"email": "ed@shop.example", "role": "editor"})),
        )
        .await
        .json()
        .await
        .expect("json");
    sqlx::query("UPDATE invitations SET expires_at = 1 WHERE id = $1")
        .bind(made["id"].as_str().expect("id"))
        .execute(&db)
        .await
        .expect("expired");
    let expired = post(
        &app,
        "/v1/console/join",
        json!({"token": made["token"], "name": "Ed", "password": PASSWORD}),
    )
    .await;
    assert_problem(expired, 410, None).await;
    assert_eq!(users().await, 1);
    let statuses: Vec<String> = admin
        .send(&app, Method::GET, "/v1/console/invitations", None)
        .await
        .json::<Vec<Value>>()
        .await
        .expect("json")
        .iter()
        .map(|i| i["status"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(statuses, ["expired", "revoked", "accepted"]);

    // The operator invites to merchants that exist only.
    let none = app
        .operator(
            Method::POST,
            "merchants/ghost/invitations",
            Some(json!({"email": "g@ghost.example"})),
        )
        .await;
    assert_problem(none, 404, None).await;
    // A merchant's API key may invite too, and is named as the sender.
    let by_key = app
        .client
        .post(format!("{}/v1/console/invitations", app.base))
        .bearer_auth(&app.lens_key)
        .json(&json!({"email": "lee@lens.example", "role": "analyst"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(by_key.status(), 201);
    let by_key: Value = by_key.json().await.expect("json");
    assert_eq!(by_key["invited_by"], "api_key");
}

#[tokio::test]
async fn a_new_password_ends_the_other_sessions_and_the_old_one_signs_in_no_more() {
    let app = spawn_app().await;
    let (admin, _, _) = shop_people(&app).await;
    let other = signed(sign_in(&app, "ada@shop.example", PASSWORD).await, 200).await;
    let new = "a much longer new passphrase";
    let wrong = admin
        .send(
            &app,
            Method::PUT,
            "/v1/console/password",
            Some(json!({"current_password": "guess guess guess", "new_password": new})),
        )
        .await;
    assert_problem(wrong, 422, Some("current_password")).await;
    let short = admin
        .send(
            &app,
            Method::PUT,
            "/v1/console/password",
            Some(json!({"current_password": PASSWORD, "new_password": "short"})),
        )
        .await;
    assert_problem(short, 422, Some("new_password")).await;
    let changed = admin
        .send(
            &app,
            Method::PUT,
            "/v1/console/password",
            Some(json!({"current_password": PASSWORD, "new_password": new})),
        )
        .await;
    assert_eq!(changed.status(), 204);
    let kept = admin
        .send(&app, Method::GET, "/v1/console/session", None)
        .await;
    assert_eq!(kept.status(), 200, "the session that changed it stays");
    let ended = other
        .send(&app, Method::GET, "/v1/console/session", None)
        .await;
    assert_problem(ended, 401, None).await;
    assert_problem(sign_in(&app, "ada@shop.example", PASSWORD).await, 401, None).await;
    signed(sign_in(&app, "ada@shop.example", new).await, 200).await;
}

#[tokio::test]
async fn the_operators_people_sign_in_and_use_the_operator_api_alone() {
    let app = spawn_app().await;
    let made: Value = app
        .operator(
            Method::POST,
            "invitations",
            Some(json!({"email": "olga@hub.example"})),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(made["role"], "operator");
    let refused = app
        .operator(
            Method::POST,
            "invitations",
            Some(json!({"email": "x@hub.example", "role": "admin"})),
        )
        .await;
    assert_problem(refused, 422, Some("role")).await;
    let olga = join(&app, made["token"].as_str().expect("token"), "Olga").await;
    assert!(olga.user.get("merchant_id").is_none());
    let roles = olga
        .send(
            &app,
            Method::PUT,
            "/v1/operator/merchants/trail/roles",
            Some(json!({"affiliate": true, "upseller": true})),
        )
        .await;
    assert_eq!(roles.status(), 200);
    let no_csrf = app
        .client
        .put(format!("{}/v1/operator/merchants/trail/roles", app.base))
        .header("cookie", &olga.cookie)
        .json(&json!({"affiliate": false, "upseller": true}))
        .send()
        .await
        .expect("sent");
    assert_problem(no_csrf, 403, None).await;
    let merchant_api = olga
        .send(&app, Method::GET, "/v1/admin/templates", None)
        .await;
    assert_problem(merchant_api, 403, None).await;
    let people: Value = olga
        .send(&app, Method::GET, "/v1/operator/users", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(people.as_array().map(Vec::len), Some(1));

    // Deleting a merchant takes its people with it.
    let token = operator_invites(&app, "trail", "tom@trail.example", "admin").await;
    let tom = join(&app, &token, "Tom").await;
    let deleted = app
        .admin(Method::DELETE, &app.trail_key, "merchant", None)
        .await;
    assert_eq!(deleted.status(), 204);
    assert_problem(
        tom.send(&app, Method::GET, "/v1/console/session", None)
            .await,
        401,
        None,
    )
    .await;
    assert_problem(
        sign_in(&app, "tom@trail.example", PASSWORD).await,
        401,
        None,
    )
    .await;
}

#[tokio::test]
async fn api_keys_are_made_by_admins_shown_once_and_refused_once_revoked() {
    let app = spawn_app().await;
    let (admin, editor, analyst) = shop_people(&app).await;
    let templates = |key: String| {
        let app = &app;
        async move {
            app.client
                .get(format!("{}/v1/admin/templates", app.base))
                .bearer_auth(key)
                .send()
                .await
                .expect("sent")
                .status()
        }
    };
    let listed = || async {
        admin
            .send(&app, Method::GET, "/v1/console/api-keys", None)
            .await
            .json::<Vec<Value>>()
            .await
            .expect("json")
    };
    assert_eq!(listed().await.len(), 1, "the key the registration made");
    for (label, field) in [("", "label"), (" ", "label"), ("a\u{7}b", "label")] {
        let refused = admin
            .send(
                &app,
                Method::POST,
                "/v1/console/api-keys",
                Some(json!({"label": label})),
            )
            .await;
        assert_problem(refused, 422, Some(field)).await;
    }
    let long = admin
        .send(
            &app,
            Method::POST,
            "/v1/console/api-keys",
            Some(json!({"label": "x".repeat(81)})),
        )
        .await;
    assert_problem(long, 422, Some("label")).await;
    for browser in [&editor, &analyst] {
        let refused = browser
            .send(
                &app,
                Method::POST,
                "/v1/console/api-keys",
                Some(json!({"label": "mine"})),
            )
            .await;
        assert_problem(refused, 403, None).await;
    }
    assert_eq!(listed().await.len(), 1, "nothing stored for a refused key");

    let made: Value = admin
        .send(
            &app,
            Method::POST,
            "/v1/console/api-keys",
            Some(json!({"label": "warehouse sync"})),
        )
        .await
        .json()
        .await
        .expect("json");
    let key = made["key"].as_str().expect("the key, once").to_owned();
    assert!(key.starts_with("psk_"));
    assert_eq!(
        made["created_by"],
        format!("user:{}", admin.user["id"].as_str().expect("id"))
    );
    assert_eq!(templates(key.clone()).await, 200);
    let keys = listed().await;
    assert_eq!(keys.len(), 2);
    assert!(
        keys.iter().all(|k| k.get("key").is_none()),
        "keys are never listed: {keys:?}"
    );

    // The registration's key revoked: refused from the next request on.
    let first = keys
        .iter()
        .find(|k| k["label"] == "registration")
        .expect("the first key");
    let path = format!("/v1/console/api-keys/{}", first["id"].as_str().expect("id"));
    let refused = analyst.send(&app, Method::DELETE, &path, None).await;
    assert_problem(refused, 403, None).await;
    assert_eq!(
        admin.send(&app, Method::DELETE, &path, None).await.status(),
        204
    );
    assert_eq!(templates(app.shop_key.clone()).await, 401);
    assert_problem(
        admin.send(&app, Method::DELETE, &path, None).await,
        404,
        None,
    )
    .await;

    // A machine's key may make and revoke keys too, its own included.
    let by_key = app
        .client
        .post(format!("{}/v1/console/api-keys", app.base))
        .bearer_auth(&key)
        .json(&json!({"label": "rotation"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(by_key.status(), 201);
    let rotated: Value = by_key.json().await.expect("json");
    assert_eq!(rotated["created_by"], "api_key");
    let own = format!(
        "{}/v1/console/api-keys/{}",
        app.base,
        made["id"].as_str().expect("id")
    );
    let gone = app
        .client
        .delete(own)
        .bearer_auth(&key)
        .send()
        .await
        .expect("sent");
    assert_eq!(gone.status(), 204);
    assert_eq!(templates(key).await, 401);
    assert_eq!(
        templates(rotated["key"].as_str().expect("key").to_owned()).await,
        200
    );
}

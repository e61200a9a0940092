//! The mongodb checks on real documents of the real driver. No MongoDB server can be installed
//! on the machines that run these tests (Debian does not package one), so the driver's actions
//! are built, which is when the check runs, and never sent.
#![cfg(feature = "mongodb")]

use iast::{Confidence, Report, Vulnerability};
use iast_sinks::mongodb::{CollectionExt as _, DatabaseExt as _, check_document};
use mongodb::bson::{Document, doc};

#[iast::source(origin = "http.parameter")]
fn param(value: &str) -> String {
    value.to_owned()
}

/// A collection of a client that never connects: no server is listening on port 9.
async fn users() -> mongodb::Collection<Document> {
    mongodb::Client::with_uri_str("mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=100")
        .await
        .unwrap()
        .database("app")
        .collection("users")
}

fn nosql(report: &Report) -> Vec<Confidence> {
    report
        .of(Vulnerability::NosqlInjection)
        .inspect(|f| assert_eq!(f.sink().function(), "iast_sinks::mongodb::check_document"))
        .map(|f| f.confidence())
        .collect()
}

#[tokio::test]
async fn a_tainted_string_value_is_data() {
    let users = users().await;
    let report = iast::check_async(async {
        let filter = doc! { "name": param("carol smith"), "age": { "$gt": 18 } };
        let _ = users.find_checked(filter);
        let _ = users.count_documents_checked(doc! { "name": param("x\", \"$where\": \"1") });
    })
    .await;
    iast::assert_no_findings!(report);
    assert_eq!(report.sinks_reached().len(), 1, "{report}");
}

#[tokio::test]
async fn operators_code_and_patterns_of_the_client_are_injection() {
    let users = users().await;
    // An object where the program expected a name matches every user.
    let report = iast::check_async(async {
        let name: serde_json::Value = serde_json::from_str(&param(r#"{"$ne":null}"#)).unwrap();
        let filter = doc! { "name": mongodb::bson::to_bson(&name).unwrap() };
        let _ = users.find_one_checked(filter);
    })
    .await;
    assert_eq!(nosql(&report), [Confidence::Confirmed], "{report}");

    let report = iast::check_async(async {
        let code = format!("this.name == '{}'", param("' || '1' == '1"));
        let _ = users.delete_many_checked(doc! { "$where": code });
    })
    .await;
    assert_eq!(nosql(&report), [Confidence::Confirmed], "{report}");

    let report = iast::check_async(async {
        let _ = users.find_checked(doc! { "name": { "$regex": param("^adm.*") } });
    })
    .await;
    assert_eq!(nosql(&report), [Confidence::Confirmed], "{report}");
}

#[tokio::test]
async fn updates_and_pipelines_are_checked_stage_by_stage() {
    let users = users().await;
    // A `$` string in an update pipeline's expression names a field: the client copies the
    // password hash into a field it can read.
    let report = iast::check_async(async {
        let stage = doc! { "$addFields": { "nickname": param("$password_hash") } };
        let _ = users.update_one_checked(doc! { "_id": 1 }, vec![stage]);
    })
    .await;
    assert_eq!(nosql(&report), [Confidence::Confirmed], "{report}");

    let report = iast::check_async(async {
        let nickname = param("the quiet one");
        let _ =
            users.update_many_checked(doc! { "_id": 1 }, doc! { "$set": { "nickname": nickname } });
        let pipeline = [
            doc! { "$match": { "team": param("blue team") } },
            doc! { "$count": "n" },
        ];
        let _ = users.aggregate_checked(pipeline);
    })
    .await;
    iast::assert_no_findings!(report);
    // Referenced so that the sink is linked even if the tests above are filtered out.
    let _ = check_document as fn(&str);
}

/// `{"name": {"$ne": null}}`, the object sent by the client where a name was expected.
fn operator_filter() -> Document {
    let name: serde_json::Value = serde_json::from_str(&param(r#"{"$ne":null}"#)).unwrap();
    doc! { "name": mongodb::bson::to_bson(&name).unwrap() }
}

/// A twin called with an operator object, its action dropped unsent.
type Call<'a> = Box<dyn Fn() + 'a>;

#[tokio::test]
async fn every_twin_checks_its_documents_at_the_applications_line() {
    let users = users().await;
    let db = users.client().database("app");
    let set = || doc! { "$set": { "seen": true } };
    let calls: Vec<(&str, Call)> = vec![
        (
            "distinct",
            Box::new(|| drop(users.distinct_checked("name", operator_filter()))),
        ),
        (
            "replace_one",
            Box::new(|| drop(users.replace_one_checked(operator_filter(), doc! {}))),
        ),
        (
            "find_one_and_delete",
            Box::new(|| drop(users.find_one_and_delete_checked(operator_filter()))),
        ),
        (
            "find_one_and_update",
            Box::new(|| drop(users.find_one_and_update_checked(operator_filter(), set()))),
        ),
        (
            "find_one_and_replace",
            Box::new(|| drop(users.find_one_and_replace_checked(operator_filter(), doc! {}))),
        ),
        (
            "watch",
            Box::new(|| drop(users.watch_checked([doc! { "$match": operator_filter() }]))),
        ),
        (
            "database aggregate",
            Box::new(|| drop(db.aggregate_checked([doc! { "$match": operator_filter() }]))),
        ),
        (
            "database watch",
            Box::new(|| drop(db.watch_checked([doc! { "$match": operator_filter() }]))),
        ),
        (
            "run_command",
            Box::new(|| {
                drop(db.run_command_checked(doc! { "find": "users", "filter": operator_filter() }))
            }),
        ),
        (
            "run_cursor_command",
            Box::new(|| {
                drop(db.run_cursor_command_checked(
                    doc! { "find": "users", "filter": operator_filter() },
                ))
            }),
        ),
    ];
    for (name, call) in calls {
        let report = iast::check(call);
        assert_eq!(nosql(&report), [Confidence::Confirmed], "{name}: {report}");
        let site = report.findings()[0].call_site().unwrap();
        assert!(
            site.file().ends_with("tests/mongodb.rs"),
            "{name}: {site:?}"
        );
    }
    // The filter of an update's twin is checked with its update; a replacement is data.
    let report = iast::check(|| {
        let replacement = doc! { "name": param(r#"{"$ne":null}"#) };
        drop(users.replace_one_checked(doc! { "_id": 1 }, replacement));
    });
    iast::assert_no_findings!(report);
}

/// Through the axum layer: an operator object in a JSON body, recorded whole by the layer.
#[cfg(feature = "axum")]
mod over_http {
    use super::*;
    use axum::routing::post;
    use axum::{Json, Router};
    use iast_sinks::axum::{IastLayer, findings};

    async fn serve() -> String {
        let users = users().await;
        let app = Router::new()
            .route(
                "/login",
                post(move |Json(body): Json<serde_json::Value>| async move {
                    let user = mongodb::bson::to_bson(&body["user"]).unwrap();
                    let _ = users.find_one_checked(doc! { "user": user, "active": true });
                    "ok"
                }),
            )
            .layer(IastLayer::new());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_operator_object_in_a_json_body_is_confirmed() {
        let base = serve().await;
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        for (marker, body) in [
            ("mark-mongo-attack", r#"{"user": {"$ne": null}}"#),
            ("mark-mongo-benign", r#"{"user": "alice"}"#),
        ] {
            let response = client
                .post(format!("{base}/login?{marker}"))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.text().await.unwrap(), "ok");
        }
        let of = |marker: &str| {
            findings()
                .into_iter()
                .filter(|f| f.uri.contains(marker))
                .map(|f| (f.finding.vulnerability(), f.finding.confidence()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            of("mark-mongo-attack"),
            [(Vulnerability::NosqlInjection, Confidence::Confirmed)]
        );
        assert_eq!(of("mark-mongo-benign"), []);
    }
}

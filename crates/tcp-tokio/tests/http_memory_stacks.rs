//! axum and hyper on two stacks joined in memory (features `axum` and `hyper`): an axum app
//! served from a `TcpListener` on stack B, fetched by hyper-util's legacy `Client` through
//! an `HttpConnector` on stack A, without privileges.

mod support;

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::future::{Future, IntoFuture};
use std::time::Duration;
use support::{b_addr, pair};
use tcp_tokio::{HttpConnector, Stack, State, TcpListener};

/// Longest a request may take here before the test fails.
const PATIENCE: Duration = Duration::from_secs(30);

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: not done within {PATIENCE:?}"))
}

/// Serves `/` ("hello") and `/blob` (`blob`) with axum from a listener on `stack`'s port 80.
async fn serve(stack: &Stack, blob: Bytes) -> tokio::task::JoinHandle<std::io::Result<()>> {
    let listener = TcpListener::bind_on(stack, b_addr(80)).await.expect("bind");
    let app = Router::new()
        .route("/", get(|| async { "hello" }))
        .route("/blob", get(move || async move { blob }));
    tokio::spawn(axum::serve(listener, app).into_future())
}

/// The body of the response to GET `uri`, after checking its status is 200.
async fn fetch(client: &Client<HttpConnector, Empty<Bytes>>, uri: &str) -> Bytes {
    let response = within(uri, client.get(uri.parse().expect("a URI")))
        .await
        .unwrap_or_else(|e| panic!("GET {uri}: {e:?}"));
    assert_eq!(response.status(), 200, "GET {uri}");
    within(uri, response.into_body().collect())
        .await
        .unwrap_or_else(|e| panic!("GET {uri} body: {e}"))
        .to_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_serves_hyper_on_kept_alive_pooled_connections() {
    let (a, b) = pair();
    let blob: Bytes = (0..4u32 << 20).map(|i| (i * 7 + i / 251) as u8).collect();
    let server = serve(&b, blob.clone()).await;
    let client = Client::builder(TokioExecutor::new()).build(HttpConnector::new_on(&a));

    assert_eq!(fetch(&client, "http://198.18.5.2/").await, "hello");
    let got = fetch(&client, "http://198.18.5.2/blob").await;
    assert!(
        got == blob,
        "got {} of {} bytes, or other bytes",
        got.len(),
        blob.len()
    );

    let connections: Vec<_> = a
        .sockets()
        .into_iter()
        .filter(|info| info.remote == b_addr(80))
        .collect();
    // hyper's pool takes a connection back only once the response body is read, on its
    // own task: the second request may race it and open a second connection. Either way
    // every connection stays open for the next request.
    assert!(
        (1..=2).contains(&connections.len())
            && connections.iter().all(|c| c.state == State::Established),
        "the pool keeps its connections alive: {connections:?}"
    );
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_stack_serves_and_connects() {
    let (a, b) = pair();
    let server = serve(&b, Bytes::new()).await;
    a.make_default();
    let client = Client::builder(TokioExecutor::new()).build(HttpConnector::new());
    assert_eq!(fetch(&client, "http://198.18.5.2/").await, "hello");

    let refused = within(
        "refused",
        client.get("http://198.18.5.2:81/".parse().unwrap()),
    )
    .await
    .expect_err("nothing listens on port 81");
    assert!(refused.is_connect(), "a connect error: {refused:?}");
    server.abort();
}

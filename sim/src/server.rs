//! Accepting connections and serving each one: TLS handshake, then hyper's HTTP/1.1
//! server with keep-alive, closed by us when idle too long.

use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

use crate::idle::Activity;
use crate::service;
use crate::shared::Shared;

/// A client that connects but never finishes the handshake does not hold a task forever.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Pause after a failed accept (e.g. out of file descriptors) so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

pub(crate) async fn accept_loop(listener: TcpListener, acceptor: TlsAcceptor, shared: Arc<Shared>) {
    loop {
        let tcp = match listener.accept().await {
            Ok((tcp, _peer)) => tcp,
            Err(_) => {
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        shared.stats.record_connection();
        // Small answers should leave at once, not wait for Nagle.
        let _ = tcp.set_nodelay(true);
        tokio::spawn(serve_connection(tcp, acceptor.clone(), shared.clone()));
    }
}

async fn serve_connection(tcp: TcpStream, acceptor: TlsAcceptor, shared: Arc<Shared>) {
    let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await else {
        return;
    };
    let activity = Arc::new(Activity::new());
    let service = {
        let activity = activity.clone();
        let shared = shared.clone();
        service_fn(move |request| {
            let activity = activity.clone();
            let shared = shared.clone();
            async move {
                let _busy = activity.begin();
                service::handle(shared, request).await
            }
        })
    };
    let mut connection = pin!(
        http1::Builder::new()
            .keep_alive(true)
            .serve_connection(TokioIo::new(tls), service)
    );

    let Some(limit) = shared.idle_close_after else {
        // Errors here are the client's or a fault's doing; the connection is over either way.
        let _ = connection.await;
        return;
    };
    loop {
        // Registered before the deadline is read, so a request starting in between
        // is not missed.
        let changed = activity.changed.notified();
        let deadline = activity.idle_deadline(limit);
        tokio::select! {
            _ = connection.as_mut() => return,
            _ = changed => {}
            _ = sleep_until(deadline) => {
                if activity.idle_deadline(limit).is_some_and(|d| d <= Instant::now()) {
                    // Idle: hyper closes at once (TLS close_notify, then the socket).
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                    return;
                }
            }
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

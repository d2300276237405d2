//! Wiring: builds the store, the Slack client, the services and the router from a
//! [`Config`], then serves until told to stop. Shutdown is graceful: stop accepting,
//! finish in-flight requests, let the worker finish the batch in hand, close the pool.

use crate::clock::SharedClock;
use crate::config::{Config, WebhookSecrets};
use crate::db::{self, OpenMode};
use crate::helpdesk::Helpdesks;
use crate::jobs::heartbeat::Heartbeat;
use crate::jobs::worker::Worker;
use crate::jobs::JobContext;
use crate::service::Services;
use crate::slack::api::SlackApi;
use metrics_exporter_prometheus::PrometheusHandle;
use secrecy::SecretString;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState(Arc<AppInner>);

/// What every request handler reads; shared behind one `Arc` so handing it to a request
/// (axum clones the state for each) is one reference count, not four.
pub struct AppInner {
    pub services: Arc<Services>,
    /// The Web API, for the edge's inline calls (`views.open`: its trigger expires in 3 s).
    pub slack: Arc<SlackApi>,
    /// The helpdesk APIs, handed to the worker's jobs.
    pub helpdesks: Helpdesks,
    pub metrics: PrometheusHandle,
    pub signing_secret: Arc<SecretString>,
    pub webhooks: Arc<WebhookSecrets>,
    /// Set when shutdown starts: `/readyz` answers 503 so a load balancer stops sending
    /// new work while requests in flight finish.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
    /// When this process's worker loop last polled: `/readyz` answers 503 when it has not
    /// for too long. Unarmed (never stale) when no worker loop runs here.
    pub heartbeat: Arc<Heartbeat>,
    /// Signed Slack requests already accepted, so a replay inside the window is refused.
    pub replays: crate::slack::verify::ReplayGuard,
}

impl std::ops::Deref for AppState {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}

/// Whether this process runs the background worker (tests drain it by hand instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerMode {
    Background,
    Manual,
}

pub struct Application {
    state: AppState,
    listener: TcpListener,
    worker_mode: WorkerMode,
    concurrency: usize,
    /// `SLACK_APP_TOKEN` is set: Slack also comes in over Socket Mode.
    socket_mode: bool,
}

impl Application {
    pub async fn build(
        config: Config,
        clock: SharedClock,
        worker_mode: WorkerMode,
    ) -> anyhow::Result<Self> {
        // slack-morphism's TLS stack needs a process-wide crypto provider before first use.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // The address first: a busy port is refused before the database is created or
        // migrated.
        let listener = bind(config.listen).await?;
        let store = db::open(&config.database_url, OpenMode::Serve).await?;
        crate::service::contacts::rekey_phones(
            &store,
            config.playbook.contacts.region(),
            clock.now_ms(),
        )
        .await?;
        let slack = Arc::new(SlackApi::new(&config.slack)?);
        let helpdesks = Helpdesks::new(&config.helpdesks)?;
        let services = Arc::new(Services {
            store,
            clock,
            playbook: Arc::new(config.playbook.clone()),
            work: Arc::new(Notify::new()),
            writes_to: helpdesks.configured(),
            recorded_events: Default::default(),
        });
        crate::service::clock::arm(&services).await?;
        let state = AppState(Arc::new(AppInner {
            services,
            slack,
            helpdesks,
            metrics: crate::telemetry::metrics_handle(),
            signing_secret: Arc::new(config.slack.signing_secret.clone()),
            webhooks: Arc::new(config.webhooks.clone()),
            draining: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            heartbeat: Arc::new(Heartbeat::new()),
            replays: Default::default(),
        }));
        Ok(Self {
            state,
            listener,
            worker_mode,
            concurrency: config.worker_concurrency,
            socket_mode: config.slack.app_token.is_some(),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// A worker over this app's services (tests drain it with `run_until_empty`).
    pub fn worker(&self) -> Worker {
        let cx = JobContext {
            services: self.state.services.clone(),
            slack: self.state.slack.clone(),
            helpdesks: self.state.helpdesks.clone(),
        };
        Worker::new(Arc::new(cx), self.concurrency, self.state.heartbeat.clone())
    }

    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let worker = match self.worker_mode {
            WorkerMode::Background => Some(tokio::spawn(self.worker().run(stop_rx))),
            WorkerMode::Manual => None,
        };
        // Socket Mode runs beside the HTTP server (which still serves /hooks/*, /healthz,
        // /metrics) and stops taking envelopes when the server stops taking requests.
        let (socket_stop_tx, socket_stop_rx) = watch::channel(false);
        let socket = self.socket_mode.then(|| {
            tokio::spawn(crate::slack::socket::run(
                self.state.clone(),
                socket_stop_rx,
            ))
        });
        let draining = self.state.draining.clone();
        let shutdown = async move {
            shutdown.await;
            draining.store(true, std::sync::atomic::Ordering::SeqCst);
            let _ = socket_stop_tx.send(true);
        };
        let services = self.state.services.clone();
        let router = crate::http::router(self.state);
        axum::serve(self.listener, router)
            .with_graceful_shutdown(shutdown)
            .await?;
        if let Some(s) = socket {
            let _ = s.await;
        }
        tracing::info!("HTTP server stopped; waiting for the worker to finish its batch");
        let _ = stop_tx.send(true);
        if let Some(w) = worker {
            let _ = w.await;
        }
        services.store.close().await;
        Ok(())
    }
}

/// The listener on `addr`, or an error naming the address and what to do.
async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| {
        let fix = match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                "another process listens there (another cxbot?): stop it, or set CXBOT_LISTEN to a free HOST:PORT"
            }
            std::io::ErrorKind::AddrNotAvailable => {
                "this host has no such address: set CXBOT_LISTEN to one of its addresses (0.0.0.0:PORT for all)"
            }
            std::io::ErrorKind::PermissionDenied => {
                "ports below 1024 need privileges: set CXBOT_LISTEN to a port above 1023 and forward to it"
            }
            _ => "set CXBOT_LISTEN to an address this host can listen on",
        };
        anyhow::anyhow!("cannot listen on {addr} (CXBOT_LISTEN): {e}; {fix}")
    })
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutdown signal received");
}

//! A plain-TCP HTTP/1.1 proxy in front of the fake Slack that can drop a connection on
//! purpose: before the request reaches the fake (Slack never saw it), or after the fake
//! answered (Slack did the work; cxbot sees a reset and no answer). wiremock answers every
//! request it gets, so connection faults need this front.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The connection closes before the request is forwarded: nothing happened in Slack.
    DropBeforeSend,
    /// The request is forwarded and answered, then the connection closes unanswered.
    DropAfterSend,
}

/// Faults to apply, each once, to the next calls of a Web API method, in order.
#[derive(Debug, Default)]
pub struct FaultPlan {
    queue: Mutex<VecDeque<(String, Fault)>>,
}

impl FaultPlan {
    pub fn new(faults: &[(&str, Fault)]) -> Arc<Self> {
        Arc::new(Self {
            queue: Mutex::new(faults.iter().map(|(m, f)| (m.to_string(), *f)).collect()),
        })
    }

    fn take(&self, method: &str) -> Option<Fault> {
        let mut q = self.queue.lock().unwrap();
        let i = q.iter().position(|(m, _)| m == method)?;
        q.remove(i).map(|(_, f)| f)
    }

    /// Faults not yet applied.
    pub fn left(&self) -> usize {
        self.queue.lock().unwrap().len()
    }
}

/// Starts the proxy on 127.0.0.1; returns its base URL (ending in `/`).
pub async fn start(upstream: String, plan: Arc<FaultPlan>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let client = reqwest::Client::new();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let (upstream, plan, client) = (upstream.clone(), plan.clone(), client.clone());
            tokio::spawn(async move {
                let _ = serve(sock, &upstream, &plan, &client).await;
            });
        }
    });
    format!("http://{addr}/")
}

struct RawRequest {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

async fn read_request(sock: &mut TcpStream, buf: &mut Vec<u8>) -> Option<RawRequest> {
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let mut chunk = [0u8; 8192];
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?.to_string(), first.next()?.to_string());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let start = head_end + 4;
    while buf.len() < start + len {
        let mut chunk = [0u8; 8192];
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[start..start + len].to_vec();
    buf.drain(..start + len);
    Some(RawRequest {
        method,
        target,
        headers,
        body,
    })
}

async fn serve(
    mut sock: TcpStream,
    upstream: &str,
    plan: &FaultPlan,
    client: &reqwest::Client,
) -> Option<()> {
    let mut buf = Vec::new();
    loop {
        let req = read_request(&mut sock, &mut buf).await?;
        let path = req.target.split('?').next().unwrap_or_default();
        let fault = plan.take(path.trim_start_matches('/'));
        if fault == Some(Fault::DropBeforeSend) {
            return None;
        }
        let method = reqwest::Method::from_bytes(req.method.as_bytes()).ok()?;
        let url = format!("{}{}", upstream.trim_end_matches('/'), req.target);
        let mut forward = client.request(method, url).body(req.body);
        for (k, v) in &req.headers {
            if !["host", "content-length", "connection"].contains(&k.as_str()) {
                forward = forward.header(k, v);
            }
        }
        let res = forward.send().await.ok()?;
        let status = res.status();
        let retry_after = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = res.bytes().await.ok()?;
        if fault == Some(Fault::DropAfterSend) {
            return None;
        }
        let mut out = format!(
            "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or(""),
            body.len()
        );
        if let Some(r) = retry_after {
            out.push_str(&format!("retry-after: {r}\r\n"));
        }
        out.push_str("\r\n");
        sock.write_all(out.as_bytes()).await.ok()?;
        sock.write_all(&body).await.ok()?;
    }
}

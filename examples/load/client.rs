//! One keep-alive HTTP/1.1 connection per worker task (hyper's low-level client, so the
//! tool spends as little of the shared CPU as it can), and the per-kind statistics.

use crate::payloads::Req;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::{Method, Request};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// Where to send: `host:port` to connect to and the Host header.
pub struct Target {
    pub authority: String,
}

impl Target {
    pub fn parse(url: &str) -> Result<Self, String> {
        let uri: hyper::Uri = url.parse().map_err(|e| format!("--url {url}: {e}"))?;
        if uri.scheme_str() != Some("http") {
            return Err(format!("--url {url}: only http:// is supported"));
        }
        let authority = uri
            .authority()
            .ok_or_else(|| format!("--url {url}: no host"))?;
        let port = authority.port_u16().unwrap_or(80);
        Ok(Self {
            authority: format!("{}:{port}", authority.host()),
        })
    }
}

/// What one worker saw for one kind of request.
#[derive(Default)]
pub struct Stats {
    pub latencies_us: Vec<u32>,
    pub ok: u64,
    /// Non-2xx responses by status.
    pub statuses: BTreeMap<u16, u64>,
    /// Transport errors (refused, reset, timeout) by message.
    pub transport: BTreeMap<String, u64>,
    /// Answers by status and reply text, digits folded to `N`.
    pub answers: HashMap<String, u64>,
}

impl Stats {
    pub fn merge(&mut self, o: Stats) {
        self.latencies_us.extend(o.latencies_us);
        self.ok += o.ok;
        for (k, v) in o.statuses {
            *self.statuses.entry(k).or_default() += v;
        }
        for (k, v) in o.transport {
            *self.transport.entry(k).or_default() += v;
        }
        for (k, v) in o.answers {
            *self.answers.entry(k).or_default() += v;
        }
    }

    pub fn non_2xx(&self) -> u64 {
        self.statuses.values().sum()
    }

    pub fn errors(&self) -> u64 {
        self.transport.values().sum()
    }
}

/// A short label for a reply: the status and the start of its `text` (or of its body).
fn label(status: u16, body: &[u8]) -> String {
    let head = &body[..body.len().min(800)];
    let key = b"\"text\":\"";
    let snippet = match head.windows(key.len()).position(|w| w == key) {
        Some(at) => {
            let rest = &head[at + key.len()..];
            let end = rest.iter().position(|b| *b == b'"').unwrap_or(rest.len());
            &rest[..end]
        }
        None => head,
    };
    if body.is_empty() {
        return format!("{status} (empty body)");
    }
    let mut out = format!("{status} ");
    let mut in_digits = false;
    for c in String::from_utf8_lossy(snippet).chars().take(70) {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('N');
            }
            in_digits = true;
        } else {
            in_digits = false;
            out.push(if c.is_control() { ' ' } else { c });
        }
    }
    out
}

enum Outcome {
    Status(u16, Bytes),
    Transport(String),
}

/// A connection that reconnects when the server closed it.
#[derive(Default)]
struct Conn {
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    async fn connect(target: &Target) -> Result<SendRequest<Full<Bytes>>, String> {
        let stream = TcpStream::connect(&target.authority)
            .await
            .map_err(|e| format!("connect: {}", e.kind()))?;
        stream.set_nodelay(true).ok();
        let io = hyper_util::rt::TokioIo::new(stream);
        let (sender, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(conn);
        Ok(sender)
    }

    async fn send(&mut self, target: &Target, req: Req, timeout: Duration) -> Outcome {
        // A connection the server closed while idle is replaced before sending (not a
        // retry: nothing was sent on it).
        if self.sender.as_ref().is_some_and(|s| s.is_closed()) {
            self.sender = None;
        }
        if self.sender.is_none() {
            match Self::connect(target).await {
                Ok(s) => self.sender = Some(s),
                Err(e) => return Outcome::Transport(e),
            }
        }
        let sender = self.sender.as_mut().expect("connected");
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(req.path)
            .header(HOST, target.authority.as_str())
            .header(CONTENT_TYPE, req.content_type);
        for (k, v) in &req.headers {
            builder = builder.header(*k, v.as_str());
        }
        let request = builder.body(Full::new(req.body)).expect("valid request");
        let exchange = async {
            sender
                .ready()
                .await
                .map_err(|e| format!("not ready: {e}"))?;
            let resp = sender
                .send_request(request)
                .await
                .map_err(|e| format!("send: {e}"))?;
            let status = resp.status().as_u16();
            let body = resp
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("body: {e}"))?
                .to_bytes();
            Ok::<_, String>((status, body))
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(Ok((status, body))) => Outcome::Status(status, body),
            Ok(Err(e)) => {
                self.sender = None;
                Outcome::Transport(e)
            }
            Err(_) => {
                self.sender = None;
                Outcome::Transport(format!("timeout after {timeout:?}"))
            }
        }
    }
}

/// What a worker asks for next: a kind (index into the stats), a tag, the request.
pub type Next = Option<(usize, u64, Req)>;

pub struct WorkerOut {
    pub stats: Vec<Stats>,
    /// 2xx bodies by tag, when asked for (the prepare step reads ticket ids from them).
    pub bodies: Vec<(u64, Bytes)>,
    pub last_done: Instant,
}

/// Sends requests from `next` one after another on one connection until it says stop.
/// Requests started before `record_from` (the warm-up) are sent but not counted.
pub async fn worker(
    target: &Target,
    timeout: Duration,
    record_from: Instant,
    kinds: usize,
    keep_bodies: bool,
    mut next: impl FnMut() -> Next,
) -> WorkerOut {
    let mut conn = Conn::default();
    let mut out = WorkerOut {
        stats: (0..kinds).map(|_| Stats::default()).collect(),
        bodies: Vec::new(),
        last_done: Instant::now(),
    };
    while let Some((kind, tag, req)) = next() {
        let start = Instant::now();
        let outcome = conn.send(target, req, timeout).await;
        let done = Instant::now();
        if start < record_from {
            continue;
        }
        out.last_done = done;
        let s = &mut out.stats[kind];
        s.latencies_us
            .push((done - start).as_micros().min(u32::MAX as u128) as u32);
        match outcome {
            Outcome::Status(status, body) => {
                if (200..300).contains(&status) {
                    s.ok += 1;
                    if keep_bodies {
                        out.bodies.push((tag, body.clone()));
                    }
                } else {
                    *s.statuses.entry(status).or_default() += 1;
                }
                *s.answers.entry(label(status, &body)).or_default() += 1;
            }
            Outcome::Transport(e) => {
                *s.transport.entry(e).or_default() += 1;
                // Refused connections would otherwise spin: back off a little.
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn labels_fold_digits_and_read_text() {
        let l = super::label(
            200,
            br#"{"response_type":"ephemeral","text":"Claimed #1234 at 10:32"}"#,
        );
        assert_eq!(l, "200 Claimed #N at N:N");
        assert_eq!(
            super::label(200, br#"{"ok":true,"ticket":42}"#),
            r#"200 {"ok":true,"ticket":N}"#
        );
    }
}

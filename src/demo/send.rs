//! What the people and the helpdesks send: real HTTP requests to the app's own listener,
//! signed as Slack signs a command, a click or a form, and as each helpdesk signs its
//! webhooks, at the stage's clock. What a person does is printed as they do it.

use super::stage::{Card, Stage, FRESHDESK_TOKEN, GENERIC_SECRET, SIGNING_SECRET, ZENDESK_SECRET};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

/// A fresh trigger id, as Slack gives each command and click (an identical signed request
/// twice is a replay, which cxbot refuses).
fn trigger_id() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    format!("111.222.demo{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

impl Stage {
    /// Requests sent to the app so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    async fn post(
        &self,
        path: &str,
        body: String,
        content_type: &str,
        headers: Vec<(&'static str, String)>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let res = req.send().await?;
        let status = res.status().as_u16();
        let text = res.text().await?;
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status >= 400 {
            anyhow::bail!("POST {path} answered {status}: {value}");
        }
        Ok((status, value))
    }

    /// A helpdesk webhook, signed as that helpdesk signs it; returns cxbot's ticket id.
    pub async fn hook(&mut self, provider: &str, body: Value) -> anyhow::Result<i64> {
        use crate::webhooks::auth::{sign_generic, sign_zendesk};
        let body = body.to_string();
        let now = self.now();
        let headers = match provider {
            "freshdesk" => vec![("x-cxbot-token", FRESHDESK_TOKEN.to_string())],
            "zendesk" => {
                let ts = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                vec![
                    (
                        "x-zendesk-webhook-signature",
                        sign_zendesk(&ts, body.as_bytes(), ZENDESK_SECRET),
                    ),
                    ("x-zendesk-webhook-signature-timestamp", ts),
                ]
            }
            _ => vec![
                ("x-cxbot-timestamp", now.timestamp().to_string()),
                (
                    "x-cxbot-signature",
                    sign_generic(now.timestamp(), body.as_bytes(), GENERIC_SECRET),
                ),
            ],
        };
        let path = format!("/hooks/{provider}");
        let (_, reply) = self.post(&path, body, "application/json", headers).await?;
        self.drain().await?;
        reply["ticket"]
            .as_i64()
            .ok_or_else(|| anyhow::anyhow!("{path} accepted no ticket: {reply}"))
    }

    fn slack_headers(&self, body: &str) -> Vec<(&'static str, String)> {
        let ts = self.now().timestamp().to_string();
        let sig = crate::slack::verify::sign(SIGNING_SECRET.as_bytes(), &ts, body.as_bytes());
        vec![
            ("x-slack-request-timestamp", ts),
            ("x-slack-signature", sig),
        ]
    }

    /// `/cx <text>` typed by `user` in the queue channel; prints it and the first `lines`
    /// lines of the answer only they see.
    pub async fn command(&mut self, user: &str, text: &str, lines: usize) -> anyhow::Result<()> {
        let name = self.team.name(user);
        // As typed: a mention reads "@Dana" in the message box.
        let typed = text.replace("<@", "@").replace('>', "");
        let typed = super::PEOPLE.iter().fold(typed, |t, p| {
            t.replace(&format!("@{}", p.id), &format!("@{}", p.name))
        });
        self.out.action(self.now(), &name, &format!("/cx {typed}"));
        let reply = self.command_quietly(user, text).await?;
        self.out.private_reply(&reply, lines, &self.team);
        self.drain().await
    }

    /// A command whose answer is not printed (the routine of the later days).
    pub async fn command_quietly(&mut self, user: &str, text: &str) -> anyhow::Result<Value> {
        let queue = crate::demo::slack::channel_id(&self.team.queue);
        let body = serde_urlencoded::to_string([
            ("token", "legacy"),
            ("team_id", "T0DEMO"),
            ("team_domain", "demo"),
            ("channel_id", queue.as_str()),
            ("channel_name", self.team.queue.trim_start_matches('#')),
            ("user_id", user),
            ("user_name", &self.team.name(user).to_lowercase()),
            ("command", "/cx"),
            ("text", text),
            ("api_app_id", "A0DEMO"),
            (
                "response_url",
                "https://hooks.slack.com/commands/T0DEMO/1/x",
            ),
            ("trigger_id", &trigger_id()),
        ])?;
        let headers = self.slack_headers(&body);
        let (_, reply) = self
            .post(
                "/slack/commands",
                body,
                "application/x-www-form-urlencoded",
                headers,
            )
            .await?;
        Ok(reply)
    }

    /// An interactivity payload (a click or a form submitted).
    pub async fn interact(&self, payload: &Value) -> anyhow::Result<Value> {
        let body = serde_urlencoded::to_string([("payload", payload.to_string())])?;
        let headers = self.slack_headers(&body);
        let (_, reply) = self
            .post(
                "/slack/interactivity",
                body,
                "application/x-www-form-urlencoded",
                headers,
            )
            .await?;
        Ok(reply)
    }

    /// Several people acting at once: the same as [`Stage::interact`], on a shared borrow.
    pub async fn interact_detached(&self, payload: &Value) -> anyhow::Result<Value> {
        self.interact(payload).await
    }

    /// A `block_actions` payload: `user` clicked `action_id` with `value` on `on`.
    pub fn click_payload(&self, user: &str, action_id: &str, value: &str, on: &Card) -> Value {
        json!({
            "type": "block_actions",
            "user": {"id": user, "username": self.team.name(user).to_lowercase(), "team_id": "T0DEMO"},
            "api_app_id": "A0DEMO",
            "trigger_id": trigger_id(),
            "team": {"id": "T0DEMO", "domain": "demo"},
            "response_url": "https://hooks.slack.com/actions/T0DEMO/1/x",
            "container": {"type": "message", "message_ts": on.ts, "channel_id": on.channel},
            "channel": {"id": on.channel},
            "message": {"ts": on.ts, "type": "message"},
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value,
                         "action_ts": format!("{}.000100", self.now().timestamp())}]
        })
    }

    /// `user` clicks a button (named `label` in the narration) on `on`.
    pub async fn click(
        &mut self,
        user: &str,
        label: &str,
        action_id: &str,
        value: &str,
        on: &Card,
    ) -> anyhow::Result<()> {
        let name = self.team.name(user);
        self.out
            .action(self.now(), &name, &format!("clicks {label}"));
        let payload = self.click_payload(user, action_id, value, on);
        self.interact(&payload).await?;
        self.drain().await
    }

    /// A form (modal) submitted by `user`.
    pub async fn submit(
        &mut self,
        user: &str,
        callback_id: &str,
        metadata: &str,
        values: Value,
    ) -> anyhow::Result<()> {
        let payload = json!({
            "type": "view_submission",
            "user": {"id": user},
            "view": {"id": "V0DEMO", "callback_id": callback_id, "private_metadata": metadata,
                     "state": {"values": values}}
        });
        self.interact(&payload).await?;
        self.drain().await
    }
}

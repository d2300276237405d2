//! Configuration: the command line, the environment and the playbook file, read once here
//! and passed down as a validated [`Config`]. No other module reads the environment.
//!
//! Every problem found is collected (not just the first) so `cxbot check` can name each
//! wrong or missing key. Secrets are [`SecretString`]s: redacted in `Debug`, never logged.

pub mod playbook;

use crate::helpdesk::{Credentials, HelpdeskSettings};
use clap::{Args, Parser, Subcommand, ValueEnum};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use playbook::Playbook;

/// The default Slack Web API base.
pub const DEFAULT_SLACK_API_URL: &str = "https://slack.com/api/";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://cxbot.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";

#[derive(Debug, Parser)]
#[command(
    name = "cxbot",
    version,
    about = "A Slack app that keeps a CX team's procedures"
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server and the background worker until SIGTERM/SIGINT.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Validate the environment and the playbook; print every problem found.
    Check {
        /// Also ask Slack: the token works (auth.test), the scopes cxbot needs are granted,
        /// each playbook channel exists and the bot is in it.
        #[arg(long)]
        live: bool,
    },
    /// The customer directory.
    #[command(subcommand)]
    Contacts(ContactsCommand),
    /// Parked (dead) jobs: list them (newest first), or `retry` them.
    Jobs(JobsArgs),
    /// Replay a scripted CX day through the real pipeline, against a built-in Slack
    /// stand-in: no Slack workspace, helpdesk or environment variables needed (the settings
    /// below are ignored, but for --log and --log-format).
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct JobsArgs {
    #[command(subcommand)]
    pub command: Option<JobsCommand>,
    /// How many parked jobs to list at most.
    #[arg(long, default_value_t = 100)]
    pub limit: i64,
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Put parked jobs back to pending (attempts reset, due now): one by id, or --all.
    Retry {
        /// The job's id, as `cxbot jobs` lists it.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<i64>,
        /// Every parked job.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Simulated minutes per real second (a pause is at most 1.5 s, so quiet hours and
    /// nights pass quickly).
    #[arg(long, default_value_t = 60.0, conflicts_with = "instant")]
    pub speed: f64,
    /// No pauses at all: the whole script as fast as the machine goes.
    #[arg(long)]
    pub instant: bool,
    /// Keep the demo's SQLite database and print its path, for `cxbot serve` to open.
    #[arg(long)]
    pub keep: bool,
}

#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// Load a CSV of customers (columns name, email, phone, optional order_id).
    Import {
        /// The CSV file (comma-, semicolon- or tab-separated: Excel in many European
        /// locales saves CSV with semicolons).
        file: PathBuf,
        /// Show what would change (new customers, existing ones updated) and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Every setting is a flag and an environment variable.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Slack app signing secret (Basic Information > App Credentials).
    #[arg(
        long,
        env = "SLACK_SIGNING_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub slack_signing_secret: Option<String>,
    /// Slack bot token, xoxb-... (OAuth & Permissions).
    #[arg(long, env = "SLACK_BOT_TOKEN", hide_env_values = true, global = true)]
    pub slack_bot_token: Option<String>,
    /// Slack app-level token, xapp-... with connections:write: receive Slack over Socket Mode.
    #[arg(long, env = "SLACK_APP_TOKEN", hide_env_values = true, global = true)]
    pub slack_app_token: Option<String>,
    /// Slack Web API base URL.
    #[arg(long, env = "SLACK_API_URL", default_value = DEFAULT_SLACK_API_URL, global = true)]
    pub slack_api_url: String,
    /// Timeout for each Slack Web API call, in milliseconds.
    #[arg(
        long,
        env = "CXBOT_SLACK_TIMEOUT_MS",
        default_value_t = 10_000,
        global = true
    )]
    pub slack_timeout_ms: u64,
    /// Database: sqlite://path (created if missing) or postgres://...
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,
    /// Address the HTTP server listens on.
    #[arg(long, env = "CXBOT_LISTEN", default_value = DEFAULT_LISTEN, global = true)]
    pub listen: String,
    /// The playbook file (TOML). Default: ./cxbot.toml if present, else the built-in defaults.
    #[arg(long, env = "CXBOT_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Log format.
    #[arg(long, env = "CXBOT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human, global = true)]
    pub log_format: LogFormat,
    /// Log filter (tracing EnvFilter syntax).
    #[arg(long, env = "CXBOT_LOG", default_value = "info", global = true)]
    pub log: String,
    /// Shared token Freshdesk sends as the X-Cxbot-Token header (or Basic password).
    #[arg(
        long,
        env = "FRESHDESK_WEBHOOK_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub freshdesk_webhook_token: Option<String>,
    /// Zendesk webhook signing secret.
    #[arg(
        long,
        env = "ZENDESK_WEBHOOK_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub zendesk_webhook_secret: Option<String>,
    /// Secret for cxbot's generic webhook signature (X-Cxbot-Signature).
    #[arg(
        long,
        env = "CXBOT_WEBHOOK_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub cxbot_webhook_secret: Option<String>,
    /// Freshdesk for write-back: your helpdesk's domain (acme.freshdesk.com, or acme).
    #[arg(long, env = "FRESHDESK_DOMAIN", global = true)]
    pub freshdesk_domain: Option<String>,
    /// Freshdesk API key (Profile settings > Your API Key) of the agent cxbot writes as.
    #[arg(long, env = "FRESHDESK_API_KEY", hide_env_values = true, global = true)]
    pub freshdesk_api_key: Option<String>,
    /// Zendesk for write-back: your subdomain (acme for acme.zendesk.com).
    #[arg(long, env = "ZENDESK_SUBDOMAIN", global = true)]
    pub zendesk_subdomain: Option<String>,
    /// Zendesk: the email of the agent whose API token cxbot uses.
    #[arg(long, env = "ZENDESK_EMAIL", global = true)]
    pub zendesk_email: Option<String>,
    /// Zendesk API token (Admin Center > Apps and integrations > Zendesk API).
    #[arg(long, env = "ZENDESK_API_TOKEN", hide_env_values = true, global = true)]
    pub zendesk_api_token: Option<String>,
    /// Timeout for each helpdesk API call, in milliseconds.
    #[arg(
        long,
        env = "CXBOT_HELPDESK_TIMEOUT_MS",
        default_value_t = 10_000,
        global = true
    )]
    pub helpdesk_timeout_ms: u64,
    /// Intercom app client secret (Developer Hub > Basic information): verifies X-Hub-Signature.
    #[arg(
        long,
        env = "INTERCOM_CLIENT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub intercom_client_secret: Option<String>,
    /// HubSpot app client secret: verifies X-HubSpot-Signature-v3.
    #[arg(
        long,
        env = "HUBSPOT_CLIENT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub hubspot_client_secret: Option<String>,
    /// Shared token Zoho Desk sends as ?token= in the webhook URL (or the X-Cxbot-Token header).
    #[arg(
        long,
        env = "ZOHO_WEBHOOK_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub zoho_webhook_token: Option<String>,
    /// Public base URL of this cxbot (https://cxbot.example.com): HubSpot signs the URL it called.
    #[arg(long, env = "CXBOT_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Jobs the worker runs at once.
    #[arg(
        long,
        env = "CXBOT_WORKER_CONCURRENCY",
        default_value_t = 8,
        global = true
    )]
    pub worker_concurrency: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

/// One thing wrong with the configuration: the key and what is expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

impl Problem {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// A list of problems, displayed one per line.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct Problems(pub Vec<Problem>);

#[derive(Debug, Clone)]
pub struct SlackSettings {
    /// Empty when unset (allowed only in Socket Mode): every `/slack/*` request is then
    /// refused, since none can be verified.
    pub signing_secret: SecretString,
    pub bot_token: SecretString,
    /// `SLACK_APP_TOKEN`: set, cxbot also receives Slack over Socket Mode.
    pub app_token: Option<SecretString>,
    pub api_url: String,
    pub timeout: Duration,
}

#[derive(Debug, Clone, Default)]
pub struct WebhookSecrets {
    pub freshdesk_token: Option<SecretString>,
    pub zendesk_secret: Option<SecretString>,
    pub generic_secret: Option<SecretString>,
    pub intercom_secret: Option<SecretString>,
    pub hubspot_secret: Option<SecretString>,
    pub zoho_token: Option<SecretString>,
    /// `CXBOT_PUBLIC_URL` without a trailing `/`. Not a secret, but only the webhooks read it
    /// (HubSpot signs the full URL it called).
    pub public_url: Option<String>,
}

/// The validated configuration every part of the app is built from.
#[derive(Debug, Clone)]
pub struct Config {
    pub slack: SlackSettings,
    pub database_url: String,
    pub listen: SocketAddr,
    pub playbook: Playbook,
    /// Where the playbook came from, for `check` and the start-up log.
    pub playbook_source: String,
    pub webhooks: WebhookSecrets,
    /// The helpdesk APIs cxbot writes back to (none configured: it writes nothing).
    pub helpdesks: HelpdeskSettings,
    pub worker_concurrency: usize,
}

/// What a command needs from the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// `migrate`: only the database.
    Database,
    /// `serve` and `check`: everything.
    Everything,
}

fn clean(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// How a database is named to a person: a SQLite file by its absolute path (the default
/// `sqlite://cxbot.db` is relative to where cxbot runs), PostgreSQL by host and database,
/// never with a password.
pub fn database_label(url: &str) -> String {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let path = path.split('?').next().unwrap_or(path);
        let p = Path::new(path);
        let abs = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or_else(|_| p.to_path_buf())
        };
        return format!("SQLite {}", abs.display());
    }
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    format!("PostgreSQL {}", host.split('?').next().unwrap_or(host))
}

/// `acme` -> `https://acme.{vendor}`; a host name gets `https://`; a URL stays (a local fake
/// helpdesk in tests is `http://127.0.0.1:PORT`).
pub fn helpdesk_base_url(given: &str, vendor: &str) -> String {
    let given = given.trim().trim_end_matches('/');
    if given.starts_with("http://") || given.starts_with("https://") {
        given.to_string()
    } else if given.contains('.') {
        format!("https://{given}")
    } else {
        format!("https://{given}.{vendor}")
    }
}

/// A value copied as is from the README or an example (`your-signing-secret`,
/// `xoxb-your-token`, `xoxb-...`, `<token>`): it would pass every other check.
fn placeholder(value: &str) -> bool {
    let v = value.to_ascii_lowercase();
    ["your-", "your_", "...", "<", "changeme", "placeholder"]
        .iter()
        .any(|p| v.contains(p))
}

/// What is wrong with a bot token that does not start with `xoxb-`, by what it is instead
/// (never quoting it).
fn wrong_bot_token(token: &str) -> &'static str {
    if token.starts_with("xapp-") {
        "expected a Slack token starting with xoxb-: this is an app-level token (xapp-), which goes in SLACK_APP_TOKEN (Socket Mode); SLACK_BOT_TOKEN takes the Bot User OAuth Token (xoxb-...) from OAuth & Permissions"
    } else if token.starts_with("xoxp-") {
        "expected a Slack token starting with xoxb-: this is a user token (xoxp-), which acts as the person who installed the app; use the Bot User OAuth Token (xoxb-...) from OAuth & Permissions"
    } else {
        "expected a Slack token starting with xoxb-: the Bot User OAuth Token from OAuth & Permissions"
    }
}

fn secret(value: &Option<String>) -> Option<SecretString> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| SecretString::from(v.to_string()))
}

impl Settings {
    /// Validates everything and returns the config, or every problem found.
    pub fn load(&self, needs: Needs) -> Result<Config, Problems> {
        let mut problems = Vec::new();
        let required = needs == Needs::Everything;

        let app_token = secret(&self.slack_app_token);
        let mut placeholders: Vec<&str> = Vec::new();
        for (key, value, what) in [
            (
                "SLACK_SIGNING_SECRET",
                &self.slack_signing_secret,
                "the app's Signing Secret (Basic Information > App Credentials)",
            ),
            (
                "SLACK_BOT_TOKEN",
                &self.slack_bot_token,
                "the Bot User OAuth Token (xoxb-...) from OAuth & Permissions",
            ),
            (
                "SLACK_APP_TOKEN",
                &self.slack_app_token,
                "an app-level token (xapp-...) from Basic Information > App-Level Tokens",
            ),
        ] {
            if clean(value).is_some_and(placeholder) {
                placeholders.push(key);
                problems.push(Problem::new(
                    key,
                    format!("is a placeholder (copied from the README or an example), not a real value: set it to {what}"),
                ));
            }
        }
        let checked = |key: &str| !placeholders.contains(&key);
        if let Some(t) = app_token.as_ref().filter(|_| checked("SLACK_APP_TOKEN")) {
            if !t.expose_secret().starts_with("xapp-") {
                problems.push(Problem::new(
                    "SLACK_APP_TOKEN",
                    "expected an app-level token starting with xapp- (Basic Information > App-Level Tokens, with the connections:write scope); a bot token (xoxb-) goes in SLACK_BOT_TOKEN, or unset SLACK_APP_TOKEN to receive Slack over HTTP",
                ));
            }
        }
        let signing_secret = secret(&self.slack_signing_secret);
        // Socket Mode payloads arrive over a connection the app token opened: nothing to
        // verify, so the signing secret is needed only for Slack's HTTP requests.
        if signing_secret.is_none() && required && app_token.is_none() {
            problems.push(Problem::new(
                "SLACK_SIGNING_SECRET",
                "missing: set it to the app's Signing Secret (Slack app settings > Basic Information > App Credentials), or set SLACK_APP_TOKEN to receive Slack over Socket Mode",
            ));
        }
        let bot_token = secret(&self.slack_bot_token);
        match &bot_token {
            None if required => problems.push(Problem::new(
                "SLACK_BOT_TOKEN",
                "missing: set it to the Bot User OAuth Token (xoxb-...) from OAuth & Permissions",
            )),
            Some(t) if checked("SLACK_BOT_TOKEN") && !t.expose_secret().starts_with("xoxb-") => {
                problems.push(Problem::new(
                    "SLACK_BOT_TOKEN",
                    wrong_bot_token(t.expose_secret()),
                ))
            }
            _ => {}
        }
        if !(self.slack_api_url.starts_with("http://")
            || self.slack_api_url.starts_with("https://"))
        {
            problems.push(Problem::new(
                "SLACK_API_URL",
                format!("expected an http(s) URL, got {:?}", self.slack_api_url),
            ));
        }
        let mut api_url = self.slack_api_url.clone();
        if !api_url.ends_with('/') {
            api_url.push('/');
        }
        if self.slack_timeout_ms == 0 {
            problems.push(Problem::new(
                "CXBOT_SLACK_TIMEOUT_MS",
                "expected a positive number of milliseconds",
            ));
        }
        if !(self.database_url.starts_with("sqlite:")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            problems.push(Problem::new(
                "DATABASE_URL",
                format!(
                    "expected sqlite://PATH or postgres://..., got {:?}",
                    self.database_url
                ),
            ));
        }
        let listen = match self.listen.parse::<SocketAddr>() {
            Ok(addr) => Some(addr),
            Err(_) => {
                problems.push(Problem::new(
                    "CXBOT_LISTEN",
                    format!(
                        "expected HOST:PORT such as 127.0.0.1:3000, got {:?}",
                        self.listen
                    ),
                ));
                None
            }
        };
        let public_url = self
            .public_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|u| u.trim_end_matches('/').to_string());
        if let Some(url) = &public_url {
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"));
            if rest.is_none_or(|host| host.is_empty() || host.contains(['?', '#', ' '])) {
                problems.push(Problem::new(
                    "CXBOT_PUBLIC_URL",
                    format!(
                        "expected the public http(s) base URL of cxbot such as https://cxbot.example.com, got {url:?}"
                    ),
                ));
            }
        }
        if self.worker_concurrency == 0 {
            problems.push(Problem::new(
                "CXBOT_WORKER_CONCURRENCY",
                "expected at least 1",
            ));
        }

        let helpdesks = self.helpdesk_settings(&mut problems);

        let (playbook, playbook_source) = match self.read_playbook() {
            Ok((pb, source)) => (Some(pb), source),
            Err((source, mut found)) => {
                problems.append(&mut found);
                (None, source)
            }
        };

        if !problems.is_empty() {
            return Err(Problems(problems));
        }
        Ok(Config {
            slack: SlackSettings {
                signing_secret: signing_secret.unwrap_or_else(|| SecretString::from(String::new())),
                bot_token: bot_token.unwrap_or_else(|| SecretString::from(String::new())),
                app_token,
                api_url,
                timeout: Duration::from_millis(self.slack_timeout_ms),
            },
            database_url: self.database_url.clone(),
            listen: listen.expect("checked above"),
            playbook: playbook.expect("checked above"),
            playbook_source,
            webhooks: WebhookSecrets {
                freshdesk_token: secret(&self.freshdesk_webhook_token),
                zendesk_secret: secret(&self.zendesk_webhook_secret),
                generic_secret: secret(&self.cxbot_webhook_secret),
                intercom_secret: secret(&self.intercom_client_secret),
                hubspot_secret: secret(&self.hubspot_client_secret),
                zoho_token: secret(&self.zoho_webhook_token),
                public_url,
            },
            helpdesks,
            worker_concurrency: self.worker_concurrency,
        })
    }

    /// The helpdesk APIs from their variables; a half-configured one is a problem.
    fn helpdesk_settings(&self, problems: &mut Vec<Problem>) -> HelpdeskSettings {
        let freshdesk = match (
            clean(&self.freshdesk_domain),
            secret(&self.freshdesk_api_key),
        ) {
            (Some(domain), Some(key)) => Some(Credentials {
                base_url: helpdesk_base_url(domain, "freshdesk.com"),
                user: key.expose_secret().to_string(),
                secret: SecretString::from("X".to_string()),
            }),
            (None, None) => None,
            (Some(_), None) => {
                problems.push(Problem::new(
                    "FRESHDESK_API_KEY",
                    "missing: FRESHDESK_DOMAIN is set, so cxbot needs the API key of the agent it writes as (Profile settings > Your API Key)",
                ));
                None
            }
            (None, Some(_)) => {
                problems.push(Problem::new(
                    "FRESHDESK_DOMAIN",
                    "missing: FRESHDESK_API_KEY is set; say which Freshdesk (acme.freshdesk.com)",
                ));
                None
            }
        };
        let zendesk_parts = [
            ("ZENDESK_SUBDOMAIN", clean(&self.zendesk_subdomain)),
            ("ZENDESK_EMAIL", clean(&self.zendesk_email)),
            ("ZENDESK_API_TOKEN", clean(&self.zendesk_api_token)),
        ];
        let zendesk = match zendesk_parts {
            [(_, Some(sub)), (_, Some(email)), (_, Some(token))] => Some(Credentials {
                base_url: helpdesk_base_url(sub, "zendesk.com"),
                user: format!("{email}/token"),
                secret: SecretString::from(token.to_string()),
            }),
            [(_, None), (_, None), (_, None)] => None,
            parts => {
                for (name, _) in parts.iter().filter(|(_, v)| v.is_none()) {
                    problems.push(Problem::new(
                        *name,
                        "missing: Zendesk write-back needs ZENDESK_SUBDOMAIN, ZENDESK_EMAIL and ZENDESK_API_TOKEN together",
                    ));
                }
                None
            }
        };
        if self.helpdesk_timeout_ms == 0 {
            problems.push(Problem::new(
                "CXBOT_HELPDESK_TIMEOUT_MS",
                "expected a positive number of milliseconds",
            ));
        }
        HelpdeskSettings {
            freshdesk,
            zendesk,
            timeout: Duration::from_millis(self.helpdesk_timeout_ms.max(1)),
        }
    }

    /// The playbook named by CXBOT_CONFIG, else ./cxbot.toml, else the built-in defaults.
    fn read_playbook(&self) -> Result<(Playbook, String), (String, Vec<Problem>)> {
        let path: Option<PathBuf> = match &self.config {
            Some(p) => Some(p.clone()),
            None if Path::new("cxbot.toml").exists() => Some(PathBuf::from("cxbot.toml")),
            None => None,
        };
        match path {
            None => Playbook::parse(playbook::EXAMPLE_PLAYBOOK)
                .map(|pb| (pb, "built-in defaults (cxbot.example.toml)".to_string()))
                .map_err(|p| ("built-in defaults".to_string(), p)),
            Some(path) => {
                let source = path.display().to_string();
                match std::fs::read_to_string(&path) {
                    Ok(text) => Playbook::parse(&text)
                        .map(|pb| (pb, source.clone()))
                        .map_err(|p| (source, p)),
                    Err(e) => Err((
                        source.clone(),
                        vec![Problem::new(
                            "CXBOT_CONFIG",
                            format!("cannot read {source}: {e}"),
                        )],
                    )),
                }
            }
        }
    }
}

impl SlackSettings {
    /// How Slack reaches cxbot, in words for `cxbot check`.
    pub fn transport(&self) -> &'static str {
        match (&self.app_token, self.signing_secret.expose_secret().is_empty()) {
            (None, _) => "HTTP (Slack calls /slack/commands, /slack/interactivity, /slack/events; manifest.yml)",
            (Some(_), false) => "Socket Mode (SLACK_APP_TOKEN; manifest.socket.yml), and signed HTTP requests to /slack/* too",
            (Some(_), true) => "Socket Mode (SLACK_APP_TOKEN; manifest.socket.yml); HTTP /slack/* refused (no SLACK_SIGNING_SECRET)",
        }
    }
}

impl Config {
    /// What works but is probably not meant (`cxbot check` prints them and still passes).
    pub fn warnings(&self) -> Vec<Problem> {
        let mut warnings = Vec::new();
        let w = &self.webhooks;
        if [
            &w.freshdesk_token,
            &w.zendesk_secret,
            &w.generic_secret,
            &w.intercom_secret,
            &w.hubspot_secret,
            &w.zoho_token,
        ]
        .iter()
        .all(|s| s.is_none())
        {
            warnings.push(Problem::new(
                "webhooks",
                "no helpdesk webhook secret is set, so every /hooks/* request is refused and no helpdesk ticket reaches Slack: set the one for your helpdesk (FRESHDESK_WEBHOOK_TOKEN, ZENDESK_WEBHOOK_SECRET, INTERCOM_CLIENT_SECRET, HUBSPOT_CLIENT_SECRET, ZOHO_WEBHOOK_TOKEN or CXBOT_WEBHOOK_SECRET)",
            ));
        }
        if !self.playbook.team.members.iter().any(|m| m.lead) {
            warnings.push(Problem::new(
                "team.members",
                "no lead (lead = true): nobody can assign tickets, release others' claims or post directives",
            ));
        }
        warnings
    }

    /// The summary `cxbot check` prints for a good configuration. No secret appears in it.
    pub fn summary(&self) -> String {
        let db = if self.database_url.starts_with("sqlite:") {
            format!("SQLite ({})", self.database_url)
        } else {
            "PostgreSQL".to_string()
        };
        let pb = &self.playbook;
        let channels = pb
            .channels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "configuration OK\n  database: {db}\n  listen: {}\n  slack api: {}\n  slack transport: {}\n  playbook: {}\n  channels: {channels}\n  team: {} people ({} leads), time zone {}\n  cadences: {}\n  helpdesk write-back: {}\n",
            self.listen,
            self.slack.api_url,
            self.slack.transport(),
            self.playbook_source,
            pb.team.members.len(),
            pb.team.members.iter().filter(|m| m.lead).count(),
            pb.team.timezone,
            pb.cadence_names().join(", "),
            match (&self.helpdesks.freshdesk, &self.helpdesks.zendesk) {
                (None, None) => "off (no helpdesk API credentials)".to_string(),
                (f, z) => [f.as_ref().map(|c| format!("Freshdesk {}", c.base_url)), z.as_ref().map(|c| format!("Zendesk {}", c.base_url))]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", "),
            },
        )
    }
}

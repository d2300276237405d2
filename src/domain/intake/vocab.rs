//! The names an intake event is spelled in: helpdesks, sources, priorities, statuses,
//! social platforms and review stores. Each parses leniently (any case, spaces or hyphens,
//! a few provider spellings) into a closed set.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Lower-cases and turns spaces and hyphens into `_`, so "Outbound Email", "outbound-email"
/// and "OUTBOUND_EMAIL" compare equal.
pub fn normalize_name(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The system a ticket lives in. `Other` keeps any name a generic sender gives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Helpdesk {
    Freshdesk,
    Zendesk,
    Zoho,
    Hubspot,
    Intercom,
    Freshcaller,
    Appfollow,
    Other(String),
}

impl Helpdesk {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Freshdesk => "freshdesk",
            Self::Zendesk => "zendesk",
            Self::Zoho => "zoho",
            Self::Hubspot => "hubspot",
            Self::Intercom => "intercom",
            Self::Freshcaller => "freshcaller",
            Self::Appfollow => "appfollow",
            Self::Other(name) => name,
        }
    }

    /// Never fails: an unknown name becomes `Other` with its normalised spelling.
    pub fn parse(name: &str) -> Self {
        match normalize_name(name).as_str() {
            "freshdesk" => Self::Freshdesk,
            "zendesk" => Self::Zendesk,
            "zoho" | "zoho_desk" | "zohodesk" => Self::Zoho,
            "hubspot" | "hubspot_help_desk" => Self::Hubspot,
            "intercom" => Self::Intercom,
            "freshcaller" => Self::Freshcaller,
            "appfollow" | "app_follow" => Self::Appfollow,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl From<String> for Helpdesk {
    fn from(s: String) -> Self {
        Self::parse(&s)
    }
}

impl From<Helpdesk> for String {
    fn from(h: Helpdesk) -> Self {
        h.as_str().to_owned()
    }
}

impl fmt::Display for Helpdesk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Ordered by urgency: `Urgent > High > Medium > Low`, so `max()` is the most urgent and
/// `priority >= Priority::High` reads as "High or Urgent".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Urgent,
    High,
    Medium,
    Low,
}

impl Priority {
    fn rank(self) -> u8 {
        match self {
            Self::Low => 0,
            Self::Medium => 1,
            Self::High => 2,
            Self::Urgent => 3,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Urgent => "urgent",
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }

    /// The four names in any case, plus `normal` (Zendesk's name for Medium).
    pub fn parse(name: &str) -> Option<Self> {
        match normalize_name(name).as_str() {
            "urgent" => Some(Self::Urgent),
            "high" => Some(Self::High),
            "medium" | "normal" => Some(Self::Medium),
            "low" => Some(Self::Low),
            _ => None,
        }
    }
}

impl Ord for Priority {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl PartialOrd for Priority {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The four states every helpdesk can express. Provider-specific states fold in here:
/// Zendesk `new` is Open and `hold` is Pending; Freshdesk `Resolved` is Solved. Freshdesk
/// *custom* statuses ("Waiting on Customer", codes 6 and up) are treated as Pending by the
/// Freshdesk parser: Freshdesk's fixed Open/Resolved/Closed cannot be customised, so a custom
/// status is always some kind of "waiting on someone", which is what Pending means here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Open,
    Pending,
    Solved,
    Closed,
}

impl TicketStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Pending => "pending",
            Self::Solved => "solved",
            Self::Closed => "closed",
        }
    }

    /// Known names only (any case); custom statuses are the provider parser's business.
    pub fn parse(name: &str) -> Option<Self> {
        match normalize_name(name).as_str() {
            "open" | "new" => Some(Self::Open),
            "pending" | "hold" | "on_hold" | "waiting" => Some(Self::Pending),
            "solved" | "resolved" => Some(Self::Solved),
            "closed" | "deleted" | "archived" | "scrubbed" => Some(Self::Closed),
            _ => None,
        }
    }

    pub fn is_done(self) -> bool {
        matches!(self, Self::Solved | Self::Closed)
    }
}

/// The channel a ticket came in by. Facebook, Twitter and Instagram all map to `Social`
/// (the platform, when known, is in [`IntakeEvent::social`](super::IntakeEvent::social)).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Source {
    Email,
    Phone,
    Chat,
    Portal,
    Web,
    Social,
    AppStore,
    Other(String),
}

impl Source {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Chat => "chat",
            Self::Portal => "portal",
            Self::Web => "web",
            Self::Social => "social",
            Self::AppStore => "app_store",
            Self::Other(name) => name,
        }
    }

    /// Never fails: an unknown name becomes `Other` with its normalised spelling.
    pub fn parse(name: &str) -> Self {
        match normalize_name(name).as_str() {
            "email" | "e_mail" | "mail" | "outbound_email" => Self::Email,
            "phone" | "voice" | "call" | "voicemail" => Self::Phone,
            "chat" | "livechat" | "live_chat" | "messaging" | "native_messaging" => Self::Chat,
            "portal" => Self::Portal,
            "web" | "web_form" | "feedback_widget" | "widget" => Self::Web,
            "social" | "facebook" | "twitter" | "instagram" | "x" => Self::Social,
            "app_store" | "appstore" | "google_play" => Self::AppStore,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl From<String> for Source {
    fn from(s: String) -> Self {
        Self::parse(&s)
    }
}

impl From<Source> for String {
    fn from(s: Source) -> Self {
        s.as_str().to_owned()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SocialPlatform {
    Facebook,
    Instagram,
    Twitter,
}

impl SocialPlatform {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Facebook => "facebook",
            Self::Instagram => "instagram",
            Self::Twitter => "twitter",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match normalize_name(name).as_str() {
            "facebook" | "fb" | "messenger" => Some(Self::Facebook),
            "instagram" | "ig" => Some(Self::Instagram),
            "twitter" | "x" => Some(Self::Twitter),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SocialKind {
    Dm,
    Comment,
    Mention,
}

impl SocialKind {
    pub fn parse(name: &str) -> Option<Self> {
        match normalize_name(name).as_str() {
            "dm" | "direct_message" | "message" => Some(Self::Dm),
            "comment" => Some(Self::Comment),
            "mention" => Some(Self::Mention),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStore {
    GooglePlay,
    AppStore,
}

impl ReviewStore {
    pub fn parse(name: &str) -> Option<Self> {
        match normalize_name(name).as_str() {
            "google_play" | "googleplay" | "play_store" | "android" => Some(Self::GooglePlay),
            "app_store" | "appstore" | "ios" | "apple" => Some(Self::AppStore),
            _ => None,
        }
    }
}

//! Action ids: every button and modal cxbot renders, as an enum, so a renamed id is a
//! compile error and not a dead button. Ids are part of messages already posted in
//! Slack: never rename one. Card buttons carry the ticket id as their value; lease
//! buttons carry `ticket_id:claim_seq`, so a button from an earlier claim does nothing.

/// The `action_id` of every interactive element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionId {
    /// The App Home's "Help" button.
    HomeHelp,
    /// A card's (or the home tab's) Claim.
    Claim,
    /// A claimed card's Release.
    Release,
    /// A card's Escalate: opens the escalation modal.
    Escalate,
    /// The lease DM's Keep.
    LeaseKeep,
    /// The lease DM's Release.
    LeaseRelease,
    /// A follow-up reminder's Done.
    FollowupDone,
    /// A follow-up reminder's Customer replied.
    FollowupReplied,
    /// A follow-up reminder's Snooze 1h.
    FollowupSnooze,
    /// A missed call card's Called back: opens the call-notes modal.
    CalledBack,
    /// An unknown caller's Record caller: opens a form to say who it was.
    RecordCaller,
    /// A check-in prompt's Checked in; value `day|name`.
    CheckedIn,
    /// A directive's Acknowledge; value: the directive id.
    DirectiveAck,
    /// `/cx off`'s "Hand to..." select on one of the person's claims; option value
    /// `ticket_id:user_id`.
    HandTo,
}

/// The escalation modal's callback id and its inputs.
pub const ESCALATE_MODAL: &str = "cx_escalate_modal";
pub const ESCALATE_TARGET_BLOCK: &str = "target";
pub const ESCALATE_TARGET_ACTION: &str = "target_select";
pub const ESCALATE_REASON_BLOCK: &str = "reason";
pub const ESCALATE_REASON_ACTION: &str = "reason_input";
/// The call-notes modal of Called back.
pub const CALLED_BACK_MODAL: &str = "cx_called_back_modal";
pub const CALL_NOTES_BLOCK: &str = "notes";
pub const CALL_NOTES_ACTION: &str = "notes_input";
/// The Record caller form and its inputs (block id = action id).
pub const RECORD_CALLER_MODAL: &str = "cx_record_caller_modal";
pub const CALLER_NAME: &str = "caller_name";
pub const CALLER_EMAIL: &str = "caller_email";
pub const CALLER_ORDER: &str = "caller_order";

impl ActionId {
    pub const ALL: &'static [ActionId] = &[
        ActionId::HomeHelp,
        ActionId::Claim,
        ActionId::Release,
        ActionId::Escalate,
        ActionId::LeaseKeep,
        ActionId::LeaseRelease,
        ActionId::FollowupDone,
        ActionId::FollowupReplied,
        ActionId::FollowupSnooze,
        ActionId::CalledBack,
        ActionId::RecordCaller,
        ActionId::CheckedIn,
        ActionId::HandTo,
        ActionId::DirectiveAck,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionId::HomeHelp => "cx_home_help",
            ActionId::Claim => "cx_claim",
            ActionId::Release => "cx_release",
            ActionId::Escalate => "cx_escalate",
            ActionId::LeaseKeep => "cx_lease_keep",
            ActionId::LeaseRelease => "cx_lease_release",
            ActionId::FollowupDone => "cx_fu_done",
            ActionId::FollowupReplied => "cx_fu_replied",
            ActionId::FollowupSnooze => "cx_fu_snooze",
            ActionId::CalledBack => "cx_called_back",
            ActionId::RecordCaller => "cx_record_caller",
            ActionId::CheckedIn => "cx_checked_in",
            ActionId::HandTo => "cx_hand_to",
            ActionId::DirectiveAck => "cx_directive_ack",
        }
    }

    pub fn parse(s: &str) -> Option<ActionId> {
        Self::ALL.iter().copied().find(|a| a.as_str() == s)
    }
}

/// A check-in button's value: the local day and the prompt's name.
pub fn checkin_value(day: &str, name: &str) -> String {
    format!("{day}|{name}")
}

pub fn parse_checkin_value(v: &str) -> Option<(&str, &str)> {
    v.split_once('|')
}

/// A "Hand to..." option's value.
pub fn hand_to_value(ticket_id: i64, user: &str) -> String {
    format!("{ticket_id}:{user}")
}

pub fn parse_hand_to_value(v: &str) -> Option<(i64, &str)> {
    let (id, user) = v.split_once(':')?;
    (!user.is_empty()).then_some((id.parse().ok()?, user))
}

/// A lease button's value.
pub fn lease_value(ticket_id: i64, seq: i64) -> String {
    format!("{ticket_id}:{seq}")
}

pub fn parse_lease_value(v: &str) -> Option<(i64, i64)> {
    let (a, b) = v.split_once(':')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_fit_slack_limits() {
        for a in ActionId::ALL {
            assert_eq!(ActionId::parse(a.as_str()), Some(*a));
            assert!(a.as_str().len() <= 255);
        }
        assert_eq!(ActionId::parse("nope"), None);
        assert_eq!(parse_lease_value(&lease_value(42, 3)), Some((42, 3)));
        assert_eq!(parse_lease_value("42"), None);
        assert_eq!(
            parse_hand_to_value(&hand_to_value(7, "U1")),
            Some((7, "U1"))
        );
        assert_eq!(parse_hand_to_value("7:"), None);
        assert_eq!(
            parse_checkin_value(&checkin_value("2026-12-07", "end of day")),
            Some(("2026-12-07", "end of day"))
        );
    }
}

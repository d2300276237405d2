//! The words of every [`Notice`]: what a job sends when it runs. Card thread lines are
//! text only; DMs with buttons (the lease check-in, follow-up reminders) have blocks.

use super::card::{
    another_missed_call, customer_replied, esc, headline, leads_notice, pickup_line,
    priority_changed, status_changed, ticket_link, wrote_again,
};
use super::claim::{lease_dm, ticket_ref};
use super::followup::{reminder, step_value};
use super::section;
use crate::domain::claim::Source;
use crate::domain::escalation::{mention_markup, title_of};
use crate::domain::notice::{CardLine, Notice, Whose};
use crate::slack::actions::{checkin_value, ActionId};
use slack_morphism::prelude::*;

/// A notice as Slack takes it: the fallback text, and blocks where it has any.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub text: String,
    pub blocks: Option<Vec<SlackBlock>>,
}

impl Rendered {
    fn text(text: String) -> Self {
        Self { text, blocks: None }
    }
}

pub fn render(notice: &Notice) -> Rendered {
    match notice {
        Notice::CardLines { lines } => Rendered::text(
            lines
                .iter()
                .map(card_line)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Notice::Escalated {
            ticket,
            title,
            mention,
            by,
            reason,
        } => {
            let mention = mention
                .as_deref()
                .map(|m| format!("{} ", mention_markup(m)))
                .unwrap_or_default();
            Rendered::text(format!(
                "{mention}:arrow_double_up: *Escalated to {title}* by <@{by}>: {}  ·  {}\n*Reason:* {}",
                esc(&headline(ticket)),
                ticket_link(ticket),
                reason.as_deref().map(esc).unwrap_or_else(|| "none given".into())
            ))
        }
        Notice::ForLeads { ticket } => Rendered::text(leads_notice(ticket)),
        Notice::Pickup { ticket } => Rendered::text(pickup_line(ticket)),
        Notice::LeaseAsk {
            ticket,
            seq,
            idle_minutes,
            grace_minutes,
        } => {
            let r = lease_dm(ticket, *seq, *idle_minutes, *grace_minutes);
            Rendered {
                text: r.text,
                blocks: Some(r.blocks),
            }
        }
        Notice::LeaseKept {
            ticket,
            lease_minutes,
        } => Rendered::text(format!(
            ":white_check_mark: You kept {}. cxbot will check again after {lease_minutes} min without activity.",
            ticket_ref(ticket)
        )),
        Notice::SlaWarning { ticket, due_at } => Rendered::text(format!(
            ":hourglass_flowing_sand: {} needs a reply {}: {}  ·  {}",
            ticket_ref(ticket),
            when(*due_at),
            esc(&headline(ticket)),
            ticket_link(ticket)
        )),
        Notice::SlaBreached {
            ticket,
            due_at,
            owner,
            mention,
        } => {
            let mention = mention
                .as_deref()
                .map(|m| format!("{} ", mention_markup(m)))
                .unwrap_or_default();
            let whose = owner
                .as_deref()
                .map(|u| format!("<@{u}>'s"))
                .unwrap_or_else(|| "unclaimed".into());
            Rendered::text(format!(
                "{mention}:rotating_light: *SLA breached* on {} ({whose}): the reply was due {}. {}  ·  {}",
                ticket_ref(ticket),
                when(*due_at),
                esc(&headline(ticket)),
                ticket_link(ticket)
            ))
        }
        Notice::ReplyWhileAway {
            ticket,
            owner,
            next_shift,
        } => Rendered::text(format!(
            ":speech_balloon: The customer replied on {} ({}), <@{owner}>'s ticket, and <@{owner}> is off shift{}: whoever is on, please take a look. {}",
            ticket_ref(ticket),
            esc(&headline(ticket)),
            next_shift
                .map(|at| format!(" until {}", when(at)))
                .unwrap_or_default(),
            ticket_link(ticket)
        )),
        Notice::ReplyForOwner { ticket } => Rendered::text(format!(
            ":speech_balloon: The customer replied on your ticket {} ({}): {}",
            ticket_ref(ticket),
            esc(&headline(ticket)),
            ticket_link(ticket)
        )),
        Notice::CheckinPrompt {
            name,
            day,
            unclaimed,
            near_breach,
            my_followups_due,
            directives,
        } => {
            let mut text = format!(
                ":wave: Time for your {name} check-in. The queue now: {} unclaimed, {near_breach} near an SLA breach, {my_followups_due} of your follow-ups due today.",
                super::unclaimed_label(*unclaimed)
            );
            if *directives > 0 {
                text.push_str(&format!(
                    " :mega: {directives} directive{} to acknowledge (your App Home lists them).",
                    if *directives == 1 { "" } else { "s" }
                ));
            }
            let button = SlackBlockButtonElement::new(pt!("Checked in"))
                .with_action_id(ActionId::CheckedIn.as_str().into())
                .with_value(checkin_value(day, name))
                .with_style(SlackBlockButtonStyle::Primary);
            Rendered {
                blocks: Some(vec![
                    section(&text),
                    SlackActionsBlock::new(vec![button.into()]).into(),
                ]),
                text,
            }
        }
        Notice::CheckinsMissed { name, day, users } => Rendered::text(format!(
            ":clipboard: Missed the {name} check-in ({day}): {}",
            mentions(users.iter())
        )),
        Notice::LateStarts { users } => Rendered::text(format!(
            ":alarm_clock: In their shift window without `/cx on`: {}",
            users
                .iter()
                .map(|(u, start)| format!("<@{u}> (from {})", when(*start)))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Notice::StillOn { since } => Rendered::text(format!(
            ":wave: Still on? Your shift window has ended (you said `/cx on` {}). Say `/cx off` when you leave, so your tickets go to whoever is on.",
            when(*since)
        )),
        Notice::Directive { .. } => super::directive::message(notice),
        Notice::DailySummary { summary, page } => super::summary::page(summary, *page),
        Notice::Digest { digest } => super::digest::render(digest),
        Notice::Weekly { this, before } => super::summary::weekly(this, before),
        Notice::Unclaimed { ticket, waited_ms } => {
            let text = format!(
                ":alarm_clock: *Nobody has claimed* {} ({}) for {}: {}  ·  {}  ·  card in <#{}>",
                ticket_ref(ticket),
                ticket.kind.replace('_', " "),
                super::card::span(*waited_ms),
                esc(&headline(ticket)),
                ticket_link(ticket),
                ticket.channel
            );
            let mut blocks = vec![section(&text)];
            blocks.extend(super::claim::card_actions(ticket, false));
            Rendered {
                text,
                blocks: Some(blocks),
            }
        }
        Notice::DirectiveReminder { id, author, text } => Rendered::text(format!(
            ":mega: Reminder: <@{author}>'s directive {id} is waiting for your acknowledgement in the team channel:\n>{}",
            esc(text).replace('\n', "\n>")
        )),
        Notice::FollowUpDue {
            ticket,
            instructions,
            rev,
            step,
            overdue,
            whose,
        } => {
            let whose = match whose {
                None => String::new(),
                Some(Whose::OffShift { owner }) => {
                    format!("<@{owner}> is off shift: whoever is on, please take this one.")
                }
                Some(Whose::Unclaimed) => {
                    "Nobody has claimed this ticket: whoever is on, please take it.".to_string()
                }
            };
            let value = step_value(ticket.id, *rev, *step);
            let r = reminder(ticket, instructions, &value, &whose, *overdue);
            Rendered {
                text: r.text,
                blocks: Some(r.blocks),
            }
        }
    }
}

fn mentions<'a>(users: impl Iterator<Item = &'a String>) -> String {
    users
        .map(|u| format!("<@{u}>"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An instant as each reader's Slack shows it ("at 14:05 on Dec 6").
pub fn when(at_ms: i64) -> String {
    let s = at_ms / 1000;
    format!("<!date^{s}^at {{time}} on {{date_short}}|at {s}>")
}

/// How an ownership change was made, as the thread says it.
fn how(source: Source) -> &'static str {
    match source {
        Source::Button | Source::Home => "button",
        Source::Command => "/cx",
        Source::Modal => "modal",
        Source::LeaseExpiry => "lease expiry",
        Source::Sla => "SLA",
        Source::Helpdesk => "helpdesk",
        Source::Auto => "auto-assignment",
        Source::Clock => "the clock",
        Source::Reaction => "reaction",
    }
}

pub fn card_line(line: &CardLine) -> String {
    match line {
        CardLine::Claimed { by, via } => {
            format!(":raising_hand: Claimed by <@{by}> ({})", how(*via))
        }
        CardLine::Released { owner, by } => {
            let by = by
                .as_deref()
                .map(|u| format!(" by <@{u}>"))
                .unwrap_or_default();
            format!(
                ":leftwards_arrow_with_hook: <@{owner}>'s claim released{by}; back in the queue"
            )
        }
        CardLine::Assigned { to, by } => {
            format!(":busts_in_silhouette: Assigned to <@{to}> by <@{by}>")
        }
        CardLine::AutoAssigned { to } => format!(
            ":busts_in_silhouette: Assigned to <@{to}> (auto): Release hands it back to the queue"
        ),
        CardLine::Escalated { to, by, reason } => format!(
            ":arrow_double_up: Escalated to {} by <@{by}>{}",
            title_of(to),
            reason
                .as_deref()
                .map(|r| format!(": {}", esc(r)))
                .unwrap_or_default()
        ),
        CardLine::LeaseExpired { owner } => format!(
            ":alarm_clock: Claim expired: <@{owner}> did not answer the check-in; back in the queue"
        ),
        CardLine::CalledBack { by, notes } => format!(
            ":telephone_receiver: <@{by}> called the customer back. Call notes:\n>{}",
            esc(notes).replace('\n', "\n>")
        ),
        CardLine::MarkedDone { by, helpdesk } => {
            format!(":white_check_mark: <@{by}> marked it done; resolving it in {helpdesk}")
        }
        CardLine::CallerRecorded { by, name } => {
            format!(
                ":bust_in_silhouette: <@{by}> recorded the caller: {}",
                esc(name)
            )
        }
        CardLine::StatusChanged { from, to } => status_changed(from, to),
        CardLine::PriorityChanged { from, to } => priority_changed(from, to),
        CardLine::CustomerReplied { message } => customer_replied(message.as_deref()),
        CardLine::WroteAgain { later } => wrote_again(later),
        CardLine::AnotherMissedCall {
            phone,
            at_ms,
            calls,
        } => another_missed_call(phone.as_deref(), *at_ms, *calls),
        CardLine::FollowUpStarted {
            by,
            cadence,
            day_one,
        } => format!(":repeat: Follow-up started by <@{by}>: {cadence} cadence, day 1 = {day_one}"),
        CardLine::FollowUpDone {
            by,
            day,
            note,
            extra,
        } => format!(
            ":white_check_mark: Day {day} follow-up done by <@{by}>.{}{}",
            note.as_deref()
                .map(|n| format!(" Internal note: {n}"))
                .unwrap_or_default(),
            extra
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        ),
        CardLine::FollowUpStopped {
            by,
            customer_replied: true,
        } => format!(":speech_balloon: The customer replied: follow-up stopped by <@{by}>"),
        CardLine::FollowUpStopped { by, .. } => {
            format!(":no_entry_sign: Follow-up stopped by <@{by}>")
        }
        CardLine::FollowUpSnoozed { by } => {
            format!(":zzz: Follow-up reminder snoozed 1 h by <@{by}>")
        }
        CardLine::FollowUpClosed { status } => {
            format!(":lock: Ticket {status}: follow-up stopped")
        }
        CardLine::FollowUpRestarted { why } => {
            format!(":repeat: Follow-up restarted from day 1: {why}")
        }
        CardLine::FollowUpAnswered { why } => format!(":speech_balloon: Follow-up stopped: {why}"),
        CardLine::FollowUpDue { instructions } => format!(":date: {instructions}"),
        CardLine::SlaWarning { due_at } => {
            format!(
                ":hourglass_flowing_sand: SLA: a reply is due {}",
                when(*due_at)
            )
        }
        CardLine::SlaBreached { due_at } => format!(
            ":rotating_light: SLA breached: the reply was due {}",
            when(*due_at)
        ),
        CardLine::HelpdeskAssigned {
            helpdesk,
            to,
            from,
            agent,
        } => {
            let was = from
                .as_deref()
                .map(|u| format!(" (was <@{u}>)"))
                .unwrap_or_default();
            match (to, agent) {
                (Some(to), _) => {
                    format!(":arrows_counterclockwise: Claimed by <@{to}>{was}, from {helpdesk}")
                }
                (None, Some(agent)) => format!(
                    ":grey_question: Assigned in {helpdesk} to agent {agent}, who matches nobody in Slack; \
                     the claim is unchanged (set `{}` for them in the playbook, or the same email in Slack)",
                    if helpdesk == "Zendesk" { "zendesk_user_id" } else { "freshdesk_agent_id" }
                ),
                (None, None) => format!(
                    ":leftwards_arrow_with_hook: Unassigned in {helpdesk}: claim released{was}; back in the queue"
                ),
            }
        }
        CardLine::HelpdeskRefused {
            helpdesk,
            what,
            reason,
        } => format!(
            ":warning: {helpdesk} refused to {what}: {reason}. cxbot will not retry; fix it in {helpdesk} by hand"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::tests::ticket;

    #[test]
    fn thread_lines_say_who_did_what_and_escape_the_customers_words() {
        let lines = vec![
            CardLine::Claimed {
                by: "U1".into(),
                via: Source::Command,
            },
            CardLine::Released {
                owner: "U1".into(),
                by: Some("ULEAD".into()),
            },
            CardLine::CalledBack {
                by: "U2".into(),
                notes: "Left a voicemail <!channel>\nwill retry".into(),
            },
        ];
        let r = render(&Notice::CardLines { lines });
        assert_eq!(r.blocks, None);
        assert_eq!(
            r.text,
            ":raising_hand: Claimed by <@U1> (/cx)\n\
             :leftwards_arrow_with_hook: <@U1>'s claim released by <@ULEAD>; back in the queue\n\
             :telephone_receiver: <@U2> called the customer back. Call notes:\n\
             >Left a voicemail &lt;!channel&gt;\n>will retry"
        );
    }

    #[test]
    fn a_reminder_for_the_queue_says_whose_it_is_and_carries_its_step() {
        let r = render(&Notice::FollowUpDue {
            ticket: ticket().for_notice(),
            instructions: "Call the customer.".into(),
            rev: 3,
            step: 1,
            overdue: true,
            whose: Some(Whose::OffShift { owner: "U1".into() }),
        });
        let blocks = serde_json::to_string(&r.blocks.expect("a reminder has buttons")).unwrap();
        assert!(
            r.text
                .starts_with(":warning: *Overdue* Follow-up due on #4521"),
            "{}",
            r.text
        );
        assert!(blocks.contains("<@U1> is off shift"), "{blocks}");
        assert!(blocks.contains(r#""value":"1:3:1""#), "{blocks}");
    }

    #[test]
    fn an_unclaimed_card_is_named_with_its_kind_wait_and_buttons_and_auto_says_so() {
        let mut t = ticket();
        t.kind = "missed_call".into();
        t.channel = "C0QUEUE01".into();
        let r = render(&Notice::Unclaimed {
            ticket: t.for_notice(),
            waited_ms: 16 * 60_000,
        });
        assert!(
            r.text
                .starts_with(":alarm_clock: *Nobody has claimed* #4521 (missed call) for 16 min:"),
            "{}",
            r.text
        );
        assert!(r.text.ends_with("card in <#C0QUEUE01>"), "{}", r.text);
        let blocks = serde_json::to_string(&r.blocks.expect("buttons")).unwrap();
        assert!(
            blocks.contains("cx_claim") && blocks.contains("cx_escalate"),
            "{blocks}"
        );
        let line = card_line(&CardLine::AutoAssigned { to: "U1".into() });
        assert!(
            line.starts_with(":busts_in_silhouette: Assigned to <@U1> (auto)"),
            "{line}"
        );
        assert_eq!(how(Source::Auto), "auto-assignment");
    }
}

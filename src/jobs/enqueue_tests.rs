use super::*;
use crate::domain::claim::Source;

/// Stored payloads outlive a release: the JSON a queued notice was written as must
/// still decode (a renamed field or variant fails here, not in a customer's queue).
#[test]
fn a_queued_notice_reads_back_from_its_stored_form() {
    let stored = r#"{"to":{"to":"thread","channel":"C0QUEUE","ticket_id":4},"notice":{"notice":"card_lines","lines":[{"line":"claimed","by":"U1","via":"command"},{"line":"status_changed","from":"open","to":"pending"}]}}"#;
    let job: SendNotice = serde_json::from_str(stored).unwrap();
    assert_eq!(
        job,
        SendNotice {
            to: To::Thread {
                channel: "C0QUEUE".into(),
                ticket_id: 4
            },
            notice: Notice::CardLines {
                lines: vec![
                    CardLine::Claimed {
                        by: "U1".into(),
                        via: Source::Command
                    },
                    CardLine::StatusChanged {
                        from: "open".into(),
                        to: "pending".into()
                    },
                ]
            },
        }
    );
    assert_eq!(serde_json::to_string(&job).unwrap(), stored);
}

#[test]
fn notices_are_paced_by_the_channel_or_person_they_go_to() {
    let ticket = Ticket {
        id: 7,
        channel: "C0SOCIAL".into(),
        ..crate::domain::ticket::tests::ticket()
    };
    let line = card_line(&ticket, CardLine::FollowUpSnoozed { by: "U1".into() }, 5);
    assert_eq!(
        (line.name, line.pace_key.as_deref(), line.run_at),
        ("send_notice", Some("C0SOCIAL"), 5)
    );
    let dm = notice(
        To::Dm {
            user: "U9".into(),
            key: Some("lease:7:1:5".into()),
        },
        Notice::ForLeads {
            ticket: ticket.for_notice(),
        },
        5,
    );
    assert_eq!(dm.pace_key.as_deref(), Some("dm:U9"));
    let update = notice(
        To::Update { key: "k".into() },
        Notice::ForLeads {
            ticket: ticket.for_notice(),
        },
        5,
    );
    assert_eq!(update.pace_key, None);
}

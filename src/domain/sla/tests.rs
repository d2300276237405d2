use super::*;
use chrono::{TimeZone, Utc};
use proptest::prelude::*;

const H: i64 = 3_600_000;
const M: i64 = 60_000;

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .timestamp_millis()
}

/// Mon-Fri 09:00-17:00 New York, with 2026-12-25 off.
fn office() -> Hours {
    Hours::parse(
        &CalendarConfig {
            timezone: Some("America/New_York".into()),
            hours: vec!["Mon-Fri 09:00-17:00".into()],
            holidays: vec!["2026-12-25".into()],
        },
        chrono_tz::UTC,
    )
    .unwrap()
}

#[test]
fn durations_parse_and_bad_ones_are_refused() {
    assert_eq!(parse_duration("2h"), Some(2 * H));
    assert_eq!(parse_duration("1h30m"), Some(90 * M));
    assert_eq!(parse_duration("2d"), Some(48 * H));
    for bad in ["", "2", "h", "2x", "0h", "-1h"] {
        assert_eq!(parse_duration(bad), None, "{bad}");
    }
}

#[test]
fn the_first_matching_policy_wins() {
    let cfg = SlaConfig::default();
    let name = |k, p, d| cfg.policy_for(k, p, d).map(|p| p.name.as_str());
    assert_eq!(name("social", "low", None), Some("social"));
    assert_eq!(
        name("email", "medium", Some("Paid Support")),
        Some("paid-medium")
    );
    assert_eq!(
        name("email", "medium", Some("paid support")),
        Some("paid-medium")
    );
    assert_eq!(name("email", "high", Some("Community")), Some("urgent"));
    assert_eq!(name("email", "medium", None), Some("medium"));
    assert_eq!(name("marketing", "medium", None), None);
    assert!(cfg.problems().is_empty(), "{:?}", cfg.problems());
}

#[test]
fn a_business_clock_skips_the_weekend_and_a_holiday() {
    let h = office();
    // Thursday 2026-12-24 16:00 New York (21:00 UTC), 2 h of business time: 1 h that day,
    // Friday the 25th is a holiday, the weekend is closed: Monday 28th 10:00 (15:00 UTC).
    let from = at(2026, 12, 24, 21, 0);
    assert_eq!(h.add(from, 2 * H), at(2026, 12, 28, 15, 0));
    assert_eq!(h.elapsed(from, at(2026, 12, 28, 15, 0)), 2 * H);
    // Opened on Saturday: the clock starts Monday 09:00.
    assert_eq!(
        h.add(at(2026, 12, 26, 15, 0), 30 * M),
        at(2026, 12, 28, 14, 30)
    );
}

#[test]
fn a_business_day_follows_daylight_saving_time() {
    let h = office();
    // 2026-03-09 (Monday after the spring change): 09:00 New York is 13:00 UTC, not 14:00.
    assert_eq!(h.add(at(2026, 3, 9, 12, 0), M), at(2026, 3, 9, 13, 1));
    // The week before, 09:00 was 14:00 UTC.
    assert_eq!(h.add(at(2026, 3, 2, 12, 0), M), at(2026, 3, 2, 14, 1));
}

#[test]
fn bad_calendars_are_named() {
    let bad = |hours: &str| {
        Hours::parse(
            &CalendarConfig {
                timezone: None,
                hours: vec![hours.into()],
                holidays: vec![],
            },
            chrono_tz::UTC,
        )
        .unwrap_err()
    };
    assert!(bad("Mon-Fri").contains("Mon-Fri 09:00-18:00"));
    assert!(bad("Mon-Fri 18:00-09:00").contains("end after"));
    assert!(bad("Funday 09:00-10:00").contains("expected"));
}

#[test]
fn a_social_clock_warns_at_three_quarters_and_breaches_at_two_hours() {
    let t0 = at(2026, 12, 6, 10, 0);
    let mut s = SlaState::start(
        "social",
        ClockKind::First,
        2 * H,
        t0,
        t0,
        &Hours::Always,
        0.75,
    );
    assert_eq!(
        (s.warn_at, s.due_at, s.next_at),
        (Some(t0 + 90 * M), Some(t0 + 2 * H), Some(t0 + 90 * M))
    );
    assert_eq!(s.step(t0 + 89 * M), None);
    assert_eq!(s.step(t0 + 90 * M), Some(SlaStep::Warn));
    assert_eq!(s.next_at, Some(t0 + 2 * H));
    assert_eq!(s.step(t0 + 100 * M), None);
    assert_eq!(s.step(t0 + 2 * H), Some(SlaStep::Breach));
    assert_eq!((s.next_at, s.step(t0 + 3 * H)), (None, None));
}

#[test]
fn a_met_clock_never_breaches() {
    let t0 = 0;
    let mut s = SlaState::start(
        "social",
        ClockKind::First,
        2 * H,
        t0,
        t0,
        &Hours::Always,
        0.75,
    );
    s.meet(110 * M, &Hours::Always);
    assert_eq!(
        (s.met_at, s.used_ms, s.next_at),
        (Some(110 * M), 110 * M, None)
    );
    assert_eq!(s.step(10 * H), None);
}

#[test]
fn a_pause_keeps_the_time_used_and_is_not_counted() {
    let mut s = SlaState::start("p", ClockKind::First, 2 * H, 0, 0, &Hours::Always, 0.75);
    s.pause(H, &Hours::Always);
    assert_eq!((s.used_ms, s.due_at, s.next_at), (H, None, None));
    assert_eq!(s.step(5 * H), None, "a paused clock has nothing due");
    s.resume(5 * H, &Hours::Always, 0.75);
    assert_eq!(s.due_at, Some(6 * H), "one hour left after the pause");
    assert_eq!(s.warn_at, Some(5 * H + 30 * M));
}

#[test]
fn a_clock_started_after_its_due_time_is_breached_silently() {
    let s = SlaState::start(
        "social",
        ClockKind::First,
        2 * H,
        0,
        3 * H,
        &Hours::Always,
        0.75,
    );
    assert_eq!((s.breached_at, s.next_at), (Some(2 * H), None));
}

#[test]
fn a_new_policy_keeps_the_time_used() {
    let mut s = SlaState::start(
        "medium",
        ClockKind::First,
        24 * H,
        0,
        0,
        &Hours::Always,
        0.75,
    );
    s.rebudget("urgent", 8 * H, &Hours::Always, 0.75);
    assert_eq!(
        (s.policy.as_deref(), s.due_at),
        (Some("urgent"), Some(8 * H))
    );
}

proptest! {
    #[test]
    fn counted_time_round_trips(from_min in 0i64..600_000, ms in 0i64..(400 * H)) {
        let h = office();
        let from = at(2026, 1, 1, 0, 0) + from_min * M;
        let due = h.add(from, ms);
        prop_assert!(due >= from);
        prop_assert_eq!(h.elapsed(from, due), ms);
    }

    #[test]
    fn the_due_time_never_moves_earlier_as_time_passes(
        from_min in 0i64..600_000,
        pauses in proptest::collection::vec((1i64..5_000, 1i64..5_000), 0..4),
    ) {
        let h = office();
        let t0 = at(2026, 1, 1, 0, 0) + from_min * M;
        let mut s = SlaState::start("p", ClockKind::First, 8 * H, t0, t0, &h, 0.75);
        let mut now = t0;
        let mut last_due = s.due_at.unwrap();
        for (run, pause) in pauses {
            now += run * M;
            let used_before = s.used_by(now, &h);
            s.pause(now, &h);
            prop_assert_eq!(s.used_ms, used_before);
            now += pause * M;
            prop_assert_eq!(s.used_by(now, &h), used_before, "pause time is never counted");
            s.resume(now, &h, 0.75);
            let due = s.due_at.unwrap();
            prop_assert!(due >= last_due, "due {} moved before {}", due, last_due);
            last_due = due;
        }
    }
}

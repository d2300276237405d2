//! Shifts and check-ins (seed 004), pure: a person's working windows, whether they are on,
//! and when their three daily check-in prompts are due.
//!
//! Someone is on shift while they have said `/cx on` (until `/cx off`); without that, a
//! scheduled person counts as on inside their window. Someone with no schedule (flexible
//! hours) is on only by `/cx on`; with neither, cxbot does not know, and the wall-clock
//! rules apply (the lease, the team's working hours).

use super::sla::{CalendarConfig, Hours};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// A person's weekly windows from the playbook: "Mon-Fri 07:00-13:00 America/Chicago" (the
/// zone is theirs; without one, the team's).
pub fn schedule(windows: &[String], team_tz: Tz) -> Result<Option<Hours>, String> {
    if windows.is_empty() {
        return Ok(None);
    }
    let mut tz: Option<String> = None;
    let mut hours = Vec::new();
    for w in windows {
        let words: Vec<&str> = w.split_whitespace().collect();
        match words.as_slice() {
            [days, times, zone] => {
                if tz.as_deref().is_some_and(|t| t != *zone) {
                    return Err(format!("{w:?}: one person's windows share one time zone"));
                }
                tz = Some(zone.to_string());
                hours.push(format!("{days} {times}"));
            }
            _ => hours.push(w.clone()),
        }
    }
    Hours::parse(
        &CalendarConfig {
            timezone: tz,
            hours,
            holidays: Vec::new(),
        },
        team_tz,
    )
    .map(Some)
}

/// What someone last said: on since, or off at (`/cx on`, `/cx off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Said {
    On(i64),
    Off(i64),
}

/// Whether someone is on shift at `now`: on since `/cx on`; with a schedule, inside their
/// window unless they said `/cx off` during it; without one, only by `/cx on`. None: cxbot
/// cannot tell (never said, no schedule).
pub fn is_on(said: Option<Said>, schedule: Option<&Hours>, now: i64) -> Option<bool> {
    match (said, schedule) {
        (Some(Said::On(_)), _) => Some(true),
        (Some(Said::Off(at)), Some(h)) => {
            Some(h.window_at(now).is_some_and(|(start, _)| at < start))
        }
        (Some(Said::Off(_)), None) => Some(false),
        (None, Some(h)) => Some(h.window_at(now).is_some()),
        (None, None) => None,
    }
}

/// The playbook's `[shifts]` section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShiftPolicy {
    /// Someone still on this long after their window ended gets one "Still on?" DM.
    pub overstay_minutes: i64,
    /// Someone inside their window who has not said `/cx on` after this long is listed
    /// to the leads (not nagged).
    pub start_grace_minutes: i64,
    /// The briefing's "near breach": SLA clocks due within this many minutes.
    pub near_breach_minutes: i64,
    /// Check-in prompts, in each person's local time, while they are on shift.
    #[serde(rename = "checkin")]
    pub checkins: Vec<CheckinWindow>,
}

/// The playbook's `[summary]` section: when and where the daily summary goes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SummaryPolicy {
    /// Local time (team time zone), "HH:MM"; the summary covers the 24 hours before it.
    pub time: String,
    /// A `[channels]` key.
    pub channel: String,
}

impl Default for SummaryPolicy {
    fn default() -> Self {
        Self {
            time: "18:00".into(),
            channel: "cx_only".into(),
        }
    }
}

impl SummaryPolicy {
    pub fn at(&self) -> Option<NaiveTime> {
        NaiveTime::parse_from_str(self.time.trim(), "%H:%M").ok()
    }
}

/// The playbook's `[digest]` section: when the leads' digest goes to the leads channel.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DigestPolicy {
    /// Local times (team time zone), "HH:MM".
    pub times: Vec<String>,
    /// A `[channels]` key.
    pub channel: String,
}

impl Default for DigestPolicy {
    fn default() -> Self {
        Self {
            times: vec!["09:00".into(), "15:00".into()],
            channel: "leads".into(),
        }
    }
}

impl DigestPolicy {
    pub fn at(&self) -> Vec<NaiveTime> {
        self.times
            .iter()
            .filter_map(|t| NaiveTime::parse_from_str(t.trim(), "%H:%M").ok())
            .collect()
    }
}

/// The playbook's `[fringe]` section (seed 004): tickets on a long engineering hold.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FringePolicy {
    /// A ticket with one of these tags waits on engineering.
    pub tags: Vec<String>,
    /// Or in one of these helpdesk groups.
    pub groups: Vec<String>,
    /// Listed once nothing has happened on it for this many days.
    pub after_days: i64,
}

impl Default for FringePolicy {
    fn default() -> Self {
        Self {
            tags: vec!["engineering".into(), "dev-hold".into(), "bug".into()],
            groups: vec!["Engineering".into(), "Developers".into()],
            after_days: 3,
        }
    }
}

impl FringePolicy {
    /// Does this open ticket wait on engineering?
    pub fn covers(&self, tags: &[String], group: Option<&str>) -> bool {
        tags.iter()
            .any(|t| self.tags.iter().any(|f| f.eq_ignore_ascii_case(t)))
            || group.is_some_and(|g| self.groups.iter().any(|f| f.eq_ignore_ascii_case(g)))
    }
}

/// One daily check-in prompt: "09:00-11:00", or `before_end` minutes before the person's
/// window ends (the end-of-day one).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CheckinWindow {
    pub name: String,
    #[serde(default)]
    pub hours: Option<String>,
    #[serde(default)]
    pub before_end_minutes: Option<i64>,
}

impl Default for ShiftPolicy {
    fn default() -> Self {
        let w = |name: &str, hours: &str| CheckinWindow {
            name: name.into(),
            hours: Some(hours.into()),
            before_end_minutes: None,
        };
        Self {
            overstay_minutes: 120,
            start_grace_minutes: 30,
            near_breach_minutes: 30,
            checkins: vec![
                w("morning", "09:00-11:00"),
                w("midday", "13:00-15:00"),
                CheckinWindow {
                    name: "end of day".into(),
                    hours: None,
                    before_end_minutes: Some(60),
                },
            ],
        }
    }
}

fn hhmm(s: &str) -> Option<(NaiveTime, NaiveTime)> {
    let (a, b) = s.split_once('-')?;
    let a = NaiveTime::parse_from_str(a.trim(), "%H:%M").ok()?;
    let b = NaiveTime::parse_from_str(b.trim(), "%H:%M").ok()?;
    (a < b).then_some((a, b))
}

impl ShiftPolicy {
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (k, v) in [
            ("overstay_minutes", self.overstay_minutes),
            ("start_grace_minutes", self.start_grace_minutes),
            ("near_breach_minutes", self.near_breach_minutes),
        ] {
            if v < 0 {
                out.push((
                    format!("shifts.{k}"),
                    format!("expected 0 or more, got {v}"),
                ));
            }
        }
        for (i, c) in self.checkins.iter().enumerate() {
            let key = format!("shifts.checkin[{i}]");
            match (&c.hours, c.before_end_minutes) {
                (Some(h), None) if hhmm(h).is_none() => out.push((
                    format!("{key}.hours"),
                    format!("expected \"HH:MM-HH:MM\" with the start first, got {h:?}"),
                )),
                (Some(_), None) => {}
                (None, Some(m)) if m > 0 => {}
                _ => out.push((
                    key,
                    "give either hours = \"HH:MM-HH:MM\" or before_end_minutes (more than 0)"
                        .into(),
                )),
            }
        }
        out
    }

    /// The check-in prompts due for someone at `now` in their time zone `tz`, with the
    /// window each closes at: (name, local date, closes at). `shift_end` is when their
    /// current shift window ends (the end-of-day prompt needs one).
    pub fn checkins_open(
        &self,
        tz: Tz,
        now: i64,
        shift_end: Option<i64>,
    ) -> Vec<(String, NaiveDate, i64)> {
        let local = DateTime::<Utc>::from_timestamp_millis(now)
            .unwrap_or_default()
            .with_timezone(&tz);
        let date = local.date_naive();
        let at = |t: NaiveTime| {
            tz.from_local_datetime(&date.and_time(t))
                .earliest()
                .map(|d| d.timestamp_millis())
        };
        let mut out = Vec::new();
        for c in &self.checkins {
            let window = match (&c.hours, c.before_end_minutes, shift_end) {
                (Some(h), _, _) => hhmm(h).and_then(|(a, b)| Some((at(a)?, at(b)?))),
                (None, Some(m), Some(end)) => Some((end - m * 60_000, end)),
                _ => None,
            };
            if let Some((a, b)) = window.filter(|(a, b)| *a <= now && now < *b) {
                let _ = a;
                out.push((c.name.clone(), date, b));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(y: i32, m: u32, d: u32, h: u32, mi: u32) -> i64 {
        Utc.with_ymd_and_hms(y, m, d, h, mi, 0)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn a_schedule_reads_windows_in_the_persons_own_zone() {
        let s = schedule(
            &["Mon-Fri 07:00-13:00 America/Chicago".into()],
            chrono_tz::UTC,
        )
        .unwrap()
        .unwrap();
        // Monday 2026-11-23 07:30 Chicago is 13:30 UTC.
        assert!(s.window_at(ms(2026, 11, 23, 13, 30)).is_some());
        assert!(s.window_at(ms(2026, 11, 23, 19, 30)).is_none());
        assert_eq!(
            s.next_start(ms(2026, 11, 23, 19, 30)),
            Some(ms(2026, 11, 24, 13, 0))
        );
        assert_eq!(schedule(&[], chrono_tz::UTC).unwrap(), None);
        assert!(schedule(
            &[
                "Mon 07:00-13:00 America/Chicago".into(),
                "Tue 07:00-13:00 Europe/Paris".into()
            ],
            chrono_tz::UTC
        )
        .is_err());
    }

    #[test]
    fn being_on_is_the_stated_shift_then_the_schedule() {
        let s = schedule(&["Mon-Fri 09:00-17:00".into()], chrono_tz::UTC).unwrap();
        let monday_10 = ms(2026, 11, 23, 10, 0);
        assert_eq!(is_on(None, s.as_ref(), monday_10), Some(true));
        let off_at_9_30 = Some(Said::Off(ms(2026, 11, 23, 9, 30)));
        assert_eq!(is_on(off_at_9_30, s.as_ref(), monday_10), Some(false));
        // Said off last Friday: today's window counts again.
        let off_friday = Some(Said::Off(ms(2026, 11, 20, 17, 0)));
        assert_eq!(is_on(off_friday, s.as_ref(), monday_10), Some(true));
        assert_eq!(
            is_on(None, s.as_ref(), ms(2026, 11, 23, 20, 0)),
            Some(false)
        );
        assert_eq!(is_on(Some(Said::On(0)), None, monday_10), Some(true));
        assert_eq!(is_on(None, None, monday_10), None);
    }

    #[test]
    fn check_in_prompts_open_in_local_time() {
        let p = ShiftPolicy::default();
        let ny = chrono_tz::America::New_York;
        // 09:30 New York = 14:30 UTC: the morning prompt, closing at 11:00 (16:00 UTC).
        let open = p.checkins_open(ny, ms(2026, 11, 23, 14, 30), None);
        assert_eq!(open.len(), 1);
        assert_eq!(
            (open[0].0.as_str(), open[0].2),
            ("morning", ms(2026, 11, 23, 16, 0))
        );
        // The end-of-day prompt: the hour before the shift ends.
        let end = ms(2026, 11, 23, 22, 0);
        let open = p.checkins_open(ny, end - 30 * 60_000, Some(end));
        assert_eq!(
            open.iter().map(|o| o.0.as_str()).collect::<Vec<_>>(),
            ["end of day"]
        );
        assert!(p.problems().is_empty());
    }
}

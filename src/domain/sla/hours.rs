//! The hours an SLA counts: around the clock, or weekly business windows in a time zone
//! less holidays. Local windows are turned into instants day by day, so a DST change
//! shortens or lengthens that day's window as the wall clock does.

use super::CalendarConfig;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::BTreeSet;

/// How far ahead a due time is searched (a calendar with few hours still finds one).
const MAX_DAYS: i64 = 800;

#[derive(Debug, Clone, PartialEq)]
pub enum Hours {
    Always,
    Business {
        tz: Tz,
        /// Windows per weekday, Monday first.
        week: [Vec<(NaiveTime, NaiveTime)>; 7],
        holidays: BTreeSet<NaiveDate>,
    },
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn day_index(s: &str) -> Option<usize> {
    let s = s.trim().to_ascii_lowercase();
    DAYS.iter().position(|d| s.starts_with(d) && s.len() >= 3)
}

/// "Mon-Fri 09:00-18:00" -> the weekdays and the window.
fn parse_window(s: &str) -> Result<(Vec<usize>, NaiveTime, NaiveTime), String> {
    let bad = || format!("expected \"Mon-Fri 09:00-18:00\", got {s:?}");
    let (days, times) = s.trim().split_once(' ').ok_or_else(bad)?;
    let mut out = Vec::new();
    for part in days.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day_index(a).ok_or_else(bad)?, day_index(b).ok_or_else(bad)?);
                let mut d = a;
                loop {
                    out.push(d);
                    if d == b {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => out.push(day_index(part).ok_or_else(bad)?),
        }
    }
    let (a, b) = times.trim().split_once('-').ok_or_else(bad)?;
    let t = |x: &str| NaiveTime::parse_from_str(x.trim(), "%H:%M").map_err(|_| bad());
    let (start, end) = (t(a)?, t(b)?);
    if start >= end {
        return Err(format!("{s:?}: the window must end after it starts"));
    }
    Ok((out, start, end))
}

impl Hours {
    pub fn parse(c: &CalendarConfig, team_tz: Tz) -> Result<Hours, String> {
        let tz = match &c.timezone {
            Some(z) => z
                .parse()
                .map_err(|_| format!("timezone: expected an IANA time zone, got {z:?}"))?,
            None => team_tz,
        };
        let mut week: [Vec<(NaiveTime, NaiveTime)>; 7] = Default::default();
        for w in &c.hours {
            let (days, start, end) = parse_window(w)?;
            for d in days {
                week[d].push((start, end));
            }
        }
        if week.iter().all(Vec::is_empty) {
            return Err("hours: at least one weekly window is needed".into());
        }
        for day in &mut week {
            day.sort();
        }
        let mut holidays = BTreeSet::new();
        for h in &c.holidays {
            holidays.insert(
                NaiveDate::parse_from_str(h, "%Y-%m-%d")
                    .map_err(|_| format!("holidays: expected \"YYYY-MM-DD\", got {h:?}"))?,
            );
        }
        Ok(Hours::Business { tz, week, holidays })
    }

    /// The open windows of one local date, as instants.
    fn windows(&self, date: NaiveDate) -> Vec<(i64, i64)> {
        let Hours::Business { tz, week, holidays } = self else {
            return Vec::new();
        };
        if holidays.contains(&date) {
            return Vec::new();
        }
        let local = |t: NaiveTime| -> Option<i64> {
            let naive = date.and_time(t);
            tz.from_local_datetime(&naive)
                .earliest()
                // In a spring-forward gap the window opens when the clock jumps.
                .or_else(|| {
                    tz.from_local_datetime(&(naive + Duration::hours(1)))
                        .earliest()
                })
                .map(|d| d.timestamp_millis())
        };
        week[date.weekday().num_days_from_monday() as usize]
            .iter()
            .filter_map(|(a, b)| Some((local(*a)?, local(*b)?)))
            .filter(|(a, b)| a < b)
            .collect()
    }

    fn local_date(&self, at: i64) -> NaiveDate {
        let utc = DateTime::<Utc>::from_timestamp_millis(at).unwrap_or_default();
        match self {
            Hours::Always => utc.date_naive(),
            Hours::Business { tz, .. } => utc.with_timezone(tz).date_naive(),
        }
    }

    /// The instant at which `ms` of counted time have passed after `from`.
    pub fn add(&self, from: i64, ms: i64) -> i64 {
        if ms <= 0 {
            return from;
        }
        if *self == Hours::Always {
            return from.saturating_add(ms);
        }
        let mut left = ms;
        let mut date = self.local_date(from) - Duration::days(1);
        for _ in 0..MAX_DAYS {
            for (a, b) in self.windows(date) {
                if b <= from {
                    continue;
                }
                let start = a.max(from);
                if left <= b - start {
                    return start + left;
                }
                left -= b - start;
            }
            date += Duration::days(1);
        }
        from.saturating_add(ms)
    }

    /// The open window `at` falls in, as instants (None outside every window, and always
    /// for [`Hours::Always`]).
    pub fn window_at(&self, at: i64) -> Option<(i64, i64)> {
        let date = self.local_date(at);
        [date - Duration::days(1), date]
            .into_iter()
            .flat_map(|d| self.windows(d))
            .find(|(a, b)| *a <= at && at < *b)
    }

    /// The start of the first window opening after `at` (within [`MAX_DAYS`]).
    pub fn next_start(&self, at: i64) -> Option<i64> {
        let mut date = self.local_date(at);
        for _ in 0..MAX_DAYS {
            if let Some((a, _)) = self.windows(date).into_iter().find(|(a, _)| *a > at) {
                return Some(a);
            }
            date += Duration::days(1);
        }
        None
    }

    /// The time zone local times are read in.
    pub fn tz(&self) -> Option<Tz> {
        match self {
            Hours::Always => None,
            Hours::Business { tz, .. } => Some(*tz),
        }
    }

    /// Counted time between two instants (0 when `to` is not after `from`).
    pub fn elapsed(&self, from: i64, to: i64) -> i64 {
        if to <= from {
            return 0;
        }
        if *self == Hours::Always {
            return to - from;
        }
        let mut total = 0;
        let mut date = self.local_date(from) - Duration::days(1);
        let last = self.local_date(to) + Duration::days(1);
        while date <= last {
            for (a, b) in self.windows(date) {
                let (s, e) = (a.max(from), b.min(to));
                if e > s {
                    total += e - s;
                }
            }
            date += Duration::days(1);
        }
        total
    }
}

//! Day arithmetic for follow-up cadences: which local date is "day N" of a
//! cadence, and the UTC instants at which a local date begins and ends.
//!
//! Days are local dates in the team's time zone (`chrono_tz::Tz`), never
//! 24-hour spans: a day that loses or gains an hour to DST is still one day.
//! Two kinds of day are supported:
//!
//! * [`DayKind::Calendar`] (the default): day N is `start + (N - 1)` dates.
//! * [`DayKind::Business`]: Monday to Friday minus a holiday list. Day 1 is the
//!   first business day *on or after* the start date, so a ticket that starts
//!   a cadence on a Saturday gets its first attempt on Monday (the seed says
//!   nothing here; rolling forward means no step ever lands on a day off).
//!
//! Instants are computed per local date, so they are correct across DST gaps
//! (including zones such as America/Sao_Paulo before 2019, where midnight
//! itself was skipped), ambiguous midnights (the first occurrence counts) and
//! even dates a zone skipped entirely (Pacific/Apia 2011-12-30, whose start and
//! end are the same instant). Business *hours* are not handled here.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// How a cadence counts its days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DayKind {
    /// Every local date counts.
    #[default]
    Calendar,
    /// Monday to Friday, minus the cadence's holidays.
    Business,
}

/// Monday to Friday and not in `holidays`.
pub fn is_business_day(date: NaiveDate, holidays: &[NaiveDate]) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&date)
}

/// The first business day on or after `date`.
pub fn next_business_day(date: NaiveDate, holidays: &[NaiveDate]) -> NaiveDate {
    let mut d = date;
    // Terminates: at most 2 weekend days in a row plus a finite holiday list.
    while !is_business_day(d, holidays) {
        d = succ(d);
    }
    d
}

/// The local date of day `day_number` (1-based) of a cadence started on
/// `start`. Day 0 is treated as day 1 (validation rejects day 0 in config).
/// Holidays are ignored for calendar days.
pub fn day_date(
    start: NaiveDate,
    day_number: u32,
    kind: DayKind,
    holidays: &[NaiveDate],
) -> NaiveDate {
    let offset = day_number.saturating_sub(1);
    match kind {
        DayKind::Calendar => start
            .checked_add_days(Days::new(u64::from(offset)))
            .unwrap_or(NaiveDate::MAX),
        DayKind::Business => {
            let mut d = next_business_day(start, holidays);
            for _ in 0..offset {
                d = next_business_day(succ(d), holidays);
            }
            d
        }
    }
}

/// The inverse of [`day_date`]: which cadence day `date` is, or 0 if it is
/// before day 1. For business days a weekend or holiday counts as the
/// business day before it (its number does not advance).
pub fn day_number_on(
    start: NaiveDate,
    date: NaiveDate,
    kind: DayKind,
    holidays: &[NaiveDate],
) -> u32 {
    match kind {
        DayKind::Calendar => {
            if date < start {
                0
            } else {
                u32::try_from((date - start).num_days() + 1).unwrap_or(u32::MAX)
            }
        }
        DayKind::Business => {
            let first = next_business_day(start, holidays);
            if date < first {
                return 0;
            }
            first
                .iter_days()
                .take_while(|d| *d <= date)
                .filter(|d| is_business_day(*d, holidays))
                .fold(0u32, |n, _| n.saturating_add(1))
        }
    }
}

/// The local date of `instant` in `tz`.
pub fn local_date(instant: DateTime<Utc>, tz: Tz) -> NaiveDate {
    instant.with_timezone(&tz).date_naive()
}

/// The first instant whose local date in `tz` is `date`: local midnight, or
/// its first occurrence if midnight repeats, or the end of the DST gap if
/// midnight does not exist that day.
pub fn local_day_start(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    match tz.from_local_datetime(&midnight).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => first_instant_on_or_after(date, tz),
    }
}

/// The instant `date` ends in `tz` (exclusive): the start of the next local
/// date. Always after [`local_day_start`] except for a date the zone skipped.
pub fn local_day_end(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    local_day_start(succ(date), tz)
}

/// Binary search for the first whole second whose local date is >= `date`.
/// Only used when local midnight falls in a gap; within the ±26 h window the
/// only transition is that gap, so the predicate is monotonic there. Offsets
/// never exceed ±16 h, so the window's ends are on either side of `date`.
fn first_instant_on_or_after(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN).and_utc().timestamp();
    let window = TimeDelta::hours(26).num_seconds();
    let (mut lo, mut hi) = (midnight - window, midnight + window);
    let at = |secs: i64| DateTime::from_timestamp(secs, 0).unwrap_or(DateTime::<Utc>::MAX_UTC);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if local_date(at(mid), tz) >= date {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    at(hi)
}

fn succ(date: NaiveDate) -> NaiveDate {
    date.succ_opt().unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Australia, Europe, Pacific};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn calendar_days_count_every_date() {
        assert_eq!(
            day_date(d("2026-03-06"), 1, DayKind::Calendar, &[]),
            d("2026-03-06")
        );
        assert_eq!(
            day_date(d("2026-03-06"), 6, DayKind::Calendar, &[]),
            d("2026-03-11")
        );
        // Holidays only matter for business days.
        assert_eq!(
            day_date(d("2026-12-24"), 2, DayKind::Calendar, &[d("2026-12-25")]),
            d("2026-12-25")
        );
        assert_eq!(
            day_number_on(d("2026-03-06"), d("2026-03-11"), DayKind::Calendar, &[]),
            6
        );
        assert_eq!(
            day_number_on(d("2026-03-06"), d("2026-03-05"), DayKind::Calendar, &[]),
            0
        );
    }

    #[test]
    fn business_days_skip_weekends_and_holidays() {
        let hol = [d("2026-12-25")];
        // Thu 2026-12-24: day 2 would be Fri 25th (holiday) -> Mon 28th.
        assert_eq!(
            day_date(d("2026-12-24"), 1, DayKind::Business, &hol),
            d("2026-12-24")
        );
        assert_eq!(
            day_date(d("2026-12-24"), 2, DayKind::Business, &hol),
            d("2026-12-28")
        );
        assert_eq!(
            day_date(d("2026-12-24"), 3, DayKind::Business, &hol),
            d("2026-12-29")
        );
        assert_eq!(
            day_number_on(d("2026-12-24"), d("2026-12-27"), DayKind::Business, &hol),
            1
        );
        assert_eq!(
            day_number_on(d("2026-12-24"), d("2026-12-29"), DayKind::Business, &hol),
            3
        );
    }

    #[test]
    fn business_start_on_weekend_rolls_forward() {
        // Sat 2026-03-07 -> day 1 is Mon 2026-03-09.
        assert_eq!(
            day_date(d("2026-03-07"), 1, DayKind::Business, &[]),
            d("2026-03-09")
        );
        assert_eq!(
            day_date(d("2026-03-07"), 6, DayKind::Business, &[]),
            d("2026-03-16")
        );
        assert_eq!(
            day_number_on(d("2026-03-07"), d("2026-03-08"), DayKind::Business, &[]),
            0
        );
        assert_eq!(
            day_number_on(d("2026-03-07"), d("2026-03-09"), DayKind::Business, &[]),
            1
        );
    }

    #[test]
    fn ordinary_day_is_local_midnight_to_midnight() {
        let tz = America::New_York;
        assert_eq!(
            local_day_start(d("2026-03-06"), tz),
            utc("2026-03-06T05:00:00Z")
        );
        assert_eq!(
            local_day_end(d("2026-03-06"), tz),
            utc("2026-03-07T05:00:00Z")
        );
        assert_eq!(local_date(utc("2026-03-07T04:59:59Z"), tz), d("2026-03-06"));
    }

    #[test]
    fn dst_days_are_23_and_25_hours() {
        let tz = Europe::London;
        let spring = local_day_end(d("2026-03-29"), tz) - local_day_start(d("2026-03-29"), tz);
        assert_eq!(spring, TimeDelta::hours(23));
        let tz = America::New_York;
        let fall = local_day_end(d("2026-11-01"), tz) - local_day_start(d("2026-11-01"), tz);
        assert_eq!(fall, TimeDelta::hours(25));
        // Lord Howe shifts by 30 minutes.
        let tz = Australia::Lord_Howe;
        let lh = local_day_end(d("2026-10-04"), tz) - local_day_start(d("2026-10-04"), tz);
        assert_eq!(lh, TimeDelta::minutes(23 * 60 + 30));
    }

    #[test]
    fn midnight_in_a_gap_starts_the_day_at_the_gap_end() {
        // Sao Paulo 2018-11-04: 00:00 (-03) jumped to 01:00 (-02) = 03:00Z.
        let tz = America::Sao_Paulo;
        let start = local_day_start(d("2018-11-04"), tz);
        assert_eq!(start, utc("2018-11-04T03:00:00Z"));
        assert_eq!(local_date(start, tz), d("2018-11-04"));
        assert_eq!(
            local_date(start - TimeDelta::seconds(1), tz),
            d("2018-11-03")
        );
        assert_eq!(local_day_end(d("2018-11-03"), tz), start);
    }

    #[test]
    fn repeated_hour_at_day_end_makes_a_25_hour_day() {
        // Sao Paulo 2018-02-18: 00:00 (-02) went back to 23:00 (-03) on the 17th.
        let tz = America::Sao_Paulo;
        assert_eq!(
            local_day_start(d("2018-02-17"), tz),
            utc("2018-02-17T02:00:00Z")
        );
        assert_eq!(
            local_day_end(d("2018-02-17"), tz),
            utc("2018-02-18T03:00:00Z")
        );
    }

    #[test]
    fn ambiguous_midnight_uses_first_occurrence() {
        // Havana 2020-11-01: 01:00 (-04) went back to 00:00 (-05).
        let tz = America::Havana;
        assert_eq!(
            local_day_start(d("2020-11-01"), tz),
            utc("2020-11-01T04:00:00Z")
        );
        assert_eq!(local_date(utc("2020-11-01T03:59:59Z"), tz), d("2020-10-31"));
        assert_eq!(
            local_day_end(d("2020-11-01"), tz) - local_day_start(d("2020-11-01"), tz),
            TimeDelta::hours(25)
        );
    }

    #[test]
    fn skipped_date_has_zero_length() {
        // Samoa skipped 2011-12-30 when it crossed the date line.
        let tz = Pacific::Apia;
        let start = local_day_start(d("2011-12-30"), tz);
        assert_eq!(start, local_day_end(d("2011-12-30"), tz));
        assert_eq!(start, local_day_start(d("2011-12-31"), tz));
        assert_eq!(local_date(start, tz), d("2011-12-31"));
    }

    #[test]
    fn every_date_1990_to_2035_is_one_contiguous_local_day() {
        let zones = [
            America::New_York,
            Europe::London,
            Australia::Lord_Howe,
            America::Sao_Paulo,
            America::Havana,
            chrono_tz::Asia::Kolkata,
        ];
        let second = TimeDelta::seconds(1);
        for tz in zones {
            let mut date = d("1990-01-01");
            let mut previous_end = local_day_start(date, tz);
            while date <= d("2035-12-31") {
                let (start, end) = (local_day_start(date, tz), local_day_end(date, tz));
                assert_eq!(start, previous_end, "{tz} {date}: days must tile time");
                assert!(
                    end - start >= TimeDelta::hours(22) && end - start <= TimeDelta::hours(26),
                    "{tz} {date}"
                );
                assert_eq!(local_date(start, tz), date, "{tz} {date}");
                assert_eq!(local_date(end - second, tz), date, "{tz} {date}");
                assert_eq!(
                    local_date(start - second, tz),
                    date.pred_opt().unwrap(),
                    "{tz} {date}"
                );
                previous_end = end;
                date = succ(date);
            }
        }
    }
}

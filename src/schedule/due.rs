//! When a schedule is due. Pure: the clock is a parameter.
//!
//! Rule: a schedule is due at `now` when
//! - it never ran (`lastRun` NULL): it runs at once, then follows its cron; or
//! - a cron fire time lies in `(lastRun, now]` (however many fire times were missed while
//!   impex was down, the schedule runs once: misfires collapse); or
//! - a retry is pending (`nextRetry <= now`); or
//! - a `fixedNextRun` (runtime value of the Schedule REST API) is set and `<= now`. While it is
//!   set, cron and `nextRetry` have no effect: the schedule is due exactly then, once (the claim
//!   clears it).
//!
//! `lastRun` is the time the last run started (set when the schedule is claimed), so the next
//! fire time is always the first one after the last start. Fire times are computed in the
//! configured time zone, so DST is handled by croner: a time in the spring-forward gap fires
//! once at the first valid time, a time repeated by fall-back fires once.
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;

/// The first fire time strictly after `after`, in zone `tz`; `None` when the cron never fires
/// again (e.g. a past year).
pub fn next_fire(cron: &Cron, tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let local = after.with_timezone(&tz);
    cron.find_next_occurrence(&local, false).ok().map(|t| t.with_timezone(&Utc))
}

/// What the scheduler knows about a schedule's timing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timing {
    pub last_run: Option<DateTime<Utc>>,
    pub next_retry: Option<DateTime<Utc>>,
    /// `"ScheduleRuntimeDO"."fixedNextRun"`.
    pub fixed_next_run: Option<DateTime<Utc>>,
}

/// Why a schedule is (or will be) due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    FirstRun,
    Cron,
    Retry,
    /// A `fixedNextRun` set by an operator.
    Fixed,
}

/// The answer of [`due`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Due now; the time is the fire/retry time that made it due (for latency).
    Now(DateTime<Utc>, Reason),
    /// Not due before this time.
    At(DateTime<Utc>, Reason),
    /// The cron never fires again and no retry is pending.
    Never,
}

/// Whether the schedule is due at `now` (see the module documentation).
pub fn due(cron: &Cron, tz: Tz, t: Timing, now: DateTime<Utc>) -> Due {
    if let Some(f) = t.fixed_next_run {
        return if f <= now { Due::Now(f, Reason::Fixed) } else { Due::At(f, Reason::Fixed) };
    }
    let by_cron = match t.last_run {
        None => Some((now, Reason::FirstRun)),
        Some(last) => next_fire(cron, tz, last).map(|f| (f, Reason::Cron)),
    };
    let by_retry = t.next_retry.map(|r| (r, Reason::Retry));
    let first = match (by_cron, by_retry) {
        (Some(c), Some(r)) => Some(if r.0 <= c.0 { r } else { c }),
        (c, r) => c.or(r),
    };
    match first {
        None => Due::Never,
        Some((at, why)) if at <= now => Due::Now(at, why),
        Some((at, why)) => Due::At(at, why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::cron::parse;
    use chrono::TimeZone;
    use chrono_tz::Europe::Berlin;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    fn berlin(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Berlin.with_ymd_and_hms(y, mo, d, h, mi, s).earliest().unwrap().with_timezone(&Utc)
    }

    /// All fire times in (from, to].
    fn fires(expr: &str, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let c = parse(expr).unwrap();
        let mut out = Vec::new();
        let mut t = from;
        while let Some(n) = next_fire(&c, tz, t) {
            if n > to {
                break;
            }
            out.push(n);
            t = n;
        }
        out
    }

    #[test]
    fn never_ran_is_due_at_once() {
        let c = parse("0 0 3 * * ?").unwrap();
        let now = utc(2026, 5, 1, 12, 0, 0);
        assert_eq!(due(&c, Tz::UTC, Timing::default(), now), Due::Now(now, Reason::FirstRun));
    }

    #[test]
    fn due_when_a_fire_time_passed_since_last_run() {
        let c = parse("0 0/10 * * * ?").unwrap();
        let last = utc(2026, 5, 1, 12, 0, 0) + chrono::Duration::milliseconds(3);
        let t = Timing { last_run: Some(last), next_retry: None, fixed_next_run: None };
        assert_eq!(due(&c, Tz::UTC, t, utc(2026, 5, 1, 12, 9, 59)), Due::At(utc(2026, 5, 1, 12, 10, 0), Reason::Cron));
        assert_eq!(due(&c, Tz::UTC, t, utc(2026, 5, 1, 12, 10, 0)), Due::Now(utc(2026, 5, 1, 12, 10, 0), Reason::Cron));
    }

    #[test]
    fn per_second_cron_with_millisecond_last_run() {
        let c = parse("* * * * * ?").unwrap();
        let last = utc(2026, 5, 1, 12, 0, 0) + chrono::Duration::milliseconds(500);
        assert_eq!(next_fire(&c, Tz::UTC, last), Some(utc(2026, 5, 1, 12, 0, 1)));
        assert_eq!(next_fire(&c, Tz::UTC, utc(2026, 5, 1, 12, 0, 0)), Some(utc(2026, 5, 1, 12, 0, 1)));
    }

    #[test]
    fn misfire_after_a_long_gap_runs_once() {
        let c = parse("0 0 * * * ?").unwrap();
        let last = utc(2026, 5, 1, 12, 0, 0);
        let now = utc(2026, 5, 8, 9, 30, 0); // a week of missed hourly fire times
        let t = Timing { last_run: Some(last), next_retry: None, fixed_next_run: None };
        assert_eq!(due(&c, Tz::UTC, t, now), Due::Now(utc(2026, 5, 1, 13, 0, 0), Reason::Cron));
        // The run sets lastRun = now: the next run follows the cron again.
        let t = Timing { last_run: Some(now), next_retry: None, fixed_next_run: None };
        assert_eq!(due(&c, Tz::UTC, t, now + chrono::Duration::seconds(5)), Due::At(utc(2026, 5, 8, 10, 0, 0), Reason::Cron));
    }

    #[test]
    fn fixed_next_run_wins_over_cron_and_retry() {
        let c = parse("* * * * * ?").unwrap();
        let last = utc(2026, 5, 1, 3, 0, 0);
        let fixed = utc(2026, 5, 1, 4, 0, 0);
        let t = Timing { last_run: Some(last), next_retry: Some(utc(2026, 5, 1, 3, 0, 1)), fixed_next_run: Some(fixed) };
        assert_eq!(due(&c, Tz::UTC, t, utc(2026, 5, 1, 3, 30, 0)), Due::At(fixed, Reason::Fixed));
        assert_eq!(due(&c, Tz::UTC, t, fixed), Due::Now(fixed, Reason::Fixed));
        // a never-firing cron still runs at the fixed time
        let never = parse("0 0 0 1 1 ? 2020").unwrap();
        assert_eq!(due(&never, Tz::UTC, Timing { fixed_next_run: Some(fixed), ..t }, fixed), Due::Now(fixed, Reason::Fixed));
    }

    #[test]
    fn pending_retry_makes_it_due() {
        let c = parse("0 0 3 * * ?").unwrap();
        let last = utc(2026, 5, 1, 3, 0, 0);
        let retry = utc(2026, 5, 1, 3, 30, 0);
        let t = Timing { last_run: Some(last), next_retry: Some(retry), fixed_next_run: None };
        assert_eq!(due(&c, Tz::UTC, t, utc(2026, 5, 1, 3, 29, 0)), Due::At(retry, Reason::Retry));
        assert_eq!(due(&c, Tz::UTC, t, utc(2026, 5, 1, 3, 30, 0)), Due::Now(retry, Reason::Retry));
    }

    #[test]
    fn last_day_weekday_nth_and_year() {
        // L: last day of the month.
        assert_eq!(fires("0 15 10 L * ?", Tz::UTC, utc(2026, 2, 1, 0, 0, 0), utc(2026, 3, 1, 0, 0, 0)), vec![utc(2026, 2, 28, 10, 15, 0)]);
        // W: nearest weekday to the 15th (2026-08-15 is a Saturday -> Friday 14th).
        assert_eq!(fires("0 0 12 15W * ?", Tz::UTC, utc(2026, 8, 1, 0, 0, 0), utc(2026, 9, 1, 0, 0, 0)), vec![utc(2026, 8, 14, 12, 0, 0)]);
        // LW: last weekday of the month (2026-05-31 is a Sunday -> Friday 29th).
        assert_eq!(fires("0 0 12 LW * ?", Tz::UTC, utc(2026, 5, 1, 0, 0, 0), utc(2026, 6, 1, 0, 0, 0)), vec![utc(2026, 5, 29, 12, 0, 0)]);
        // #: third Friday (Quartz 6 = Friday) of November 2026 is the 20th.
        assert_eq!(fires("0 15 10 ? * 6#3", Tz::UTC, utc(2026, 11, 1, 0, 0, 0), utc(2026, 12, 1, 0, 0, 0)), vec![utc(2026, 11, 20, 10, 15, 0)]);
        // Year: only in 2027, then never again.
        let c = parse("0 0 12 1 1 ? 2027").unwrap();
        assert_eq!(next_fire(&c, Tz::UTC, utc(2026, 6, 1, 0, 0, 0)), Some(utc(2027, 1, 1, 12, 0, 0)));
        assert_eq!(next_fire(&c, Tz::UTC, utc(2027, 1, 1, 12, 0, 0)), None);
        let t = Timing { last_run: Some(utc(2027, 1, 1, 12, 0, 0)), next_retry: None, fixed_next_run: None };
        assert_eq!(due(&c, Tz::UTC, t, utc(2027, 6, 1, 0, 0, 0)), Due::Never);
    }

    #[test]
    fn dst_spring_forward_gap_runs_once_at_next_valid_time() {
        // Europe/Berlin 2026-03-29: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
        let got = fires("0 30 2 * * ?", Berlin, berlin(2026, 3, 28, 12, 0, 0), berlin(2026, 3, 30, 12, 0, 0));
        assert_eq!(got, vec![berlin(2026, 3, 29, 3, 0, 0), berlin(2026, 3, 30, 2, 30, 0)]);
        assert_eq!(got[0], utc(2026, 3, 29, 1, 0, 0));
        // Due computation across the gap: the gap fire time is due once.
        let c = parse("0 30 2 * * ?").unwrap();
        let t = Timing { last_run: Some(berlin(2026, 3, 28, 2, 30, 0)), next_retry: None, fixed_next_run: None };
        assert_eq!(due(&c, Berlin, t, utc(2026, 3, 29, 1, 0, 5)), Due::Now(utc(2026, 3, 29, 1, 0, 0), Reason::Cron));
    }

    #[test]
    fn dst_fall_back_repeated_hour_runs_once() {
        // Europe/Berlin 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
        let got = fires("0 30 2 * * ?", Berlin, utc(2026, 10, 24, 12, 0, 0), utc(2026, 10, 26, 12, 0, 0));
        assert_eq!(got, vec![utc(2026, 10, 25, 0, 30, 0), utc(2026, 10, 26, 1, 30, 0)]);
        // An interval cron stays strictly increasing through the repeated hour.
        let got = fires("0 0/30 * * * ?", Berlin, utc(2026, 10, 24, 23, 0, 0), utc(2026, 10, 25, 2, 0, 0));
        let expect: Vec<_> = (0..6).map(|i| utc(2026, 10, 24, 23, 30, 0) + chrono::Duration::minutes(30 * i)).collect();
        assert_eq!(got, expect);
    }
}

//! Quartz cron expressions (`"ScheduleDO"."cron"`), parsed with croner in Quartz mode:
//! seconds required, optional year, `?`, `L`, `W`, `LW`, `#`, names, and `0/10`-style steps;
//! day-of-week 1 = Sunday as in Quartz.
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;

/// Parses a Quartz cron expression. The error is croner's reason in words.
pub fn parse(expr: &str) -> Result<Cron, String> {
    let fields = expr.split_whitespace().count();
    if !(6..=7).contains(&fields) {
        return Err(format!(
            "a Quartz cron expression has 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]), `{expr}` has {fields}"
        ));
    }
    CronParser::builder()
        .seconds(Seconds::Required)
        .year(Year::Optional)
        .alternative_weekdays(true)
        .sloppy_ranges(true)
        .build()
        .parse(expr)
        .map_err(|e| format!("invalid cron `{expr}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_expressions_parse() {
        for e in ["0 0/10 * 1/1 * ? *", "0 30 9 ? * *", "0 */1 * ? * *", "0 15 10 L * ?", "0 15 10 ? * 6#3", "0 0 12 LW * ?", "0 0 12 15W * ?", "0 0 12 ? * MON-FRI 2026"] {
            parse(e).unwrap_or_else(|err| panic!("{e}: {err}"));
        }
        assert!(parse("* * * * *").is_err());
        assert!(parse("0 61 * * * ?").is_err());
    }
}

//! The scheduler: Quartz cron from `"ScheduleDO"`, locks, retries, misfires, job history.
pub mod cron;

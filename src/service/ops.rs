//! What an operator's probes read: is the database reachable, how many jobs are waiting,
//! done or dead. (`/readyz` and `/metrics` call these; later, `cxbot jobs`.)

use super::{Result, Services};

/// Is the database reachable?
pub async fn ready(services: &Services) -> Result<()> {
    Ok(services.store.ping().await?)
}

/// Jobs by state: pending, done, dead (a state with none is 0).
pub async fn job_counts(services: &Services) -> Result<[(&'static str, i64); 3]> {
    let counts = services.store.job_counts().await?;
    let n = |state: &str| {
        counts
            .iter()
            .find(|(s, _)| s == state)
            .map_or(0, |(_, n)| *n)
    };
    Ok([
        ("pending", n("pending")),
        ("done", n("done")),
        ("dead", n("dead")),
    ])
}

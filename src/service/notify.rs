//! Telling one person something outside a request's response. The edge renders the
//! message (it knows the surface: an ephemeral reply where they clicked, a DM from the App
//! Home) and hands the job here to be queued.

use super::{Result, Services};
use crate::db::NewJob;

pub async fn tell(services: &Services, jobs: &[NewJob]) -> Result<()> {
    let now = services.now_ms();
    services.store.enqueue(jobs, now).await?;
    services.wake_worker();
    Ok(())
}

//! What a person sees of the queue: `/cx mine`, `/cx queue`, and their App Home.

use super::{Result, Services};
use crate::slack::views::claim as views;
use crate::slack::views::home::HomeData;
use crate::slack::views::Reply;

/// How many unclaimed tickets `/cx queue` lists (the total is always shown).
const QUEUE_LIST: i64 = 25;
/// How many of the oldest unclaimed tickets the home tab offers to claim.
const HOME_OLDEST: i64 = 5;

pub async fn home_data(services: &Services, user: &str) -> Result<HomeData> {
    let store = &services.store;
    Ok(HomeData {
        user_name: store.slack_user(user).await?.map(|u| u.name),
        my_claims: store.claims_of(user).await?,
        unclaimed_count: store.unclaimed_count().await?,
        oldest_unclaimed: store.unclaimed(HOME_OLDEST).await?,
        now_ms: services.now_ms(),
    })
}

pub async fn mine(services: &Services, user: &str) -> Result<Reply> {
    let claims = services.store.claims_of(user).await?;
    Ok(views::mine(&claims, services.now_ms()))
}

pub async fn queue(services: &Services) -> Result<Reply> {
    let list = services.store.unclaimed(QUEUE_LIST).await?;
    let total = services.store.unclaimed_count().await?;
    Ok(views::queue(&list, total, services.now_ms()))
}

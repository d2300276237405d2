//! What a person sees of the queue: `/cx mine`, `/cx queue`, and their App Home.

use super::{Result, Services};
use crate::domain::ticket::Ticket;

/// How many unclaimed tickets `/cx queue` lists (the total is always shown).
const QUEUE_LIST: i64 = 25;
/// How many of the oldest unclaimed tickets the home tab offers to claim.
const HOME_OLDEST: i64 = 5;

/// What the home tab shows a user.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HomeData {
    pub user_name: Option<String>,
    pub my_claims: Vec<Ticket>,
    pub unclaimed_count: i64,
    pub oldest_unclaimed: Vec<Ticket>,
    /// Live directives they have not acknowledged.
    pub directives: Vec<crate::domain::directive::Directive>,
    pub now_ms: i64,
}

/// `/cx queue`: the first unclaimed tickets in queue order, and how many there are (up to
/// `domain::claim::UNCLAIMED_COUNT_CAP` and one); then the fringe: tickets on a long
/// engineering hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    pub tickets: Vec<Ticket>,
    pub total: i64,
    pub fringe: Vec<Ticket>,
    pub fringe_days: i64,
    pub now_ms: i64,
}

/// `/cx mine`: open claims, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Mine {
    pub claims: Vec<Ticket>,
    pub now_ms: i64,
}

pub async fn home_data(services: &Services, user: &str) -> Result<HomeData> {
    let store = &services.store;
    Ok(HomeData {
        user_name: store.slack_user(user).await?.map(|u| u.name),
        my_claims: store.claims_of(user).await?,
        unclaimed_count: store.unclaimed_count().await?,
        oldest_unclaimed: store.unclaimed(HOME_OLDEST).await?,
        directives: super::directives::unacknowledged(services, user).await?,
        now_ms: services.now_ms(),
    })
}

pub async fn mine(services: &Services, user: &str) -> Result<Mine> {
    Ok(Mine {
        claims: services.store.claims_of(user).await?,
        now_ms: services.now_ms(),
    })
}

pub async fn queue(services: &Services) -> Result<Queue> {
    Ok(Queue {
        tickets: services.store.unclaimed(QUEUE_LIST).await?,
        total: services.store.unclaimed_count().await?,
        fringe: fringe(services).await?,
        fringe_days: services.playbook.fringe.after_days,
        now_ms: services.now_ms(),
    })
}

/// Open tickets waiting on engineering (the playbook's tags or groups) with nothing new for
/// `[fringe] after_days` (seed 004), longest first. The digests read this too.
pub async fn fringe(services: &Services) -> Result<Vec<Ticket>> {
    let policy = &services.playbook.fringe;
    let before = services.now_ms() - policy.after_days * 86_400_000;
    Ok(services
        .store
        .quiet_open(before, 2_000)
        .await?
        .into_iter()
        .filter(|t| policy.covers(&t.tag_list(), t.group_name.as_deref()))
        .take(QUEUE_LIST as usize)
        .collect())
}

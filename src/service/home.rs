//! What a user's App Home shows.

use super::{Result, Services};
use crate::slack::views::home::HomeData;

pub async fn home_data(_services: &Services, _user: &str) -> Result<HomeData> {
    Ok(HomeData::default())
}

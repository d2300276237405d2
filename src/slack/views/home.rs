//! The App Home tab.

use super::{context, header, section, MAX_VIEW_BLOCKS};
use crate::slack::actions::ActionId;
use slack_morphism::prelude::*;

/// What the home tab shows a user.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HomeData {
    pub user_name: Option<String>,
}

pub fn home_view(data: &HomeData) -> SlackView {
    let greeting = match &data.user_name {
        Some(n) => format!("Hi {n} :wave:"),
        None => "Hi :wave:".to_string(),
    };
    let mut blocks = vec![
        header("cxbot"),
        section(format!("{greeting}\ncxbot puts every missed call, missed chat, social message and ticket in the right channel as a card you can claim, and keeps the team's follow-ups on schedule.")),
        SlackActionsBlock::new(vec![SlackBlockButtonElement::new(pt!("Help")).with_action_id(ActionId::HomeHelp.as_str().into()).into()]).into(),
        context("Type `/cx help` anywhere for the list of commands."),
    ];
    blocks.truncate(MAX_VIEW_BLOCKS);
    SlackView::Home(SlackHomeView::new(blocks))
}

/// The help modal opened from the home tab.
pub fn help_modal(usage: &[(&str, &str)]) -> SlackView {
    let help = super::help(usage);
    SlackView::Modal(SlackModalView::new(pt!("cxbot help"), help.blocks).with_close(pt!("Close")))
}

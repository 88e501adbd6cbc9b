//! Every state transition of the widget, as one pure reducer. Components only
//! dispatch [`Action`]s; this file decides what happens, and is tested natively,
//! without a browser.

use std::rc::Rc;

use yew::Reducible;

/// Where the customer is on the path from opportunity to confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The post-sale opportunity is on screen.
    Opportunity,
    /// The customer closed the widget; nothing is shown any more.
    Closed,
}

/// Something that happened to the widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The customer closed the dialog.
    Close,
}

/// The widget's whole state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetState {
    /// The current stage.
    pub stage: Stage,
}

impl Default for WidgetState {
    fn default() -> Self {
        Self {
            stage: Stage::Opportunity,
        }
    }
}

impl Reducible for WidgetState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match action {
            Action::Close => Rc::new(Self {
                stage: Stage::Closed,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_the_opportunity_closes_the_widget() {
        let state = Rc::new(WidgetState::default()).reduce(Action::Close);
        assert_eq!(state.stage, Stage::Closed);
    }

    #[test]
    fn closing_twice_stays_closed() {
        let state = Rc::new(WidgetState::default())
            .reduce(Action::Close)
            .reduce(Action::Close);
        assert_eq!(state.stage, Stage::Closed);
    }
}

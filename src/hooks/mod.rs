//! Hooks shared by components.

pub mod judge;
pub mod use_challenges;
pub mod use_choice;
pub mod use_field;
pub mod use_lessons;
pub mod use_shortcuts;

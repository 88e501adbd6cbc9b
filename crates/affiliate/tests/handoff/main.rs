//! The handoff router over real HTTP, called the way the hub calls it.

mod helpers;
mod modes;
mod refusals;

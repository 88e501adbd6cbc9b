//! The hub over real HTTP, on a fresh database per test: SQLite by default,
//! PostgreSQL when `POSTSALE_TEST_POSTGRES` holds an admin URL (as
//! `cargo xtask test` sets it for its second run).

mod accept;
mod admin;
mod assets;
mod chains;
mod consent;
mod console;
mod customer_data;
mod durability;
mod fleet;
mod handoff;
mod health;
mod helpers;
mod incentives;
mod keys;
mod languages;
mod limits;
mod logs;
mod offers;
mod operate;
mod opportunities;
mod outbound;
mod paging;
mod points;
mod preview;
mod production;
mod promotions;
mod proxied;
mod quotes;
mod refunds;
mod replicas;
mod report;
mod sealing;
mod shipping;
mod stripe;
mod trust;
mod verify;

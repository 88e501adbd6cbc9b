-- One value sealed with the master key when the database is first opened:
-- a hub started with another key finds it does not open, and refuses to
-- start rather than fail on every secret.
CREATE TABLE seal_check (
    id TEXT PRIMARY KEY,
    sealed TEXT NOT NULL
);

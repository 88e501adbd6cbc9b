-- Every hub keeps what it read of the registry in memory. A registry write
-- bumps the one version row in its own transaction (its row lock puts the
-- writes of several hubs in order) and names the merchant it changed, or
-- '' for a change that can touch any merchant (roles, affiliations,
-- agreements, proven addresses, keys); each hub polls the version and
-- evicts what the changes name.
CREATE TABLE registry_version (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO registry_version (id, version) VALUES ('registry', 0);

CREATE TABLE registry_changes (
    version BIGINT PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    at BIGINT NOT NULL
);

-- An opportunity is its own showing: the statistics count opportunities,
-- and the event log keeps views, declines and accepts.
DELETE FROM events WHERE kind = 'shown';

-- The merchants' reports count a window of days on each side: showings by
-- affiliate or upseller and time, events by affiliate and time or by
-- their opportunity (an upseller's), items of orders by time (already
-- indexed by affiliate and by upseller; refunds are found by order).
CREATE INDEX opportunities_by_affiliate_time ON opportunities (affiliate_id, created_at);
CREATE INDEX opportunities_by_upseller_time ON opportunities (upseller_id, created_at);
CREATE INDEX events_by_affiliate_time ON events (affiliate_id, at);
CREATE INDEX events_by_opportunity ON events (opportunity_id);

-- Personal data in webhook bodies (the customer's name, e-mail and address)
-- is erased after the retention or on the affiliate's request; the row
-- stays, with when it was erased.
ALTER TABLE webhooks ADD COLUMN erased_at BIGINT;

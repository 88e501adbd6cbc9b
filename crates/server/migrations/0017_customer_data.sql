-- The customer data a merchant holds for its customers and can give the
-- hub's handoff call, as a JSON list of 'billing' (a payment method it can
-- charge) and 'shipping' (an address it ships to). Merchants registered
-- before the field existed hold both, as they were taken to before.
ALTER TABLE merchants ADD COLUMN customer_data TEXT NOT NULL DEFAULT '["billing","shipping"]';

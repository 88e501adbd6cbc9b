-- Where a shipped order goes: the address the affiliate passed with the
-- purchase (opportunities), and the one the customer confirmed in the hub's
-- frame for a direct_entry order (orders). Personal data: erased with the
-- customer's other data, and past the retention.
ALTER TABLE opportunities ADD COLUMN ship_to TEXT;
ALTER TABLE orders ADD COLUMN ship_to TEXT;

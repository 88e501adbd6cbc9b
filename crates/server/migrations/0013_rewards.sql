-- What the customer's thank-you reward did to an order: the amount off the
-- items, the shipping fee charged, and which incentive it was. The amount
-- charged stays `amount_minor`; these explain it to the upseller, the
-- affiliate and an auditor.
ALTER TABLE orders ADD COLUMN discount_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN shipping_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN incentive TEXT;

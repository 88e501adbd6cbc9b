-- The form an affiliate takes the hub's handoff call in: 'json' (the
-- default) or 'xml' (the same fields; the SDK reads and answers both).
ALTER TABLE merchants ADD COLUMN handoff_format TEXT NOT NULL DEFAULT 'json';

-- `POST /v1/opportunities/{id}/next` finds a stored follow-up by the
-- opportunity it follows.
CREATE INDEX opportunities_by_previous ON opportunities (previous_id);

-- The W3C traceparent a job was created under, and the one each piece of its work continues: the dispatches
-- (outbox rows) and the webhook deliveries of its ending. NULL where none was current.
ALTER TABLE jobs ADD COLUMN traceparent varchar(55);
ALTER TABLE outbox ADD COLUMN traceparent varchar(55);
ALTER TABLE webhook_deliveries ADD COLUMN traceparent varchar(55);

-- The W3C traceparent an attempt's dispatch arrived with: its training and its events continue that trace.
ALTER TABLE attempts ADD COLUMN traceparent varchar(55);

-- What the foreign key payment_events.payment_id -> payments.id guaranteed, without its per-row
-- check and lock, which weighed on the sync cycle's bulk apply (bench/README.md):
-- 1. every statement that writes events checks once, as a set, that each names a payment (the
--    LIMIT keeps it a primary-key probe per event, whatever plan the planner would otherwise pick
--    for a transition table whose size it cannot estimate; bench/README.md);
CREATE FUNCTION payment_events_name_a_payment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM written e WHERE NOT EXISTS (SELECT 1 FROM payments p WHERE p.id = e.payment_id LIMIT 1)) THEN
    RAISE EXCEPTION 'an event of payment_events names no payment' USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER payment_events_name_a_payment AFTER INSERT ON payment_events
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION payment_events_name_a_payment();--> statement-breakpoint
CREATE TRIGGER payment_events_name_a_payment_on_update AFTER UPDATE ON payment_events
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION payment_events_name_a_payment();--> statement-breakpoint
-- 2. payments are never deleted nor truncated (nothing a client sent is ever lost), so the payment
--    an event named when it was written exists for good. A bulk reset (the bench) disables this
--    trigger in its own transaction, as the table's owner.
CREATE FUNCTION payments_are_never_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'payments are never deleted' USING ERRCODE = 'restrict_violation';
END $$;--> statement-breakpoint
CREATE TRIGGER payments_are_never_deleted BEFORE DELETE OR TRUNCATE ON payments
  FOR EACH STATEMENT EXECUTE FUNCTION payments_are_never_deleted();

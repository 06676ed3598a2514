ALTER TABLE "webhook_attempts" DROP CONSTRAINT "webhook_attempts_delivery_id_webhook_deliveries_id_fk";
--> statement-breakpoint
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_endpoint_id_webhook_endpoints_id_fk";
--> statement-breakpoint
ALTER TABLE "webhook_state" ADD COLUMN "pass_xmin" bigint;--> statement-breakpoint
ALTER TABLE "webhook_state" ADD COLUMN "pass_after_id" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
-- What the two foreign keys (deliveries -> endpoints, attempts -> deliveries, both ON DELETE
-- CASCADE) did, without their per-row check and lock, which were a fifth of fan-out's and two
-- fifths of recording's database time (bench/README.md, webhooks):
-- 1. the statements that insert deliveries (fan-out, redelivery) or attempts (recording) first
--    lock the endpoints they involve FOR KEY SHARE, once per endpoint, and insert only for those
--    they locked: an endpoint is never deleted under them, and one deleted before has no rows;
-- 2. deleting an endpoint deletes its deliveries and attempts here (what the cascade did).
CREATE FUNCTION webhook_endpoint_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM webhook_attempts WHERE endpoint_id = OLD.id;
  DELETE FROM webhook_deliveries WHERE endpoint_id = OLD.id;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER webhook_endpoint_deleted AFTER DELETE ON webhook_endpoints
  FOR EACH ROW EXECUTE FUNCTION webhook_endpoint_deleted();

ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_event_id_payment_events_id_fk";
--> statement-breakpoint
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_payment_id_payments_id_fk";
--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "leased_until" timestamp with time zone;--> statement-breakpoint
-- Hand-written: room on each page for the lease's update to stay on its page (HOT: no index entry).
ALTER TABLE "webhook_deliveries" SET (fillfactor = 80);
CREATE TABLE "payment_attempts" (
	"payment_id" uuid NOT NULL,
	"attempt" integer NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"lease_until" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"outcome" text,
	"reason" text,
	"confirmation_id" text,
	"gateway_created_at" timestamp with time zone,
	"late" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "payment_attempts_payment_id_attempt_pk" PRIMARY KEY("payment_id","attempt")
);
--> statement-breakpoint
ALTER TABLE "gateway_orphans" ADD COLUMN "kind" text DEFAULT 'candidate' NOT NULL;--> statement-breakpoint
ALTER TABLE "gateway_orphans" ADD COLUMN "payment_id" uuid;--> statement-breakpoint
ALTER TABLE "gateway_orphans" ADD COLUMN "acknowledged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "gateway_orphans" ADD COLUMN "acknowledged_by" text;--> statement-breakpoint
ALTER TABLE "gateway_orphans" ADD COLUMN "acknowledge_reason" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "window_from_gw" bigint;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "window_until_gw" bigint;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "group_confirmation_ids" text[];--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "careful_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "careful_reason" text;--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "clock_offset_low_ms" bigint;--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "clock_offset_high_ms" bigint;--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "clock_alarm" text;--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "list_alarm" text;--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "foreign_watermark_gw" bigint;--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "max_entries" bigint;--> statement-breakpoint
ALTER TABLE "payment_attempts" ADD CONSTRAINT "payment_attempts_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "payment_attempts_ended_idx" ON "payment_attempts" USING btree ("ended_at");--> statement-breakpoint
CREATE INDEX "payment_attempts_unknown_idx" ON "payment_attempts" USING btree ("ended_at") WHERE "payment_attempts"."outcome" IN ('ambiguous', 'interrupted');--> statement-breakpoint
-- Hand-written below (drizzle-kit generates schema changes only): give payments already in
-- flight or unconfirmed what the new rules read, and seed the gateway clock's samples from
-- history, so this version judges them without waiting for new submissions.
INSERT INTO "sync_state" ("name") VALUES ('gateway') ON CONFLICT ("name") DO NOTHING;--> statement-breakpoint
-- Accepted submissions (received -> pending): created_at is before the request left us and
-- submitted_at after its answer, so with the gateway's created_at they bracket its clock.
INSERT INTO "payment_attempts" ("payment_id", "attempt", "started_at", "lease_until", "ended_at", "outcome", "confirmation_id", "gateway_created_at")
SELECT p.id, p.attempts, p.created_at, p.submitted_at, p.submitted_at, 'accepted', p.confirmation_id, p.gateway_created_at
FROM "payments" p
WHERE p.attempts > 0 AND p.submitted_at IS NOT NULL AND p.gateway_created_at IS NOT NULL AND p.confirmation_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM "payment_events" e WHERE e.payment_id = p.id AND e.from_status = 'received' AND e.to_status = 'pending')
ON CONFLICT DO NOTHING;--> statement-breakpoint
-- Attempts in flight: their lease is next_attempt_at, as before.
INSERT INTO "payment_attempts" ("payment_id", "attempt", "started_at", "lease_until")
SELECT id, attempts, attempt_started_at, COALESCE(next_attempt_at, attempt_started_at) FROM "payments"
WHERE status = 'received' AND attempt_started_at IS NOT NULL AND attempts > 0
ON CONFLICT DO NOTHING;--> statement-breakpoint
-- Unconfirmed: their window in our clock stays; the gateway-clock window is derived by the syncer.
INSERT INTO "payment_attempts" ("payment_id", "attempt", "started_at", "lease_until", "ended_at", "outcome", "reason")
SELECT id, attempts, unconfirmed_from, unconfirmed_until, unconfirmed_until, 'ambiguous', last_error FROM "payments"
WHERE status = 'unconfirmed' AND attempts > 0 AND unconfirmed_from IS NOT NULL AND unconfirmed_until IS NOT NULL
ON CONFLICT DO NOTHING;

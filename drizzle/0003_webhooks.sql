CREATE TABLE "webhook_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"delivery_id" bigint NOT NULL,
	"endpoint_id" uuid NOT NULL,
	"event_id" bigint NOT NULL,
	"attempt" integer NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"duration_ms" integer NOT NULL,
	"http_status" integer,
	"response_excerpt" text,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"endpoint_id" uuid NOT NULL,
	"event_id" bigint NOT NULL,
	"payment_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"give_up_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "webhook_endpoints" (
	"id" uuid PRIMARY KEY NOT NULL,
	"client_id" uuid NOT NULL,
	"url" text NOT NULL,
	"event_types" text[] NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"description" text,
	"secret" text NOT NULL,
	"previous_secret" text,
	"previous_secret_until" timestamp with time zone,
	"failing_since" timestamp with time zone,
	"disabled_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_state" (
	"name" text PRIMARY KEY NOT NULL,
	"fanned_xmin" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "payment_events" ADD COLUMN "seq" integer;--> statement-breakpoint
ALTER TABLE "payment_events" ADD COLUMN "snapshot" jsonb;--> statement-breakpoint
ALTER TABLE "payment_events" ADD COLUMN "txid" bigint DEFAULT pg_current_xact_id()::text::bigint NOT NULL;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "event_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_delivery_id_webhook_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."webhook_deliveries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_webhook_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."webhook_endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_event_id_payment_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."payment_events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_client_id_api_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."api_clients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhook_attempts_endpoint_idx" ON "webhook_attempts" USING btree ("endpoint_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_endpoint_event_key" ON "webhook_deliveries" USING btree ("endpoint_id","event_id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries" USING btree ("next_attempt_at") WHERE "webhook_deliveries"."state" = 'pending';--> statement-breakpoint
CREATE INDEX "webhook_deliveries_order_idx" ON "webhook_deliveries" USING btree ("endpoint_id","payment_id","seq") WHERE "webhook_deliveries"."state" = 'pending';--> statement-breakpoint
CREATE INDEX "webhook_endpoints_client_id_idx" ON "webhook_endpoints" USING btree ("client_id","id");--> statement-breakpoint
CREATE INDEX "payment_events_txid_idx" ON "payment_events" USING brin ("txid");--> statement-breakpoint
-- Hand-written: the status changes already recorded get their per-payment sequence, so a
-- payment's next change continues it; their snapshots are unknown (null), and the webhooks
-- start from the transactions after this one (webhook_state).
UPDATE "payment_events" e SET "seq" = n."seq"
FROM (SELECT "id", row_number() OVER (PARTITION BY "payment_id" ORDER BY "id")::int AS "seq" FROM "payment_events"
      WHERE "from_status" IS DISTINCT FROM "to_status") n
WHERE e."id" = n."id";--> statement-breakpoint
UPDATE "payments" p SET "event_seq" = m."seq"
FROM (SELECT "payment_id", max("seq") AS "seq" FROM "payment_events" GROUP BY "payment_id") m
WHERE p."id" = m."payment_id" AND m."seq" IS NOT NULL;--> statement-breakpoint
INSERT INTO "webhook_state" ("name", "fanned_xmin") VALUES ('webhooks', pg_snapshot_xmin(pg_current_snapshot())::text::bigint);--> statement-breakpoint
-- Checked once the history has its sequence: from now on no status change is written without one.
ALTER TABLE "payment_events" ADD CONSTRAINT "payment_events_change_has_seq" CHECK ("payment_events"."from_status" IS NOT DISTINCT FROM "payment_events"."to_status" OR "payment_events"."seq" IS NOT NULL);

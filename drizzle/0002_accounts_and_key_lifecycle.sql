CREATE TABLE "client_accounts" (
	"account" text PRIMARY KEY NOT NULL,
	"client_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "last_used_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payment_events" ADD COLUMN "actor" text;--> statement-breakpoint
ALTER TABLE "client_accounts" ADD CONSTRAINT "client_accounts_client_id_api_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."api_clients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "client_accounts_client_id_idx" ON "client_accounts" USING btree ("client_id");--> statement-breakpoint
-- Hand-written: clients keep sending from the accounts they already sent from (an upgrade
-- must not refuse a working integration). An account more than one client has used is left
-- out: an admin decides whose it is.
INSERT INTO "client_accounts" ("account", "client_id", "created_by")
SELECT "sender_account", min("client_id"::text)::uuid, 'migration' FROM "payments"
GROUP BY "sender_account" HAVING count(DISTINCT "client_id") = 1;

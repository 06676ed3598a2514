CREATE TABLE "gateway_orphans" (
	"confirmation_id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"gateway_created_at" timestamp with time zone NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "gateway_missing_since" timestamp with time zone;
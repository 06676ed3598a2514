-- The delivery log is read per endpoint, newest first: the key (endpoint_id, id) serves it, so
-- each attempt writes one index entry instead of two (the key on id and the log's index).
ALTER TABLE "webhook_attempts" DROP CONSTRAINT "webhook_attempts_pkey";--> statement-breakpoint
DROP INDEX "webhook_attempts_endpoint_idx";--> statement-breakpoint
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_pkey" PRIMARY KEY("endpoint_id","id");

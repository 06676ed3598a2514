CREATE TABLE "webhook_pieces" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"after_id" bigint NOT NULL,
	"last_id" bigint NOT NULL,
	"fanned_xmin" bigint NOT NULL,
	"pass_xmin" bigint NOT NULL,
	"endpoint_ids" uuid[] NOT NULL,
	"event_ids" bigint[] NOT NULL,
	"retry_for_ms" bigint NOT NULL,
	"leased_until" timestamp with time zone NOT NULL
);

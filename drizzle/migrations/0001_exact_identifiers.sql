-- Identifiers compare byte for byte (drizzle/schema.ts `exactId`). MySQL refuses to change the collation of a
-- column on either side of a foreign key while the key stands, so the keys that reference users.id are dropped,
-- both sides change, and the keys come back.
ALTER TABLE `payments` DROP FOREIGN KEY `payments_user_id_users_id_fk`;--> statement-breakpoint
ALTER TABLE `point_ledger` DROP FOREIGN KEY `point_ledger_user_id_users_id_fk`;--> statement-breakpoint
ALTER TABLE `reservations` DROP FOREIGN KEY `reservations_user_id_users_id_fk`;--> statement-breakpoint
ALTER TABLE `users` MODIFY COLUMN `id` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;--> statement-breakpoint
ALTER TABLE `payments` MODIFY COLUMN `user_id` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;--> statement-breakpoint
ALTER TABLE `point_ledger` MODIFY COLUMN `user_id` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;--> statement-breakpoint
ALTER TABLE `reservations` MODIFY COLUMN `user_id` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;--> statement-breakpoint
ALTER TABLE `reservations` MODIFY COLUMN `request_id` varchar(64) CHARACTER SET ascii COLLATE ascii_bin;--> statement-breakpoint
ALTER TABLE `idempotency_keys` MODIFY COLUMN `user_id` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;--> statement-breakpoint
ALTER TABLE `idempotency_keys` MODIFY COLUMN `idem_key` varchar(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL;--> statement-breakpoint
ALTER TABLE `queue_entries` MODIFY COLUMN `user_id` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;--> statement-breakpoint
ALTER TABLE `payments` ADD CONSTRAINT `payments_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `point_ledger` ADD CONSTRAINT `point_ledger_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `reservations` ADD CONSTRAINT `reservations_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;

-- The presale lane (admitted after VIP, before normal) in the durable queue log, and a draw's presale count.
ALTER TABLE `queue_entries` MODIFY COLUMN `lane` enum('vip','presale','normal') NOT NULL;--> statement-breakpoint
ALTER TABLE `queue_shuffles` ADD `presale_count` int DEFAULT 0 NOT NULL;
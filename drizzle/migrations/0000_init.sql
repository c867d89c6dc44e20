CREATE TABLE `concerts` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`title` varchar(200) NOT NULL,
	`venue_name` varchar(200) NOT NULL,
	`sale_state` enum('SCHEDULED','QUEUE_OPEN','ON_SALE','PAUSED','CLOSED') NOT NULL DEFAULT 'SCHEDULED',
	`sale_opens_at` datetime(3) NOT NULL,
	`sale_closes_at` datetime(3) NOT NULL,
	`admit_group_size` int,
	`admit_interval_seconds` int,
	`max_active` int,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `concerts_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`user_id` varchar(64) NOT NULL,
	`idem_key` varchar(128) NOT NULL,
	`request_hash` varchar(64) NOT NULL,
	`state` enum('IN_PROGRESS','DONE') NOT NULL DEFAULT 'IN_PROGRESS',
	`response_status` int,
	`response_body` json,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`expires_at` datetime(3) NOT NULL,
	CONSTRAINT `idempotency_keys_user_id_idem_key_pk` PRIMARY KEY(`user_id`,`idem_key`)
);
--> statement-breakpoint
CREATE TABLE `payments` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`reservation_id` bigint unsigned NOT NULL,
	`user_id` varchar(64) NOT NULL,
	`amount` bigint NOT NULL,
	`payment_method` enum('POINTS') NOT NULL DEFAULT 'POINTS',
	`status` enum('COMPLETED','REFUNDED') NOT NULL DEFAULT 'COMPLETED',
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`refunded_at` datetime(3),
	CONSTRAINT `payments_id` PRIMARY KEY(`id`),
	CONSTRAINT `payments_reservation` UNIQUE(`reservation_id`)
);
--> statement-breakpoint
CREATE TABLE `point_ledger` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`user_id` varchar(64) NOT NULL,
	`type` enum('CHARGE','PAYMENT','REFUND') NOT NULL,
	`amount` bigint NOT NULL,
	`balance_after` bigint NOT NULL,
	`reservation_id` bigint unsigned,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `point_ledger_id` PRIMARY KEY(`id`),
	CONSTRAINT `point_ledger_reservation_type` UNIQUE(`reservation_id`,`type`)
);
--> statement-breakpoint
CREATE TABLE `queue_entries` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`concert_id` bigint unsigned NOT NULL,
	`user_id` varchar(64) NOT NULL,
	`ticket` bigint NOT NULL,
	`lane` enum('vip','normal') NOT NULL,
	`entered_at` datetime(3) NOT NULL,
	`admitted_at` datetime(3),
	`claimed_at` datetime(3),
	`left_at` datetime(3),
	`left_reason` varchar(16),
	CONSTRAINT `queue_entries_id` PRIMARY KEY(`id`),
	CONSTRAINT `queue_entries_ticket` UNIQUE(`concert_id`,`ticket`)
);
--> statement-breakpoint
CREATE TABLE `queue_shuffles` (
	`concert_id` bigint unsigned NOT NULL,
	`seed` varchar(64) NOT NULL,
	`vip_count` int NOT NULL,
	`normal_count` int NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `queue_shuffles_concert_id` PRIMARY KEY(`concert_id`)
);
--> statement-breakpoint
CREATE TABLE `reservation_seats` (
	`reservation_id` bigint unsigned NOT NULL,
	`seat_id` bigint unsigned NOT NULL,
	`live_seat_id` bigint unsigned,
	`price` int NOT NULL,
	CONSTRAINT `reservation_seats_reservation_id_seat_id_pk` PRIMARY KEY(`reservation_id`,`seat_id`),
	CONSTRAINT `reservation_seats_live` UNIQUE(`live_seat_id`)
);
--> statement-breakpoint
CREATE TABLE `reservations` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`reservation_number` varchar(24) NOT NULL,
	`user_id` varchar(64) NOT NULL,
	`concert_id` bigint unsigned NOT NULL,
	`schedule_id` bigint unsigned NOT NULL,
	`status` enum('HELD','PAID','EXPIRED','CANCELLED','REFUNDED') NOT NULL DEFAULT 'HELD',
	`total_amount` bigint NOT NULL,
	`expires_at` datetime(3) NOT NULL,
	`extended` boolean NOT NULL DEFAULT false,
	`request_id` varchar(64),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`paid_at` datetime(3),
	`closed_at` datetime(3),
	CONSTRAINT `reservations_id` PRIMARY KEY(`id`),
	CONSTRAINT `reservations_number` UNIQUE(`reservation_number`),
	CONSTRAINT `reservations_request` UNIQUE(`request_id`)
);
--> statement-breakpoint
CREATE TABLE `schedules` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`concert_id` bigint unsigned NOT NULL,
	`starts_at` datetime(3) NOT NULL,
	`booking_open_at` datetime(3) NOT NULL,
	`booking_close_at` datetime(3) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `schedules_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `seats` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`schedule_id` bigint unsigned NOT NULL,
	`section` varchar(40) NOT NULL,
	`row_label` varchar(8) NOT NULL,
	`number` int NOT NULL,
	`grade` varchar(20) NOT NULL,
	`price` int NOT NULL,
	`status` enum('AVAILABLE','HELD','SOLD') NOT NULL DEFAULT 'AVAILABLE',
	`hold_id` bigint unsigned,
	`held_until` datetime(3),
	CONSTRAINT `seats_id` PRIMARY KEY(`id`),
	CONSTRAINT `seats_schedule_place` UNIQUE(`schedule_id`,`section`,`row_label`,`number`),
	CONSTRAINT `seats_price_non_negative` CHECK(price >= 0)
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` varchar(64) NOT NULL,
	`name` varchar(100) NOT NULL,
	`tier` enum('vip','normal') NOT NULL DEFAULT 'normal',
	`role` enum('admin','user') NOT NULL DEFAULT 'user',
	`balance` bigint NOT NULL DEFAULT 0,
	`total_charged` bigint NOT NULL DEFAULT 0,
	`total_used` bigint NOT NULL DEFAULT 0,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `users_id` PRIMARY KEY(`id`),
	CONSTRAINT `users_balance_non_negative` CHECK(balance >= 0)
);
--> statement-breakpoint
ALTER TABLE `payments` ADD CONSTRAINT `payments_reservation_id_reservations_id_fk` FOREIGN KEY (`reservation_id`) REFERENCES `reservations`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `payments` ADD CONSTRAINT `payments_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `point_ledger` ADD CONSTRAINT `point_ledger_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `queue_entries` ADD CONSTRAINT `queue_entries_concert_id_concerts_id_fk` FOREIGN KEY (`concert_id`) REFERENCES `concerts`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `queue_shuffles` ADD CONSTRAINT `queue_shuffles_concert_id_concerts_id_fk` FOREIGN KEY (`concert_id`) REFERENCES `concerts`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `reservation_seats` ADD CONSTRAINT `reservation_seats_reservation_id_reservations_id_fk` FOREIGN KEY (`reservation_id`) REFERENCES `reservations`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `reservation_seats` ADD CONSTRAINT `reservation_seats_seat_id_seats_id_fk` FOREIGN KEY (`seat_id`) REFERENCES `seats`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `reservations` ADD CONSTRAINT `reservations_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `reservations` ADD CONSTRAINT `reservations_concert_id_concerts_id_fk` FOREIGN KEY (`concert_id`) REFERENCES `concerts`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `reservations` ADD CONSTRAINT `reservations_schedule_id_schedules_id_fk` FOREIGN KEY (`schedule_id`) REFERENCES `schedules`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `schedules` ADD CONSTRAINT `schedules_concert_id_concerts_id_fk` FOREIGN KEY (`concert_id`) REFERENCES `concerts`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `seats` ADD CONSTRAINT `seats_schedule_id_schedules_id_fk` FOREIGN KEY (`schedule_id`) REFERENCES `schedules`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `idempotency_expires` ON `idempotency_keys` (`expires_at`);--> statement-breakpoint
CREATE INDEX `payments_user` ON `payments` (`user_id`,`id`);--> statement-breakpoint
CREATE INDEX `point_ledger_user` ON `point_ledger` (`user_id`,`id`);--> statement-breakpoint
CREATE INDEX `queue_entries_user` ON `queue_entries` (`concert_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `reservations_user_schedule` ON `reservations` (`user_id`,`schedule_id`,`status`);--> statement-breakpoint
CREATE INDEX `reservations_status_expires` ON `reservations` (`status`,`expires_at`);--> statement-breakpoint
CREATE INDEX `schedules_concert_starts` ON `schedules` (`concert_id`,`starts_at`);--> statement-breakpoint
CREATE INDEX `seats_schedule_status` ON `seats` (`schedule_id`,`status`);--> statement-breakpoint
CREATE INDEX `seats_hold` ON `seats` (`hold_id`);
-- Mail notifications to tenant admins (issue 7, docs/notifications.md). The
-- notifier tails audit_event by vendor_seq from a stored cursor, fans each
-- notify-flagged event of a tenant out to that tenant's confirmed admins
-- (notification_pending), and mails each admin one digest at most every
-- NOTIFY_BATCH_WINDOW_S (notification_recipient.last_sent_at). Admins opt out
-- with notification_recipient.enabled = false (no row: on).

CREATE TABLE notification_cursor (
  id          text PRIMARY KEY,
  vendor_seq  integer NOT NULL,
  updated_at  timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE notification_recipient (
  user_id       text PRIMARY KEY,
  enabled       boolean NOT NULL DEFAULT true,
  last_sent_at  timestamptz(3),
  updated_at    timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT notification_recipient_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_user (id) ON DELETE CASCADE ON UPDATE CASCADE
);

-- One event waiting for one admin's next digest. The event is named by its
-- vendor_seq, without a foreign key, like everything that points into the trail.
CREATE TABLE notification_pending (
  user_id     text NOT NULL,
  vendor_seq  integer NOT NULL,
  created_at  timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT notification_pending_pkey PRIMARY KEY (user_id, vendor_seq),
  CONSTRAINT notification_pending_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_user (id) ON DELETE CASCADE ON UPDATE CASCADE
);

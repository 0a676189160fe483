-- First logins (issue 21): a person given a one-time password (by an import, by a leader's
-- reset, or by a member created without one) must choose their own before anything else.
ALTER TABLE users ADD COLUMN password_change_required BOOLEAN NOT NULL DEFAULT FALSE;

-- What was done to a person's account by someone else: a password reset to a one-time
-- password, every session ended. Kept for the record; nothing reads it back into a decision.
CREATE TABLE account_events (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    -- NULL: the command line (tingke import, create-admin).
    actor_id TEXT REFERENCES users (id),
    kind TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX account_events_user_id ON account_events (user_id, created_at);

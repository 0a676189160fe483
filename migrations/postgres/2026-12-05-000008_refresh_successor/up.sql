-- The refresh token a used refresh token was exchanged for, sealed with the used token itself
-- (XOR with a hash of it): a retry of the same refresh within the grace period answers the same
-- successor instead of starting a second chain, and a database leak alone does not reveal it.
ALTER TABLE refresh_tokens ADD COLUMN successor TEXT;

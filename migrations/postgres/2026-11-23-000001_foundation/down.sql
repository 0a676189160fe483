DROP TABLE login_attempts;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE memberships;
DROP TABLE terms;
DROP TABLE schools;
DROP TABLE districts;
DROP TABLE users;

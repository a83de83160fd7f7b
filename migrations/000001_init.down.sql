DROP TABLE login_attempts;
DROP TABLE sessions;
DROP TABLE user_events;
DROP TABLE users;
DROP TABLE stations;

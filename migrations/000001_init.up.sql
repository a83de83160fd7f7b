-- Stations form a tree: headquarters → regional centre → outlet.
CREATE TABLE stations (
    id         bigserial PRIMARY KEY,
    code       text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9]{2,8}$'),
    name       text NOT NULL CHECK (name <> ''),
    kind       text NOT NULL CHECK (kind IN ('hq', 'centre', 'outlet')),
    parent_id  bigint REFERENCES stations(id),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'hq') = (parent_id IS NULL))
);

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    username      text NOT NULL CHECK (username ~ '^[a-z0-9_.-]{2,32}$'),
    display_name  text NOT NULL CHECK (display_name <> ''),
    role          text NOT NULL CHECK (role IN ('hotline', 'supervisor', 'technician', 'storekeeper', 'manager', 'admin')),
    station_id    bigint NOT NULL REFERENCES stations(id),
    password_hash text NOT NULL,
    language      text CHECK (language IN ('zh-Hans', 'en')),
    phone         text NOT NULL DEFAULT '',
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE INDEX users_station_role_idx ON users (station_id, role) WHERE active;

-- Who did what to user accounts (created, password reset, deactivated…).
CREATE TABLE user_events (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users(id),
    actor_id   bigint REFERENCES users(id),
    kind       text NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    data       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX user_events_user_idx ON user_events (user_id, at);

-- scs sessions (pgxstore), shared by every app process.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- Sign-in attempts, for throttling per account and per address.
CREATE TABLE login_attempts (
    id       bigserial PRIMARY KEY,
    username text NOT NULL,
    ip       text NOT NULL,
    ok       boolean NOT NULL,
    at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_username_idx ON login_attempts (lower(username), at) WHERE NOT ok;
CREATE INDEX login_attempts_ip_idx ON login_attempts (ip, at) WHERE NOT ok;

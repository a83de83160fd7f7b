DROP TABLE callback_attempts;

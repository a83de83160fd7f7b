DROP INDEX IF EXISTS parts_code_ci_key;

-- Part codes are unique ignoring letter case: CASEP1 and casep1 are one part.
CREATE UNIQUE INDEX parts_code_ci_key ON parts (lower(code));

DROP TABLE IF EXISTS proposal_events;
DROP TABLE IF EXISTS proposals;
DROP TABLE IF EXISTS proposal_counters;
DROP TABLE IF EXISTS proposal_award_levels;

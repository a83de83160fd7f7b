DROP TABLE loaner_events;
DROP TABLE loaner_loans;
DROP TABLE loaners;

DROP TABLE safety_attendance;
DROP TABLE safety_meetings;
DROP TABLE departure_checks;
DROP TABLE kit_lists;

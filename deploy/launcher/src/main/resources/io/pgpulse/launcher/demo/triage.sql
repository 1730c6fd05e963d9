/* pgpulse demo */
UPDATE security_events SET resolved = true, details = details || ' (reviewed)' WHERE id % 2 = 0;

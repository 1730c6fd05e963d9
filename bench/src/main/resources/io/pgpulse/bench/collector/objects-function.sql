-- Creates n tables in schema bench, each with a primary key and one more index (2 n indexes),
-- a few rows each, so that statistics exist for the bloat estimates.
CREATE OR REPLACE FUNCTION pgpulse_bench_objects(n int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  CREATE SCHEMA IF NOT EXISTS bench;
  FOR i IN 1..n LOOP
    EXECUTE format('CREATE TABLE bench.%I (id bigint PRIMARY KEY, a int, b text)', 't_' || i);
    EXECUTE format('CREATE INDEX %I ON bench.%I (a)', 't_' || i || '_a', 't_' || i);
    EXECUTE format('INSERT INTO bench.%I SELECT g, g %% 7, md5(g::text) FROM generate_series(1, 20) g', 't_' || i);
  END LOOP;
END
$$

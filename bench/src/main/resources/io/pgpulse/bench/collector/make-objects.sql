SELECT pgpulse_bench_objects(?)

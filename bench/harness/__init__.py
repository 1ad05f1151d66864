"""The shared harness of the benchmarks in ``bench/``: what every benchmark does the same way.

- ``env``: the isolated environment (``prepare_env``, ``cleanup_env``, ``migrate``, the database engine);
- ``server``: ``tongban serve`` started and stopped, one HTTP request, the server log;
- ``load``: the load generators (wrk, and the Python one: closed loop or open loop at a fixed rate) and the
  CPU time used per request;
- ``report``: machine context, summaries of runs, tables, aims, the JSON results;
- ``cli``: the shared command-line options, ``run_guarded`` and ``main``;
- ``child``: a step run in a child process with the environment's Django settings (``RESULT <json>``);
- ``inprocess``: instruments for that child (queries, COMMIT, round trips, WSGI calls, profiles);
- ``replay``: the SQL of one Django call captured and replayed through psycopg (the request's bound);
- ``pg``: PostgreSQL helpers for the data generators.

Each module imports only the standard library and the modules of this package before it; Django is imported
inside the functions that run in a child process.
"""

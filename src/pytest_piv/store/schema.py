"""The store's schema as an ordered list of forward migrations.

``PRAGMA user_version`` holds how many of them a database has applied. A migration is
never edited once released: append a new one instead.
"""

from __future__ import annotations

#: the tables a run starts from: a change to any of them moves the ledger's generation
_LEDGER_TABLES = ("tests", "proofs", "collection_reds", "files", "last_results", "test_digests")

MIGRATIONS: tuple[str, ...] = (
    # 1: the RGR evidence ledger
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started REAL NOT NULL,
        finished REAL,
        status TEXT NOT NULL,
        exit_code INTEGER,
        scope TEXT NOT NULL,
        scope_detail TEXT NOT NULL,
        tree_id TEXT NOT NULL,
        head TEXT,
        mode TEXT NOT NULL,
        policy TEXT NOT NULL,
        workers INTEGER NOT NULL DEFAULT 0,
        phase TEXT,
        headline TEXT,
        pid INTEGER,
        host TEXT
    );
    CREATE TABLE results (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        nodeid TEXT NOT NULL,
        outcome TEXT NOT NULL,
        verdict TEXT,
        red_kind TEXT,
        red_where TEXT,
        red_message TEXT,
        digest TEXT,
        PRIMARY KEY (run_id, nodeid)
    );
    CREATE INDEX results_by_node ON results(nodeid, run_id);
    CREATE TABLE tests (
        nodeid TEXT PRIMARY KEY,
        digest TEXT,
        outcome TEXT NOT NULL,
        red_kind TEXT,
        valid_red INTEGER NOT NULL,
        run_id INTEGER NOT NULL,
        red_run_id INTEGER,
        verdict TEXT
    );
    CREATE TABLE proofs (
        key TEXT NOT NULL,
        digest TEXT NOT NULL,
        how TEXT NOT NULL,
        run_id INTEGER,
        reason TEXT,
        PRIMARY KEY (key, digest)
    );
    CREATE TABLE collection_reds (
        func_key TEXT PRIMARY KEY,
        run_id INTEGER NOT NULL
    );
    CREATE TABLE files (
        path TEXT PRIMARY KEY,
        digest TEXT,
        role TEXT NOT NULL,
        since_run INTEGER NOT NULL,
        verified_digest TEXT
    );
    CREATE TABLE blobs (
        digest TEXT PRIMARY KEY,
        content BLOB NOT NULL
    );
    CREATE TABLE violations (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        nodeid TEXT,
        message TEXT NOT NULL
    );
    CREATE TABLE test_digests (
        file_digest TEXT NOT NULL,
        qualname TEXT NOT NULL,
        body TEXT NOT NULL,
        full TEXT NOT NULL,
        PRIMARY KEY (file_digest, qualname)
    );
    """,
    # 2: coverage.py's static analysis of source files, by content and parse settings
    """
    CREATE TABLE coverage_facts (
        digest TEXT NOT NULL,
        settings TEXT NOT NULL,
        lines TEXT NOT NULL,
        arcs TEXT,
        used INTEGER NOT NULL,
        PRIMARY KEY (digest, settings)
    ) WITHOUT ROWID;
    CREATE INDEX coverage_facts_by_use ON coverage_facts(used);
    """,
    # 3: benchmark runs, raw per-round samples, baselines and verdicts
    """
    CREATE TABLE bench_runs (
        id INTEGER PRIMARY KEY,
        started REAL NOT NULL,
        machine TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        source TEXT NOT NULL,
        parent INTEGER REFERENCES bench_runs(id),
        head TEXT,
        load_before REAL,
        load_after REAL
    );
    CREATE INDEX bench_runs_by_machine ON bench_runs(machine, id);
    CREATE TABLE bench_samples (
        run_id INTEGER NOT NULL REFERENCES bench_runs(id),
        name TEXT NOT NULL,
        iterations INTEGER NOT NULL,
        rounds INTEGER NOT NULL,
        times BLOB NOT NULL,
        PRIMARY KEY (run_id, name)
    );
    CREATE INDEX bench_samples_by_name ON bench_samples(name, run_id);
    CREATE TABLE bench_baselines (
        machine TEXT NOT NULL,
        name TEXT NOT NULL,
        run_id INTEGER NOT NULL REFERENCES bench_runs(id),
        saved REAL NOT NULL,
        PRIMARY KEY (machine, name, run_id)
    );
    CREATE TABLE bench_verdicts (
        run_id INTEGER NOT NULL REFERENCES bench_runs(id),
        name TEXT NOT NULL,
        verdict TEXT NOT NULL,
        threshold REAL NOT NULL,
        ratio REAL,
        low REAL,
        high REAL,
        base_min REAL,
        base_median REAL,
        base_rounds INTEGER,
        min REAL,
        median REAL,
        rounds INTEGER,
        reason TEXT NOT NULL,
        PRIMARY KEY (run_id, name)
    );
    """,
    # 4: results as changes. A run records a result row only for a test whose outcome,
    # verdict, red or digest differs from the test's last recorded row; the run keeps the
    # set of node ids it saw (content-addressed, shared by runs that saw the same set) and
    # the results rowid it read up to, so every run's full table can be rebuilt.
    """
    ALTER TABLE runs ADD COLUMN tests INTEGER;
    ALTER TABLE runs ADD COLUMN node_set TEXT;
    ALTER TABLE runs ADD COLUMN results_seq INTEGER;
    CREATE TABLE node_sets (
        digest TEXT PRIMARY KEY,
        nodeids BLOB NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE last_results (
        nodeid TEXT PRIMARY KEY,
        signature TEXT NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO last_results (nodeid, signature)
    SELECT nodeid, signature FROM (
        SELECT nodeid, outcome || char(31) || ifnull(verdict, '') || char(31)
            || ifnull(red_kind, '') || char(31) || ifnull(red_where, '') || char(31)
            || ifnull(red_message, '') || char(31) || ifnull(digest, '') AS signature,
            MAX(rowid)
        FROM results GROUP BY nodeid
    )
    """,
    # 5: the ledger's generation. Every change to a table a run starts from (tests,
    # proofs, collection_reds, files, last_results, test_digests) moves it, whoever
    # writes; a copy of those tables taken at one generation (the warm-start snapshot,
    # store/snapshot.py) is valid while the store is still at it. The store id tells
    # one store from another (a reset one, a copied one).
    """
    CREATE TABLE ledger_generation (
        only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
        store_id TEXT NOT NULL,
        number INTEGER NOT NULL
    );
    INSERT INTO ledger_generation (only_row, store_id, number)
    VALUES (1, lower(hex(randomblob(16))), 0);
"""
    + "".join(
        f"""
    CREATE TRIGGER {table}_{event.lower()}_moves_the_generation AFTER {event} ON {table}
    BEGIN
        UPDATE ledger_generation SET number = number + 1;
    END;
"""
        for table in _LEDGER_TABLES
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
    # 6: the generation's token, random anew at every change: two copies of one store
    # that each saw the same number of changes are still told apart, so the snapshot of
    # one never answers for the other
    """
    ALTER TABLE ledger_generation ADD COLUMN token TEXT NOT NULL DEFAULT '';
    UPDATE ledger_generation SET token = lower(hex(randomblob(8)));
"""
    + "".join(
        f"""
    DROP TRIGGER {table}_{event.lower()}_moves_the_generation;
    CREATE TRIGGER {table}_{event.lower()}_moves_the_generation AFTER {event} ON {table}
    BEGIN
        UPDATE ledger_generation SET number = number + 1, token = lower(hex(randomblob(8)));
    END;
"""
        for table in _LEDGER_TABLES
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
    # 7: memory-profiled runs (pytest --piv-profile=mem|both) and each test's peak and leak
    # in them, with the budget it was judged against and the verdict; import times
    # (piv profile imports) per machine, the later ones judged against the earlier
    """
    CREATE TABLE profile_runs (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        started REAL NOT NULL,
        mode TEXT NOT NULL,
        session_peak INTEGER,
        head TEXT
    );
    CREATE TABLE memory_peaks (
        run_id INTEGER NOT NULL REFERENCES profile_runs (id),
        nodeid TEXT NOT NULL,
        peak INTEGER NOT NULL,
        leaked INTEGER NOT NULL,
        limit_bytes INTEGER,
        verdict TEXT,
        PRIMARY KEY (run_id, nodeid)
    ) WITHOUT ROWID;
    CREATE INDEX memory_peaks_by_test ON memory_peaks (nodeid, run_id);
    CREATE TABLE import_times (
        id INTEGER PRIMARY KEY,
        recorded REAL NOT NULL,
        machine TEXT NOT NULL,
        module TEXT NOT NULL,
        seconds REAL NOT NULL,
        passed INTEGER NOT NULL
    );
    CREATE INDEX import_times_by_module ON import_times (machine, module, id);
    """,
    # 8: each test's reach: the source files it ran (newline-separated), the run that
    # recorded it and whether the test passed there (pytest --piv-rgr-reach, piv verify)
    """
    CREATE TABLE reach (
        nodeid TEXT PRIMARY KEY,
        run_id INTEGER NOT NULL,
        passed INTEGER NOT NULL,
        files TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)

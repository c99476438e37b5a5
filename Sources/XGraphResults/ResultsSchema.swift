import GRDB

/// The results index's SQLite schema. The index is derived from the store's action records and
/// can be thrown away at any time, so a version change drops everything and lets the next sync
/// refill it instead of migrating.
///
/// Layout (docs/results-schema.md explains each column):
/// - `runs`    one row per action record, keyed by the record's key (hex);
/// - `axes`    (key, axis, ord, value): the node's axis values, `ord` their order in the record;
/// - `params`  (key, name, value_json, value_num): parameters, nested objects flattened to dotted names;
/// - `metrics` (key, name, value): numeric metrics, nested objects flattened to dotted names;
/// - `record_files` (key, digest, size, mtime_ns, ctime_ns, inode, device): the SHA-256 of the
///   record file each run was made from, and the file's stat when it was read, so that a sync
///   reads only the records whose file changed;
/// - view `results`: one row per run with its node, step, commit and duration.
/// The schema version is `PRAGMA user_version`.
///
/// Version History:
/// * 1: first version.
/// * 2: adds `record_files`.
/// * 3: adds `runs.untracked_code` and `runs.build_id`, and `replaced_runs`, `replaced_axes`, `replaced_params`,
///   `replaced_metrics`: the same tables for the records re-runs replaced (`history/` in the
///   store), keyed `replaced:<file name>`, which only `results --all` shows. They are apart so
///   that a query over `runs` keeps meaning the store's current records.
enum ResultsSchema {
    static let version = 3

    /// The tables of runs, their axes, params and metrics, under `p` ("" for the store's
    /// records, "replaced_" for the records re-runs replaced).
    static func runTables(_ p: String) -> [String] {
        [
        """
        CREATE TABLE \(p)runs (
            key TEXT PRIMARY KEY NOT NULL,
            node TEXT NOT NULL,
            step TEXT NOT NULL,
            git_commit TEXT,
            branch TEXT,
            dirty INTEGER,
            diff_digest TEXT,
            xgraph_version TEXT NOT NULL,
            host TEXT NOT NULL,
            executor TEXT NOT NULL,
            gpu_model TEXT,
            gpu_ids TEXT NOT NULL,
            start TEXT NOT NULL,
            "end" TEXT NOT NULL,
            duration_s REAL NOT NULL,
            exit_status INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            output TEXT NOT NULL,
            untracked_code TEXT,
            build_id TEXT
        )
        """,
        "CREATE INDEX \(p)runs_node ON \(p)runs(node)",
        "CREATE INDEX \(p)runs_step ON \(p)runs(step)",
        "CREATE INDEX \(p)runs_commit ON \(p)runs(git_commit)",
        """
        CREATE TABLE \(p)axes (
            key TEXT NOT NULL REFERENCES \(p)runs(key) ON DELETE CASCADE,
            axis TEXT NOT NULL,
            ord INTEGER NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (key, axis)
        )
        """,
        "CREATE INDEX \(p)axes_axis_value ON \(p)axes(axis, value)",
        """
        CREATE TABLE \(p)params (
            key TEXT NOT NULL REFERENCES \(p)runs(key) ON DELETE CASCADE,
            name TEXT NOT NULL,
            value_json TEXT NOT NULL,
            value_num REAL,
            PRIMARY KEY (key, name)
        )
        """,
        """
        CREATE TABLE \(p)metrics (
            key TEXT NOT NULL REFERENCES \(p)runs(key) ON DELETE CASCADE,
            name TEXT NOT NULL,
            value REAL NOT NULL,
            PRIMARY KEY (key, name)
        )
        """,
        "CREATE INDEX \(p)metrics_name ON \(p)metrics(name)",
        ]
    }

    static let statements: [String] = runTables("") + [
        // No row: the run came from records in memory, and the next sync with the store reads
        // and decodes its record again. A row without a stat (NULLs): the run came from the
        // build that wrote the record, or its file had just changed; the next sync reads the
        // file and, if its bytes have this digest, only keeps the stat.
        """
        CREATE TABLE record_files (
            key TEXT PRIMARY KEY NOT NULL REFERENCES runs(key) ON DELETE CASCADE,
            digest TEXT NOT NULL,
            size INTEGER,
            mtime_ns INTEGER,
            ctime_ns INTEGER,
            inode INTEGER,
            device INTEGER
        )
        """,
        """
        CREATE VIEW results AS
            SELECT key, node, step, git_commit, branch, dirty, "end", duration_s FROM runs
        """,
    ]

    /// Creates the schema in an empty database, or drops an index of another version and
    /// recreates it empty, for the next sync to refill.
    static func prepare(_ db: Database) throws {
        let current = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if current == version { return }
        if current != 0 {
            try db.execute(sql: "DROP VIEW IF EXISTS results")
            for table in ["record_files", "metrics", "params", "axes", "runs",
                          "replaced_metrics", "replaced_params", "replaced_axes", "replaced_runs"] {
                try db.execute(sql: "DROP TABLE IF EXISTS \(table)")
            }
        }
        for statement in statements + runTables("replaced_") { try db.execute(sql: statement) }
        try db.execute(sql: "PRAGMA user_version = \(version)")
    }
}

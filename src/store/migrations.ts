/**
 * Numbered schema migrations, applied in order by both back ends (pg and PGlite run the same SQL).
 * Never edit a released migration: add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE sources (
  id            BIGSERIAL PRIMARY KEY,
  url           TEXT NOT NULL UNIQUE,
  status        TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','fetched','extracted','failed')),
  agency_hint   TEXT,
  year_hint     INTEGER,
  batch         TEXT,
  final_url     TEXT,
  attachment_url TEXT,
  http_status   INTEGER,
  content_type  TEXT,
  sha256        TEXT,
  bytes         BIGINT,
  blob_path     TEXT,
  error_stage   TEXT,
  error_code    TEXT,
  error_message TEXT,
  attempts      INTEGER NOT NULL DEFAULT 0,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  fetched_at    TIMESTAMPTZ,
  done_at       TIMESTAMPTZ
);
CREATE INDEX sources_status_idx ON sources (status);
CREATE INDEX sources_sha_idx ON sources (sha256);
CREATE INDEX sources_batch_idx ON sources (batch, status);
CREATE INDEX sources_done_idx ON sources (done_at);

CREATE TABLE documents (
  sha256       TEXT PRIMARY KEY,
  bytes        BIGINT NOT NULL,
  blob_path    TEXT NOT NULL,
  content_type TEXT,
  first_url    TEXT,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE extractions (
  id            BIGSERIAL PRIMARY KEY,
  sha256        TEXT NOT NULL,
  pipeline      TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('ok','flagged','failed')),
  agency        TEXT,
  year          INTEGER,
  template      TEXT,
  error_code    TEXT,
  error_message TEXT,
  source        JSONB NOT NULL,
  meta          JSONB NOT NULL,
  fields        JSONB NOT NULL,
  cells         JSONB NOT NULL,
  checks        JSONB NOT NULL,
  flags         JSONB NOT NULL,
  cross_flags   JSONB NOT NULL DEFAULT '[]'::jsonb,
  duration_ms   INTEGER,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (sha256, pipeline)
);
CREATE INDEX extractions_agency_year_idx ON extractions (agency, year);
CREATE INDEX extractions_status_idx ON extractions (pipeline, status);

CREATE TABLE reviews (
  id            BIGSERIAL PRIMARY KEY,
  extraction_id BIGINT NOT NULL REFERENCES extractions(id) ON DELETE CASCADE,
  field         TEXT,
  action        TEXT NOT NULL CHECK (action IN ('accept','correct','reject','comment')),
  value         DOUBLE PRECISION,
  reviewer      TEXT NOT NULL,
  note          TEXT,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX reviews_extraction_idx ON reviews (extraction_id);

CREATE TABLE audit_log (
  id        BIGSERIAL PRIMARY KEY,
  at        TIMESTAMPTZ NOT NULL DEFAULT now(),
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL,
  entity    TEXT NOT NULL,
  entity_id TEXT,
  detail    JSONB
);
CREATE INDEX audit_entity_idx ON audit_log (entity, entity_id);

CREATE TABLE cross_checks (
  id            BIGSERIAL PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('carry_over','duplicate')),
  agency        TEXT NOT NULL,
  extraction_a  BIGINT NOT NULL REFERENCES extractions(id) ON DELETE CASCADE,
  extraction_b  BIGINT NOT NULL REFERENCES extractions(id) ON DELETE CASCADE,
  year_a        INTEGER NOT NULL,
  year_b        INTEGER NOT NULL,
  ok            BOOLEAN NOT NULL,
  detail        TEXT NOT NULL,
  mismatches    JSONB NOT NULL DEFAULT '[]'::jsonb,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (kind, extraction_a, extraction_b)
);
CREATE INDEX cross_checks_a_idx ON cross_checks (extraction_a);
CREATE INDEX cross_checks_b_idx ON cross_checks (extraction_b);
`,
  },
  {
    version: 2,
    name: 'lz4 compression for extraction documents',
    // lz4 compresses the large JSONB columns (cells with provenance) at a fraction of pglz's CPU cost.
    // Servers built without lz4 (and PGlite) keep pglz: the block swallows the error.
    sql: `DO $$ BEGIN ALTER TABLE extractions ALTER COLUMN cells SET COMPRESSION lz4, ALTER COLUMN fields SET COMPRESSION lz4, ALTER COLUMN checks SET COMPRESSION lz4, ALTER COLUMN flags SET COMPRESSION lz4, ALTER COLUMN meta SET COMPRESSION lz4, ALTER COLUMN source SET COMPRESSION lz4, ALTER COLUMN cross_flags SET COMPRESSION lz4; EXCEPTION WHEN OTHERS THEN NULL; END $$`,
  },
  {
    version: 3,
    name: 'review state and review-queue indexes',
    // web_review_state: per reviewed extraction, the version checked on every write (optimistic
    // locking) and the current whole-report decision, so the review queue can filter by it.
    // IF NOT EXISTS: servers of the first release created these at start-up.
    sql: `
CREATE TABLE IF NOT EXISTS web_review_state (
  extraction_id BIGINT PRIMARY KEY REFERENCES extractions(id) ON DELETE CASCADE,
  version       INTEGER NOT NULL DEFAULT 0,
  decision      TEXT CHECK (decision IN ('approved','rejected')),
  updated_by    TEXT,
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS web_review_state_decision_idx ON web_review_state (decision, extraction_id);
CREATE INDEX IF NOT EXISTS extractions_web_queue_idx ON extractions ((CASE status WHEN 'flagged' THEN 0 WHEN 'failed' THEN 1 ELSE 2 END), id);
CREATE INDEX IF NOT EXISTS extractions_web_year_idx ON extractions (year, id);
CREATE INDEX IF NOT EXISTS extractions_web_template_idx ON extractions (template, id);
CREATE INDEX IF NOT EXISTS extractions_web_format_idx ON extractions ((source->>'format'), id);
CREATE INDEX IF NOT EXISTS extractions_web_flags_idx ON extractions USING gin (flags jsonb_path_ops);
CREATE INDEX IF NOT EXISTS extractions_web_sha_id_idx ON extractions (sha256, id);
`,
  },
  {
    version: 4,
    name: 'cells stored compressed',
    // The cells document (each field's provenance: 20–60 KB of JSON per report) goes to cells_z as
    // zlib-compressed JSON (src/store/prepare.ts, encodeJsonZ), written by the extraction thread. As JSONB,
    // PostgreSQL parsed and rebuilt it on every insert: most of a worker's database CPU per document.
    // Nothing queries inside it in SQL; the store reads whichever of the two columns a row has, so rows
    // written before this migration stay as they are (no table rewrite). The other JSONB columns, which
    // the review queue does query, are unchanged. The constraint (NOT VALID: old rows are not scanned)
    // keeps every new row holding one of them.
    sql: `
ALTER TABLE extractions ADD COLUMN IF NOT EXISTS cells_z BYTEA;
ALTER TABLE extractions ALTER COLUMN cells DROP NOT NULL;
ALTER TABLE extractions ADD CONSTRAINT extractions_cells_present CHECK (cells IS NOT NULL OR cells_z IS NOT NULL) NOT VALID;
`,
  },
  {
    version: 5,
    name: 'checks stored compressed, with their failed count',
    // The checks (every identity with its arithmetic spelled out: 15–20 KB of JSON per report) go to
    // checks_z, compressed like the cells (src/store/prepare.ts). The one thing SQL asked of them, how
    // many failed, is the column checks_failed (the review queue sorts and shows it for every row it
    // lists, which with JSONB meant reading and expanding each row's checks). Rows written before keep
    // their JSONB checks and a NULL count, and read the same (the queue counts those the old way).
    sql: `
ALTER TABLE extractions ADD COLUMN IF NOT EXISTS checks_z BYTEA;
ALTER TABLE extractions ADD COLUMN IF NOT EXISTS checks_failed INTEGER;
ALTER TABLE extractions ALTER COLUMN checks DROP NOT NULL;
ALTER TABLE extractions ADD CONSTRAINT extractions_checks_present CHECK (checks IS NOT NULL OR checks_z IS NOT NULL) NOT VALID;
`,
  },
  {
    version: 6,
    name: 'one duplicate flag on the first report; cross-check candidates by index; compressed documents stored as they are',
    // The first report of an agency and year now carries one duplicate_report flag (naming its earliest
    // copy; the review page lists them all from cross_checks) instead of one more with every copy
    // found, which rewrote an ever longer list with each. Rows written before lose the extra flags. The
    // candidates for the checks (the first report of each of three years) are found by (agency, year, id),
    // without reading and sorting every report of those years.
    // cells_z and checks_z hold zlib output: stored out of line as they are, without PostgreSQL trying to
    // compress them again.
    sql: `
ALTER TABLE extractions ALTER COLUMN cells_z SET STORAGE EXTERNAL, ALTER COLUMN checks_z SET STORAGE EXTERNAL;
CREATE INDEX IF NOT EXISTS extractions_agency_year_id_idx ON extractions (agency, year, id);
DROP INDEX IF EXISTS extractions_agency_year_idx;
UPDATE extractions e SET cross_flags = (
  SELECT COALESCE(jsonb_agg(t.f ORDER BY t.o), '[]'::jsonb) FROM jsonb_array_elements(e.cross_flags) WITH ORDINALITY AS t(f, o)
  WHERE t.f->>'code' <> 'duplicate_report'
    OR t.o = (SELECT u.o FROM jsonb_array_elements(e.cross_flags) WITH ORDINALITY AS u(f, o) WHERE u.f->>'code' = 'duplicate_report'
      ORDER BY (u.f->>'other')::bigint LIMIT 1))
WHERE (SELECT count(*) FROM jsonb_array_elements(e.cross_flags) AS v(f) WHERE v.f->>'code' = 'duplicate_report') > 1;
`,
  },
  {
    version: 7,
    name: 'store identity',
    // A random id made once, when the store is created: the queue keys of this store carry it, so two
    // stores that share one Redis (or a new store beside a Redis still holding an earlier store's jobs)
    // never take each other's jobs or collide on job ids (BullMQ ignores a job whose id exists).
    sql: `
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now());
INSERT INTO store_meta (key, value) VALUES ('store_id', substr(md5(random()::text || clock_timestamp()::text || pg_backend_pid()::text), 1, 12))
ON CONFLICT (key) DO NOTHING;
`,
  },
  {
    version: 8,
    name: 'report columns (discovery) and the sources they listed',
    // A column (栏目) is an agency's annual-report listing, crawled by the discover stage (src/discover).
    // Each listed report is a source tagged with its column (the first column that listed it) and the
    // title and date the listing gave it; the title's year is the source's year_hint. `skipped` keeps the
    // listed items that were not queued (not a report title, off-site), so nothing is dropped unseen.
    sql: `
CREATE TABLE IF NOT EXISTS columns (
  id            BIGSERIAL PRIMARY KEY,
  url           TEXT NOT NULL UNIQUE,
  status        TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','discovering','done','partial','failed')),
  batch         TEXT,
  runs          INTEGER NOT NULL DEFAULT 0,
  pages         INTEGER NOT NULL DEFAULT 0,
  listed        INTEGER NOT NULL DEFAULT 0,
  reports       INTEGER NOT NULL DEFAULT 0,
  new_reports   INTEGER NOT NULL DEFAULT 0,
  skipped       JSONB NOT NULL DEFAULT '[]'::jsonb,
  page_errors   JSONB NOT NULL DEFAULT '[]'::jsonb,
  error_code    TEXT,
  error_message TEXT,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  discovered_at TIMESTAMPTZ
);
ALTER TABLE sources ADD COLUMN IF NOT EXISTS column_id BIGINT REFERENCES columns(id) ON DELETE SET NULL;
ALTER TABLE sources ADD COLUMN IF NOT EXISTS listed_title TEXT;
ALTER TABLE sources ADD COLUMN IF NOT EXISTS listed_date TEXT;
CREATE INDEX IF NOT EXISTS sources_column_idx ON sources (column_id, status);
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

-- DropIndex
DROP INDEX "Run_searchTerms_idx";

-- CreateTable
CREATE TABLE "RunSearch" (
    "runId" UUID NOT NULL,
    "kind" SMALLINT NOT NULL,
    "terms" TEXT[],

    CONSTRAINT "RunSearch_pkey" PRIMARY KEY ("runId","kind")
);

-- CreateIndex
CREATE INDEX "RunSearch_terms_idx" ON "RunSearch" USING GIN ("terms");

-- The request's terms of every inserted run (ingest, re-runs, tests' fixtures) go to "RunSearch"
-- in one statement per INSERT (a statement trigger over the transition table: no per-row cost).
CREATE FUNCTION run_search_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "RunSearch" ("runId", kind, terms)
  SELECT n.id, 0, n."searchTerms" FROM new_runs n WHERE cardinality(n."searchTerms") > 0;
  RETURN NULL;
END
$$;
CREATE TRIGGER "Run_search_terms" AFTER INSERT ON "Run"
  REFERENCING NEW TABLE AS new_runs FOR EACH STATEMENT EXECUTE FUNCTION run_search_insert();

-- A deleted run (retention, a deleted pipeline or user: cascades fire it too) takes its terms along.
CREATE FUNCTION run_search_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "RunSearch" s USING old_runs o WHERE s."runId" = o.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER "Run_search_delete" AFTER DELETE ON "Run"
  REFERENCING OLD TABLE AS old_runs FOR EACH STATEMENT EXECUTE FUNCTION run_search_delete();

-- Existing runs: their terms (request and outputs, as stored so far) become kind 0.
INSERT INTO "RunSearch" ("runId", kind, terms)
SELECT id, 0, "searchTerms" FROM "Run" WHERE cardinality("searchTerms") > 0;

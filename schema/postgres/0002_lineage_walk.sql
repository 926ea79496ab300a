-- The transitive downstream walk (storage/postgres/pg_lineage_walk.cc) as one function, so a
-- lineage request is one round trip to the server instead of one per statement and window.
-- It gives the SQLite walk's answer (storage/sqlite/sqlite_lineage_walk.cc) by the same
-- method: breadth first over parent->child edges, 32 levels per statement, every reachable
-- version once at its nearest depth, a visited set across statements (so a cycle written
-- behind the store's back still ends the walk, and there is no depth bound), live versions
-- (sealed, not deleted) after the paging key (depth, id), in (depth, id) order, stopping once
-- p_limit are out. STABLE: every statement in it reads the caller's one snapshot.
--
-- Each step of the recursive statement looks its rows up through the indexes (LATERAL with
-- OFFSET 0 keeps the planner from turning the step into a hash join, whose hash table is
-- built again at every level over the whole edge table).
--
-- p_kind 'parent': starts from version p_number of model p_model (depth 0, not answered);
-- SQLSTATE P0002 (no_data_found) when it is not a sealed version. Other kinds: starts from
-- the versions carrying (p_kind, p_ref), at depth 1.
CREATE OR REPLACE FUNCTION mv_lineage_downstream(
    p_kind TEXT, p_ref TEXT, p_model TEXT, p_number BIGINT,
    p_after_depth INTEGER, p_after_id BIGINT, p_limit INTEGER)
  RETURNS TABLE (node_id BIGINT, node_depth INTEGER, model_name TEXT, version_number BIGINT,
                 version_stage TEXT)
  LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
  levels CONSTANT INTEGER := 32;
  frontier BIGINT[];
  next_frontier BIGINT[];
  fresh BIGINT[];
  seen JSONB := '{}';  -- visited row ids as keys: a lookup is a binary search
  base INTEGER;        -- the frontier's depth
  emitted INTEGER := 0;
  start_id BIGINT;
  start_state TEXT;
  r RECORD;
BEGIN
  IF p_kind = 'parent' THEN
    SELECT v.id, v.state INTO start_id, start_state
      FROM versions v JOIN models m ON m.id = v.model_id
     WHERE m.name = p_model AND v.number = p_number;
    IF start_id IS NULL OR start_state <> 'sealed' THEN
      RAISE EXCEPTION USING ERRCODE = 'no_data_found',
        MESSAGE = format('model ''%s'' has no sealed version %s', p_model, p_number);
    END IF;
    frontier := ARRAY[start_id];
    seen := jsonb_build_object(start_id::TEXT, 0);
    base := 0;
  ELSE
    SELECT COALESCE(array_agg(l.version_id ORDER BY l.version_id), '{}') INTO frontier
      FROM lineage_refs l WHERE l.kind = p_kind AND l.ref = p_ref;
    base := 1;
  END IF;

  WHILE cardinality(frontier) > 0 AND emitted < p_limit LOOP
    next_frontier := '{}';
    fresh := '{}';
    FOR r IN
      WITH RECURSIVE w(id, d) AS (
        SELECT f, 0 FROM unnest(frontier) AS f
        UNION
        SELECT c.child_id, w.d + 1
          FROM w CROSS JOIN LATERAL (
            SELECT p.child_id FROM version_parents p WHERE p.parent_id = w.id OFFSET 0) c
         WHERE w.d < levels)
      SELECT b.id, b.d, x.live, x.name, x.number, x.stage
        FROM (SELECT w.id, MIN(w.d) AS d FROM w GROUP BY w.id) b
        CROSS JOIN LATERAL (
          SELECT v.deleted_at IS NULL AND v.state = 'sealed' AS live, m.name, v.number, v.stage
            FROM versions v JOIN models m ON m.id = v.model_id
           WHERE v.id = b.id OFFSET 0) x
       ORDER BY b.d, b.id
    LOOP
      CONTINUE WHEN seen ? r.id::TEXT;
      fresh := fresh || r.id;
      IF r.d = levels THEN
        next_frontier := next_frontier || r.id;
      END IF;
      IF r.live AND (base + r.d, r.id) > (p_after_depth, p_after_id) THEN
        node_id := r.id;
        node_depth := base + r.d;
        model_name := r.name;
        version_number := r.number;
        version_stage := r.stage;
        RETURN NEXT;
        emitted := emitted + 1;
        EXIT WHEN emitted >= p_limit;
      END IF;
    END LOOP;
    seen := seen || COALESCE((SELECT jsonb_object_agg(f::TEXT, 0) FROM unnest(fresh) AS f), '{}');
    frontier := next_frontier;
    base := base + levels;
  END LOOP;
END
$fn$;

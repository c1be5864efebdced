-- T-SQL string functions for PostgreSQL, so the hybrid MDM document's query runs verbatim.
-- Loaded into schema public of the lab's cm_ec1 database by the superuser.
-- PUBLIC keeps PostgreSQL's default EXECUTE right on these functions: the read-only role needs it.

-- citext (shipped with Debian's postgresql-15 package) gives case-insensitive text.
CREATE EXTENSION IF NOT EXISTS citext SCHEMA public;

-- LEN(s): characters, not counting trailing blanks (U+0020 only; tabs and NBSP count). LEN(NULL) = NULL.
CREATE OR REPLACE FUNCTION public.len(s text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.length(pg_catalog.rtrim(s, ' ')) $$;

-- A T-SQL LIKE pattern (% _ [abc] [a-z] [^abc]) as a PostgreSQL regular expression (ARE).
-- A pattern that starts with % may match anywhere; otherwise it is anchored at the start (^).
-- A pattern that ends with % may stop anywhere; otherwise it is anchored at the end ($).
CREATE OR REPLACE FUNCTION public.tsql_like_to_regex(p text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
  n int := pg_catalog.length(p);
  i int := 1;
  close_at int;
  ch text;
  rx text := '';
  open_start boolean := n > 0 AND pg_catalog.substr(p, 1, 1) = '%';
  open_end boolean := n > 0 AND pg_catalog.substr(p, n, 1) = '%';
BEGIN
  IF open_start THEN i := 2; END IF;
  IF open_end THEN n := n - 1; END IF;
  WHILE i <= n LOOP
    ch := pg_catalog.substr(p, i, 1);
    IF ch = '%' THEN
      rx := rx || '.*';
    ELSIF ch = '_' THEN
      rx := rx || '.';
    ELSIF ch = '[' THEN
      close_at := pg_catalog.strpos(pg_catalog.substr(p, i + 1), ']');
      IF close_at = 0 THEN
        rx := rx || '\[';                       -- no closing bracket: a literal [
      ELSE                                      -- [..], [^..] and ranges mean the same in an ARE
        rx := rx || '[' || pg_catalog.replace(pg_catalog.substr(p, i + 1, close_at - 1), '\', '\\') || ']';
        i := i + close_at;
      END IF;
    ELSE
      rx := rx || pg_catalog.regexp_replace(ch, '([.^$*+?(){}|\\\[\]])', '\\\1', 'g');
    END IF;
    i := i + 1;
  END LOOP;
  RETURN CASE WHEN open_start THEN '' ELSE '^' END || rx || CASE WHEN open_end THEN '' ELSE '$' END;
END
$$;

-- PATINDEX(pattern, s): 1-based position of the first match, 0 when none, NULL when either is NULL.
-- Case-insensitive, like the site database's collation SQL_Latin1_General_CP1_CI_AS.
-- Not STRICT on purpose: a plain SQL function can then be inlined, and for a constant '%literal%'
-- pattern (the document's '%@%') the planner folds the CASE down to a strpos() call.
-- COLLATE "C" keeps the regex functions away from any nondeterministic collation of the column.
CREATE OR REPLACE FUNCTION public.patindex(pattern text, s text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE
    WHEN pattern IS NULL OR s IS NULL THEN NULL
    WHEN (pattern COLLATE "C") ~ '^%[^%_\[]+%$' THEN
      pg_catalog.strpos(pg_catalog.lower(s) COLLATE "C",
                        pg_catalog.lower(pg_catalog.substr(pattern, 2, pg_catalog.length(pattern) - 2)) COLLATE "C")
    ELSE
      pg_catalog.regexp_instr(s COLLATE "C", public.tsql_like_to_regex(pattern COLLATE "C"), 1, 1, 0, 'i')
  END
$$;

-- RIGHT(citext, n) stays citext. The built-in right(text, integer) would return text and make the
-- GROUP BY case-sensitive; this exact-type overload wins function resolution for citext arguments.
-- (A negative n returns all but the first |n| characters here, where T-SQL raises an error; the
-- document's query can never pass a negative length, since PATINDEX <= LEN.)
CREATE OR REPLACE FUNCTION public."right"(s public.citext, n integer) RETURNS public.citext
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog."right"(s::text, n)::public.citext $$;

#!/usr/bin/env bash
# The strongest peer on the same job: DuckDB's CLI converting an SSO export into the three import tasks (usage,
# roster, discovery) as gzipped NDJSON, with explicit column types (projection pushdown) and a temporary table
# so the export is read once.
#
# Adapted from the project's shared benchmark aids (shared/bench/peer-duckdb.sh, the Okta query, unchanged in
# substance); the Entra, Google and CSV queries were added here so that every source has a peer figure.
#
#   usage: peer-duckdb.sh [--source okta|entra|google|csv] INPUT OUTDIR      (default source: okta)
#
# Each query does what `ssoimport convert` does by default for that source, as far as SQL says it simply:
#   okta    user.authentication.sso with outcome SUCCESS; the app is the first AppInstance target.
#   entra   user sign-ins (interactive or not; not service principals or managed identities) with errorCode 0
#           and an email-shaped userPrincipalName; timestamps with 7 fractional digits and offsets.
#   google  each event of an activity: saml login_success (app = application_name) and token
#           authorize/activity (app = client_id, app_name).
#   csv     the generated sign-in CSV (ssoimport gen csv): mixed date shapes, rows of empty cells skipped.
# Needs the DuckDB CLI: `duckdb` on PATH, or the PyPI package duckdb-cli (installed here if missing).
set -euo pipefail
source=okta
if [[ ${1:-} == --source ]]; then
  source=$2
  shift 2
fi
in=$1 out=$2
mkdir -p "$out"
duck=$(command -v duckdb || true)
if [[ -z $duck ]]; then
  duck=$(python3 -c 'import duckdb_cli, os; print(os.path.join(os.path.dirname(duckdb_cli.__file__), "duckdb"))' 2>/dev/null || true)
fi
if [[ -z $duck || ! -x $duck ]]; then
  python3 -m pip install -q duckdb-cli >&2
  duck=$(python3 -c 'import duckdb_cli, os; print(os.path.join(os.path.dirname(duckdb_cli.__file__), "duckdb"))')
fi
ts="'%Y-%m-%dT%H:%M:%S.%gZ'"

# Each source fills `ev` (eventId, published TIMESTAMP in UTC, email, appId, appName, appLabel).
case $source in
okta)
  load="
CREATE TEMP TABLE ev AS
SELECT eventId, published, email, app.id AS appId, app.displayName AS appName, app.alternateId AS appLabel
FROM (
  SELECT uuid AS eventId, published, lower(trim(actor.alternateId)) AS email,
         list_filter(target, lambda t: t.type = 'AppInstance')[1] AS app
  FROM read_ndjson('$in', columns = {
    uuid: 'VARCHAR', published: 'TIMESTAMP', eventType: 'VARCHAR',
    actor: 'STRUCT(id VARCHAR, alternateId VARCHAR, displayName VARCHAR)',
    outcome: 'STRUCT(result VARCHAR)',
    target: 'STRUCT(id VARCHAR, \"type\" VARCHAR, alternateId VARCHAR, displayName VARCHAR)[]'})
  WHERE eventType = 'user.authentication.sso' AND outcome.result = 'SUCCESS')
WHERE app IS NOT NULL;"
  ;;
entra)
  load="
CREATE TEMP TABLE ev AS
SELECT id AS eventId, CAST(createdDateTime AS TIMESTAMPTZ)::TIMESTAMP AS published,
       lower(trim(userPrincipalName)) AS email, appId, appDisplayName AS appName, NULL::VARCHAR AS appLabel
FROM read_ndjson('$in', columns = {
  id: 'VARCHAR', createdDateTime: 'VARCHAR', userPrincipalName: 'VARCHAR', userId: 'VARCHAR',
  appId: 'VARCHAR', appDisplayName: 'VARCHAR', isInteractive: 'BOOLEAN', signInEventTypes: 'VARCHAR[]',
  status: 'STRUCT(errorCode BIGINT)'})
WHERE status.errorCode = 0
  AND coalesce(signInEventTypes[1] IN ('interactiveUser', 'nonInteractiveUser'), true)
  AND regexp_full_match(trim(userPrincipalName), '[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+');"
  ;;
google)
  load="
CREATE TEMP TABLE ev AS
SELECT CASE WHEN n > 1 THEN q || ':' || (i - 1) ELSE q END AS eventId,
       published, email,
       CASE WHEN app = 'saml' THEN param(e, 'application_name') ELSE coalesce(param(e, 'client_id'), param(e, 'app_name')) END AS appId,
       CASE WHEN app = 'saml' THEN param(e, 'application_name') ELSE param(e, 'app_name') END AS appName,
       NULL::VARCHAR AS appLabel
FROM (
  SELECT id.uniqueQualifier AS q, CAST(id.time AS TIMESTAMP) AS published, id.applicationName AS app,
         lower(trim(actor.email)) AS email, len(events) AS n,
         unnest(events) AS e, generate_subscripts(events, 1) AS i
  FROM read_ndjson('$in', columns = {
    id: 'STRUCT(\"time\" VARCHAR, uniqueQualifier VARCHAR, applicationName VARCHAR)',
    actor: 'STRUCT(email VARCHAR, profileId VARCHAR)',
    events: 'STRUCT(\"type\" VARCHAR, name VARCHAR, parameters STRUCT(name VARCHAR, \"value\" VARCHAR)[])[]'}))
WHERE (app = 'saml' AND e.name = 'login_success') OR (app = 'token' AND e.name IN ('authorize', 'activity'));"
  load="CREATE MACRO param(e, key) AS list_filter(e.parameters, lambda p: p.name = key)[1].value;
$load"
  ;;
csv)
  load="
CREATE TEMP TABLE ev AS
SELECT \"Event ID\" AS eventId,
       coalesce(
         try_cast(\"Login Date\" AS TIMESTAMPTZ)::TIMESTAMP,
         try_strptime(\"Login Date\", '%m/%d/%Y %I:%M:%S %p'),
         CASE WHEN regexp_full_match(\"Login Date\", '[0-9]{9,11}') THEN make_timestamp(CAST(\"Login Date\" AS BIGINT) * 1000000) END,
         CASE WHEN regexp_full_match(\"Login Date\", '[0-9]{12,14}') THEN make_timestamp(CAST(\"Login Date\" AS BIGINT) * 1000) END
       ) AS published,
       lower(trim(\"User Email\")) AS email, \"App ID\" AS appId, \"Application Name\" AS appName, NULL::VARCHAR AS appLabel
FROM read_csv('$in', header = true, delim = ',', quote = '\"', escape = '\"', all_varchar = true)
WHERE \"User Email\" IS NOT NULL;"
  ;;
*)
  echo "unknown source $source: expected okta, entra, google or csv" >&2
  exit 2
  ;;
esac

"$duck" -batch <<SQL
SET TimeZone = 'UTC';
$load
COPY (SELECT appName AS ssoAppName, appId AS appInstanceId, email AS uniqueId, email,
             strftime(published, $ts) AS occurredAt, eventId
      FROM ev)
  TO '$out/usage.jsonl.gz' (FORMAT JSON, COMPRESSION GZIP);
COPY (SELECT any_value(appName) AS ssoAppName, appId AS appInstanceId, email AS uniqueId, email,
             strftime(min(published), $ts) AS activatedAt, strftime(max(published), $ts) AS lastActivityAt
      FROM ev GROUP BY appId, email)
  TO '$out/roster.jsonl.gz' (FORMAT JSON, COMPRESSION GZIP);
COPY (SELECT any_value(appName) AS ssoAppName, any_value(appLabel) AS ssoAppDisplayName, appId AS appInstanceId
      FROM ev GROUP BY appId)
  TO '$out/discovery.jsonl.gz' (FORMAT JSON, COMPRESSION GZIP);
SQL

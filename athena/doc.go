// Package athena computes cfwatch's report with Amazon Athena, over the
// Glue table of the Parquet dataset (package dataset), for windows too
// large to read on one machine: the same report.Report as the local engine
// (package local, its peer; both implement report.Engine) — traffic
// picture, NextAuth endpoints, time series, comparison, findings and
// post-deploy checks — in the same formats.
//
//	c := &athena.Client{API: awsathena.NewFromConfig(cfg), WorkGroup: "primary", Database: "cfwatch"}
//	rep, err := athena.Run(ctx, c, report.Options{Window: w}, athena.Options{})
//	fmt.Printf("%.4f USD\n", c.Stats().CostUSD())
//
// # The API flow
//
// Client starts each statement (StartQueryExecution, in the workgroup, the
// database, and the output location when one is given), polls
// GetQueryExecution with a backoff (250 ms, one and a half times longer
// each time, at most 5 s apart), and pages GetQueryResults 1,000 rows at a
// time with NextToken, dropping the column names Athena sends as the first
// row. A FAILED or CANCELLED statement is a *QueryError with Athena's
// reason. When the context ends (Ctrl-C), running statements are stopped
// with StopQueryExecution. Stats adds up the data scanned, and CostUSD
// prices it at the list price in us-east-1, $5 per TB scanned, with
// Athena's 10 MB minimum per statement.
//
// # Four statements
//
// Run starts four statements, one after the other, and reads their
// results at the same time; when one fails, the others are stopped. Each
// reads only the partitions (distribution, day, hour) that may hold the
// window's records — the hours source.Window.MayHold allows, one hour of
// margin on each side — and filters request_time exactly:
//
//   - figures: one scan, three grouping sets: requests, bytes, first and
//     last request per status and result type; requests, 4xx, 5xx, cache
//     hits and misses per series interval; and, for the paths that may lie
//     under the NextAuth prefix, their requests per interval and per status
//     (detectors.ClassifyAuthPath then places them, as for the local engine).
//   - paths: requests and bytes per path and status, for the paths the
//     tables can show — the window's TopN by requests and by errors, with
//     16 to spare so that ties are settled in Go, exactly as the local
//     engine settles them — and, with a baseline, the paths whose error
//     rate moved by about a percent or more (report decides the rest).
//   - detect: the window's requests in the form the detectors need (below).
//   - layers: the window's failed requests (000, 4xx, 5xx) counted per
//     host, auth key (as in figures), API prefix, reason
//     (detectors.ReasonSQL, which reads the three result types and
//     fle-status in Classify's order), status and detailed result type
//     (else the result type, else "-", as the tally names it); report puts
//     them into the same detectors.LayerTally the local engine fills
//     (report.Figures.Failures), for failures_by_layer. It reads the
//     columns the attribution reads, cs_cookie and cs_uri_query among them
//     (a signed-URL credential), but only of the window's partitions.
//
// The baseline's figures come from the same statements: each record is
// joined with the periods it falls in, so a record in both (a baseline
// shorter than the window) counts in both, as locally.
//
// # Findings: the real detectors, fed aggregates
//
// The rules keep state that SQL would have to copy rule by rule: 5-minute
// buckets judged in runs of up to an hour, baselines, folding under
// api-origin-forbidden, distinct clients, the first request IDs and paths
// of each burst. A second implementation would drift from the first. So
// the detect statement does not compute findings: it returns the requests
// in a form the real detectors.Engine consumes, and Run replays them into
// one, which then writes the findings and checks, causes and remedies
// included. Two kinds of rows:
//
//   - every request that may fail a rule, or that the rules follow one by
//     one, as it was logged, with the fields the rules and the layer
//     attribution (detectors.Classify) read (time, host, path, method,
//     status, the three result types — x-edge-result-type,
//     x-edge-response-result-type, x-edge-detailed-result-type — and
//     fle-status, protocol, time-to-first-byte class (absent, zero, up to
//     1 ms, positive, from detectors.OriginReadTimeoutTTFB, negative),
//     content type and length, request size (cs-bytes), cookie and query
//     with their values redacted, request ID, client IP): a refused
//     method
//     (InvalidRequestMethod), a 5xx or Origin*Error, a 4xx on an API path
//     (but 401 and 404 unless OPTIONS), and on the NextAuth prefix a cache
//     hit, plain http, or the *.cloudfront.net host name; an API or auth
//     request of warn_bytes or more, or refused for its headers' size
//     (auth-cookie-oversize);
//   - every other request, counted per detector bucket, distribution,
//     host, distribution domain, path class, method, status, content-type
//     class (JSON, HTML or other) and cookie class, and replayed as that many requests with those
//     values. For such requests the rules read nothing else: which series
//     count them (the NextAuth endpoint, the API prefix and its
//     "<prefix>/<segment>" origin-errors group, or the default behavior),
//     the method and status (the checks), whether the answer is JSON (the
//     callback check), and whether the host's requests carry cookies and
//     NextAuth's. Static paths are counted under one path that is no page
//     ("/cfwatch.static"), except the paths CloudFront refused a method on
//     (method-rejected's candidate pages): for those the path, method and
//     status are kept, and the client of successful GET/HEAD requests for
//     their first page_min_clients distinct clients, which is all the rule
//     reads to tell a page many visitors load. On the NextAuth prefix,
//     where auth-cookie-oversize keeps every request's size (a histogram
//     of 512-byte bins) and the session token's chunks per hour, the
//     counts are split further by size bin and chunk count (computed in
//     SQL as detectors.SessionChunks counts them) and replayed with the
//     bin's largest size and a cookie of as many chunks, and, when the
//     detectors' window does not divide an hour, at the hour too: the
//     rule's histogram, maximum and chunks come out as the local engine's.
//
// The detect statement leaves out the requests of ignore_paths, matching
// the patterns with LIKE on the path the detectors would see (the decoded
// one when the path has a %-escape); the paths only the detectors can
// normalise are marked and tested by the replay, with an Engine of the
// same settings, so that the Engine replayed into need not test any path
// (its bulk rows stand for other paths).
//
// The SQL classifies paths as the detectors do (Engine.classify): prefix
// matching, a %-escaped path by its decoded form (cs_uri_stem_decoded,
// which is logparse.Decode's), and a path with "//" or a dot segment as
// static unless its second byte may start a prefix. Paths only the
// detectors' own normalisation can place (a dot segment or "//" left after
// decoding, "%" left after decoding) are passed as logged, and the
// detectors place them. The cookie class is the detectors' NextAuth-cookie
// test written as a regular expression; a cookie header with an encoded
// separator, which the detectors decode first, is passed as logged.
//
// Rows are replayed bucket by bucket (hour by hour within a bucket that
// spans two, when auth-cookie-oversize splits its counts there), counts
// first, then the requests one by one in file order ("$path"). How a bucket is judged does not depend on
// the order of its requests as long as none arrives more than the
// detectors' reorder window (90 minutes) behind the newest; what does
// depend on it is which requests a finding names as examples (the first
// five of each bucket) and which paths it lists (the first four of each
// bucket): file order is the order the local engine reads them in.
//
// A month of 3.08 million requests (internal/datasettest.Month) gives 148
// thousand detect rows — one per request that may fail a rule, and the
// auth prefix's counts per size step and session-token chunks — plus a
// few hundred for the figures, paths and layers: about 150 GetQueryResults
// calls (go test ./athena -run '^$' -bench MonthSQL -benchtime 1x). The
// four statements read about 26, 15, 31 and 224 MB of its Parquet (the
// columns each names; the request IDs, needed for the examples, are 185
// MB of that): about $0.0015 at list price.
//
// # What differs from the local engine
//
// On the same dataset, the tests (DuckDB 1.4 running these statements)
// find the reports identical, byte for byte, findings' clients, paths,
// examples, causes and evidence included, for whole days, parts of hours,
// baselines that overlap the window, other detector settings, and traffic
// made of every path, status and cookie case the rules tell apart. What
// can differ, by design:
//
//   - Examples. Athena has no row number within a file, so the failing
//     requests of one file are replayed by time, then request ID. Where a
//     file holds several failing requests of the same bucket logged in the
//     same millisecond (legacy logs have whole seconds), a finding may name
//     other requests of the same burst as its examples (and, past four
//     distinct failing paths in a bucket, list others). Counts, clients,
//     causes and evidence do not change. DuckDB, which has
//     file_row_number, reproduces the local examples exactly; this is the
//     Dialect's last difference.
//   - Late records. The local engine reads files in name order, and a
//     record more than the reorder window behind the newest record of its
//     series counts only in the checks (detectors.Stats.Late). The replay
//     is in time order, so no record is late: a dataset whose files mix
//     records hours apart may give slightly larger counts here.
//   - Caps. The detectors track at most 64 hosts, 32 path groups per host,
//     10,000 clients per finding and 1,024 page-like static paths per host
//     (method-rejected), and the traffic summary 20,000 paths and 32 result
//     types, the first ones met. Past a cap, the ones kept may differ (time
//     order here, file order locally; here only the candidate pages take
//     a place). The path tables here rank every path: no "(other paths)"
//     row. Likewise failures_by_layer keeps 1,000 (host, group) pairs and
//     8 detailed result types per row, the first met: past those, the
//     layers statement's order (host, then path) decides which are kept
//     here, file order locally.
//   - Refused methods on a path that only the detectors' normalisation
//     turns into a page ("/api/../contact"), while the page's own loads are
//     logged plainly: the replay counts the refusals but not the page's
//     loaders.
//   - Input. Athena reads the table, not files: Input.Engine is "athena",
//     Files, Bytes and SkippedLines are 0, Records counts the requests of
//     the window and baseline, Queries and DataScannedBytes say what the
//     statements read.
//
// Like the local engine over the dataset, both differ from the local engine
// over the raw logs only where the dataset's redaction removed what a rule
// reads: a cookie pair without "=" loses its name with its value, and a
// cookie name hidden behind an encoded separator inside another cookie's
// value ("a=1%3Bnext-auth.x=2") is gone with that value.
//
// # SQL dialect
//
// The statements use what Athena (Trino) and DuckDB share — date_diff,
// strpos, substr, split_part, grouping sets, window functions, a VALUES
// join — so the tests run them on DuckDB over a view that declares the
// table as Glue does. Dialect changes three things only: regexp_like
// (Trino) or regexp_matches (DuckDB), array_max(transform(…)) (Trino) or
// list_max(list_transform(…)) (DuckDB), and file_row_number (DuckDB only).
package athena

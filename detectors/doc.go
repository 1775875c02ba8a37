// Package detectors finds, in a stream of CloudFront access log records, the
// failures that break sign-in on Next.js / NextAuth sites behind CloudFront,
// and evaluates the seed's post-deploy checks.
//
// # Use
//
//	eng, err := detectors.New(detectors.DefaultConfig()) // err: an invalid Config
//	for each record { eng.Observe(&rec, distFromObjectKey) }
//	findings := eng.Findings() // most severe first
//	checks := eng.Checks()
//
// The Engine keeps bounded state, so it behaves the same on one small log
// file (a Lambda invocation) and on a 24-hour report; Findings and Checks can
// be called at any time and do not disturb it.
//
// # Rules
//
// Each rule ID is a public contract. Group is the endpoint group a finding
// is about; the denominator is what its count is judged against.
//
//	rule                     severity  fires on (group; denominator)
//	auth-cache-hit           critical  /api/auth/* answered from CloudFront's cache: Hit,
//	                                   RefreshHit, OriginShieldHit (/api/auth/*; auth requests) ⑤
//	auth-403-burst           critical  403 bursts on callback/*, session, csrf, signin/*, signout
//	                                   for GET/POST, not edge InvalidRequestMethod, well above the
//	                                   endpoint's baseline (per endpoint; its requests) ①③
//	method-rejected          critical  POST, PUT, PATCH, DELETE or OPTIONS refused by CloudFront
//	                                   itself, 403 InvalidRequestMethod: on an API or the auth
//	                                   prefix any one (/api/*; non-GET/HEAD requests) ②; on the
//	                                   default behavior only on pages of the site, from several
//	                                   clients (/*; requests to these pages)
//	cors-preflight-rejected  warning   OPTIONS on API paths answered 4xx by the origin
//	                                   (/api/*; preflight requests) ⑥
//	auth-cookie-missing      warning   callback/session GET/POST failing (4xx other than 401/404)
//	                                   without any NextAuth cookie, only when the host's log has
//	                                   cookies and NextAuth's appear elsewhere (per endpoint) ①③
//	auth-insecure-scheme     warning   auth requests answered over plain http (not CloudFront's
//	                                   redirect), or NextAuth used through the *.cloudfront.net
//	                                   name while the custom domain serves it too (/api/auth/*) ④
//	api-origin-forbidden     critical  most API requests, auth and non-auth alike, get 403 from
//	                                   the origin (real time-to-first-byte, JSON or no body): the
//	                                   viewer Host header reaching API Gateway / a Lambda URL
//	                                   (/api/*; API requests other than OPTIONS) seed 001
//	origin-errors            warning,  5xx and Origin*Error per path group: /api/auth/*,
//	                         critical  /api/<segment>, /* (static); critical from
//	                                   OriginErrors.CriticalRate; not edge-compute failures;
//	                                   the cause tells read timeouts, connection, DNS and
//	                                   invalid-response failures apart (group; its requests)
//	api-routed-to-static-origin critical  API requests, NextAuth's included, answered by S3: XML
//	                                   error documents (400/403/404 application/xml, also from
//	                                   the error cache) on paths without a file extension, from
//	                                   at least 10 clients or on NextAuth's endpoints; the default
//	                                   behavior serves /api/* (/api/*; API requests); takes in
//	                                   method-rejected and the auth bursts
//	post-signature-rejected  critical  POST, PUT, PATCH answered 403 by the origin (not
//	                                   InvalidRequestMethod, not a configured refusal, not S3)
//	                                   on sign-in, sign-out or the API as much as on callbacks,
//	                                   while fewer than a tenth of the GET/HEAD of the paths also
//	                                   written to (the API, callback, signin, signout) get 403:
//	                                   OAC before a Lambda URL (/api/*; POST, PUT, PATCH)
//	auth-html-response       critical  session, csrf, providers answered 2xx text/html by the
//	                                   origin or the cache: custom error responses serving the
//	                                   SPA's index.html (/api/auth/*; their requests)
//	edge-function-error      critical, Lambda@Edge (Lambda*Error, LambdaLimitExceeded) or
//	                         warning   CloudFront Functions (FunctionExecutionError,
//	                                   FunctionThrottledError) failing or throttled, in any of
//	                                   the three result types; critical on an API behavior,
//	                                   the auth prefix included (/api/* or /*; its requests)
//	edge-refusals-on-auth    warning   geo, AWS WAF (generic Error, origin not asked) or
//	                                   signed-URL refusals on NextAuth's endpoints, over a
//	                                   span at least BaselineFactor (4) times the host's rate
//	                                   around it (or 27% of the span without one), from MinClients (20) clients
//	                                   (/api/auth/*; requests to NextAuth's endpoints)
//	auth-cookie-oversize     warning,  API requests of 12,000 bytes or more (cs-bytes), or
//	                         critical  refused for their headers' size (431, 494, 400/413
//	                                   over 8 KiB): NextAuth's session cookie growing towards
//	                                   CloudFront's 20 KB header limit, whose refusals are
//	                                   not logged; critical from 16,000 bytes or on a refusal;
//	                                   evidence: auth requests' cs-bytes p95 and max, session
//	                                   token chunks in the first and last hour (/api/*; API
//	                                   requests)
//
// On the default (static) behavior, a refused method is normally a scanner
// (POST /xmlrpc.php) and the behavior doing its job: method-rejected counts
// it only on a page of the site, a path without extension (or .html) that
// at least MethodRejected.PageMinClients (10) distinct clients load with a
// successful GET or HEAD; a page fires at StaticMinCount (10) refusals
// from StaticMinClients (5) distinct clients that are at least
// StaticMinRate (0.1%) of its requests, counted over the whole input (see
// MethodRejectedThreshold); the host's finding merges its pages. Its remedy never opens the static
// behavior to POST: a behavior like /api/* for what the app serves, or
// ignore_paths for what it does not.
//
// The *.cloudfront.net part of auth-insecure-scheme is counted over the
// whole input: it needs at least MinCount such NextAuth requests, MinRate of
// the distribution's, and NextAuth traffic on the custom domain too; it is
// reported for the custom domain, merged with its plain-http finding.
//
// # One cause, one finding
//
// Findings of one host that share their failing requests or their cause and
// fix fold into one (fold.go); what was folded is the finding's Related
// evidence, per rule and endpoint group, and its key stays its own.
// Absorbed: a rule's absorbs list names the rules whose bursts on the same
// host, overlapping its own in time, it takes in (Evidence "folded_<rule>"):
// api-origin-forbidden takes in auth-403-burst, auth-cookie-missing and
// cors-preflight-rejected; api-routed-to-static-origin takes in
// auth-403-burst, auth-cookie-missing and method-rejected (S3's 403s and the
// default behavior's refused POSTs); post-signature-rejected takes in
// auth-403-burst and auth-cookie-missing (the refused NextAuth POSTs);
// auth-403-burst takes in auth-cookie-missing (the same 403s, its cause
// says they carried no NextAuth cookie). Same
// fix: findings of the same host, distribution and rule with the same
// Remedy fold into the most severe, then largest (origin-errors of several
// path groups when the origin cannot be reached).
//
// Refusals the owner configures (geo restriction, AWS WAF, signed URLs:
// Reason.Configured) are not NextAuth's: auth-403-burst,
// auth-cookie-missing and cors-preflight-rejected leave them out, and
// edge-refusals-on-auth reports them only when they rise well above the
// host's rate around them. Lambda@Edge and CloudFront Functions failures
// are edge-function-error's, not origin-errors'.
//
// The auth-403-burst cause tells the likely causes apart: with cookie logging
// on, failing requests that carry NextAuth cookies mean CloudFront does not
// forward them (origin request policy AllViewer, or AllViewerExceptHostHeader
// for API Gateway / Lambda URL origins); failing requests without them mean
// the browser does not keep them (NEXTAUTH_URL, Secure/SameSite, third-party
// cookie blocking). Failing callbacks with code/state in the query point at
// query strings not being forwarded. Without cookie logging both remain
// possible and the remedy lists both, forwarding first.
//
// Remedies name managed policies by name and ID: CachingDisabled
// 4135ea2d-6df8-44a3-9df3-4b5a84be39ad, AllViewer
// 216adef6-5c7f-47e4-b989-5492eafa07d3, AllViewerExceptHostHeader
// b689b0a8-53d0-40ab-baf2-68738e2966ac.
//
// # Bursts, windows and thresholds
//
// Requests are counted per rule and group in buckets of Config.Window (5
// minutes) of record time. A burst is found in a run of consecutive buckets,
// at most Config.Lookback (1 hour) long and starting with a bucket that has
// failures, whose failures reach the rule's MinCount and MinRate of the
// run's requests; the buckets of that run that fail at MinRate themselves
// make the burst (the others are the endpoint's normal volume). A busy site
// is judged bucket by bucket; a modest one (2,000 requests an hour, about
// ten OAuth callbacks) over up to an hour, so it is still caught, while one
// or two stray errors never reach MinCount. A finding's count and
// denominator are the failures and requests of its burst buckets ("412 of
// 1,530 callback requests"); each finding merges all bursts of its key over
// the input, first_seen and last_seen spanning them. auth-403-burst bursts
// must also fail BaselineFactor (5) times more often than the endpoint does
// outside bursts, when that baseline covers at least BaselineMinRequests
// (200) requests. The defaults and the reason for each are documented on
// Config's fields.
//
// # Keys
//
// Finding.Key is "rule|distribution|host|group", e.g.
// "auth-403-burst|E2QWRUHEXAMPLE|app.example.com|/api/auth/callback/*". The
// distribution is the record's DistributionId field, else the dist argument
// of Observe (from the object key), else empty. The host is x-host-header,
// else cs(Host). Later runs over overlapping input produce the same keys.
//
// # Paths
//
// Paths are matched after normalisation, done only when a path has a
// %-escape or, under an API prefix or starting with "//" or "/.", a "//" or
// dot segment: logparse.Decode (twice for double encoding), "//" collapsed,
// "." and ".." resolved, a ".." at the root staying there as the origin
// resolves it ("/../api/auth/session" is the session endpoint). A path that
// leaves the auth prefix ("/api/auth/../../etc/passwd",
// "/api/auth/%2e%2e/...") is not a NextAuth endpoint. ClassifyAuthPath is
// this classification for the report and the Athena engine.
// Config.AuthPrefix (default /api/auth) and Config.APIPrefixes (default
// /api) change where NextAuth and the API live.
//
// # Bounded memory and order
//
// Per (distribution, host) — at most MaxHosts, further ones pooled under the
// host "*" — and per rule and group — origin-errors groups at most
// MaxPathGroups per host — the Engine keeps a ring of
// (Lookback+Reorder)/Window buckets and a bounded summary of what left the
// ring (at most 32 bursts, 5 examples, 10 paths, MaxClients clients).
// Records may arrive out of order by up to Config.Reorder (90 minutes:
// CloudFront's files of one hour overlap); later ones are counted only by
// the checks (Stats.Late). The same records in the same order give the same
// findings.
//
// # Checks
//
// Checks evaluates, over everything observed: csrf-ok (GET /api/auth/csrf
// answers 200), session-ok (GET /api/auth/session answers 200/204, never
// 403), callback-redirects (/api/auth/callback/* answers 302, or 200 JSON to
// a credentials POST; a 401 for wrong credentials counts for neither side),
// auth-never-cached (no /api/auth/* request is a cache hit). A status check
// fails with at least Checks.MinFailures (5) failures that are more than
// Checks.MaxFailureRate (2%) of its requests, or when the endpoint failed and
// never succeeded; isolated failures pass and are reported in the evidence.
// auth-never-cached fails on a single hit, which a behavior with caching
// disabled never produces. A check with no requests is no-data.
//
// # Adding a rule
//
// A rule is one value of type rule in one file, rule_<id>.go, and one line
// in ruleTable (rules.go); its test goes beside it, rule_<id>_test.go or a
// loggen scenario in scenarios_test.go. The file holds:
//
//   - the exported ID constant (a public contract) and the rule's counters
//     (indexes into the bucket's numEv counters, named by evidence);
//   - severity, scope (ScopeDefault, ScopeAPI, ScopeAuth, ScopeEndpoint:
//     which requests Observe hands it), a doc line, and settings, its
//     Threshold in Config (a new rule adds its field to Config, with
//     defaults, in config.go);
//   - series, the series a request counts in (Engine.seriesSlot and
//     Engine.newSeries give one per host and slot: per endpoint, per API
//     behavior…), or nil to leave the request out; count for counters of
//     every counted request; fails, the named predicate of a failing
//     request; tally for counters of a failing one;
//   - failsSQL, the same predicate in Athena SQL over the dataset's columns
//     (and countsSQL for the counted requests): alert's Athena query uses
//     it, and athena's detect statement replays the rows it selects one by
//     one; TestRuleSQL (athena) runs it on DuckDB and checks that it
//     returns the finding's failing requests, TestSameAsLocal that the
//     Athena engine finds what the local one does;
//   - explain, the Cause and Remedy from the evidence;
//   - as needed: qualifies (a further test of a burst), judge (a baseline,
//     or dropping a candidate), absorbs (rules whose overlapping bursts on
//     the host fold into this one), observe, newState and extra for what is
//     counted over the whole input rather than in bursts (method-rejected's
//     pages), merge (across hosts, auth-insecure-scheme).
//
// Observe must stay free of allocations per record: a series is created
// once, group labels only then, and a rule function keeps no string of the
// record without strings.Clone, nor assigns to a map under one (an
// assignment stores its key anew: the map would keep the input's block). The Athena engine replays the requests a
// rule counts but that fail no rule as bulk rows that keep only status,
// method, path class, content-type class and cookie class: a rule whose
// count reads anything else needs a term in athena's detect statement.
// Document the rule in the table above and in docs/rules.md.
//
// # Configuration
//
// DefaultConfig gives the defaults; LoadConfig reads a JSON file whose keys
// overlay them (unknown keys are errors); Config.Set sets one key from text,
// for flags and environment variables. Keys: auth_prefix, api_prefixes,
// auth_library (auto, next-auth, authjs, better-auth: whose cookie names
// the rules read, see authlib.go), window, lookback, reorder (durations as
// "5m"), max_hosts, max_path_groups, max_clients, ignore_paths, and per
// rule auth_cache_hit, auth_403_burst, method_rejected,
// cors_preflight_rejected, auth_cookie_missing, auth_insecure_scheme,
// api_origin_forbidden, origin_errors, api_routed_to_static_origin,
// post_signature_rejected, auth_html_response, edge_function_error,
// edge_refusals_on_auth, auth_cookie_oversize, each an object with
// enabled, min_count and min_rate (auth_403_burst also baseline_factor and
// baseline_min_requests, edge_refusals_on_auth also min_clients,
// method_rejected also static_min_count, static_min_clients,
// static_min_rate and page_min_clients, origin_errors also critical_rate,
// auth_cookie_oversize warn_bytes and critical_bytes), and checks with
// min_failures and max_failure_rate. The rules' objects may also be given
// under "rules" ("rules.method_rejected.enabled=false").
//
// A rule whose enabled is false reports nothing (and folds nothing into
// api-origin-forbidden). ignore_paths are glob patterns ("*" any run of
// characters, "/" included; "?" one character) matched against the
// normalised path before every rule and check: the Engine does not see
// those requests (Stats.Ignored counts them).
package detectors

// Package probe implements cfwatch probe: it runs the seed's post-deploy
// checks against a live NextAuth / Auth.js site behind CloudFront, in
// seconds, so a deploy pipeline can stop a bad release before users (or the
// access logs, up to an hour later) show it.
//
// The checks (csrf, session, signin-post, callback, never-cached,
// preflight, api-host, large-cookie) each make one request (never-cached
// two, large-cookie at most six), never follow redirects, retry only on
// network errors, and request only the auth endpoints, the --api-path and
// nothing else. A failing check names the log rule that reports the same
// failure from CloudFront's access logs, with that rule's remedy
// (detectors.RuleWording). Cookie and token values are never printed: a
// request lists the names and sizes of the headers and cookies it sent.
//
// Main is the command; Run returns the Report that the formats (text,
// json, markdown, junit) write. The JSON form follows schema/probe.v1.json
// (Schema returns it).
package probe

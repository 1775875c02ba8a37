// Package alert posts cfwatch's findings to Slack: one message per
// incident, with the cause and the fix, updated while the incident goes
// on and closed when it stops.
//
// # Use
//
//	s, err := alert.SettingsFromEnv(ctx, os.Getenv, awsCfg) // once per cold start
//	n, err := alert.New(s, alert.Options{S3: s3Client, StateBucket: "b", StatePrefix: "cfwatch/state/"})
//	err = n.Notify(ctx, alert.Origin{Bucket: b, Key: k, ETag: etag}, findings) // per log object
//	err = n.Sweep(ctx) // at the end of each invocation
//
// Text renders a finding for a terminal; Blocks and Fallback build the
// Slack message; ReportCommand and AthenaQuery are the "dig further"
// suggestions it carries.
//
// # Where alerts go
//
// Settings come from the environment (SettingsFromEnv), the same names for
// ingest --local and the Lambda:
//
//	SLACK_BOT_TOKEN + SLACK_CHANNEL  a bot token (xoxb-…) and a channel ID (C0123…) or #name
//	SLACK_WEBHOOK_URL                an incoming webhook, instead of a bot token
//	SLACK_SECRET_ARN                 Secrets Manager secret: {"bot_token", "webhook_url", "channel"}
//	                                 (any of them) as JSON, or a bare token or webhook URL
//	SLACK_TOKEN_PARAMETER            SSM SecureString parameter: a bot token or a webhook URL
//	SLACK_API_URL                    a Slack-compatible Web API base URL (tests)
//	CFWATCH_ALERT_COOLDOWN           Go duration, default 1h
//
// With no credential set, alerts are written to the log (slog) only. A bot
// token needs the app scope chat:write, and chat:write.public to post in a
// public channel the app was not invited to. The credential is read once,
// is held in a Secret that prints as [redacted], and is removed from every
// error and log line.
//
// # One incident, one message
//
// A finding's Key (rule|distribution|host|group) names its incident. The
// incident's state is a JSON object in S3,
// <StatePrefix>incidents/<sha256 of key>.json, holding the Slack channel
// and message ts, the merged evidence (counts, first and last seen, paths,
// examples), the status, and the log objects (origins) already counted.
// Every change is a conditional write (If-None-Match: * to create,
// If-Match: ETag to replace); a write that loses is retried on the new
// state, so concurrent Lambda invocations agree.
//
// Whoever talks to Slack about an incident first takes its lease (owner
// and expiry, default 2 minutes) in the state. The holder posts the first
// message, records its ts, and before letting go updates the message with
// any evidence others merged meanwhile; others merge their evidence and,
// while the first message is not out yet, wait for it, taking over if the
// holder lets go without posting or its lease expires. When 20 files of
// one incident arrive at once, one message is posted and then updated.
//
//   - The same origin (bucket, key and ETag, or Origin.ID) reported again
//     adds nothing and posts nothing: a retried or duplicated invocation is
//     safe.
//   - With a bot token, later evidence updates the message (chat.update);
//     with a webhook or the log, which cannot edit, it is recorded and
//     posted as a new "(ongoing)" message at most once per cooldown.
//   - An incident with no new failures for the cooldown is resolved by
//     Sweep (or by the next Notify of its key): a thread reply and the
//     message marked resolved (bot), or a "Resolved" message (webhook). A
//     later finding of the key opens a new incident and a new message.
//   - If Slack fails, the lease is let go and Notify returns an error: the
//     caller retries the object, and the retry (or the next Sweep) posts.
//     A message is posted twice only if the process dies between Slack's
//     answer and the state write, and then only after the lease expires.
//
// Without S3 (Options.S3 nil) the state is kept in memory: de-duplication
// then holds only within one process, which is right for ingest --local
// and wrong for Lambda.
//
// # Failures
//
// A 429 is waited out (Retry-After, slack-go's *slack.RateLimitedError)
// when the context's deadline leaves time for it; 5xx and network errors
// are retried Options.MaxRetries times with a doubling backoff; Slack's
// ok:false errors (invalid_auth, channel_not_found, not_in_channel…) are
// not retried, and are logged with the setting to fix. Errors are
// *DeliveryError.
//
// # Escaping
//
// Every value that came from a request (paths, hosts, request IDs, and the
// cause and remedy that quote them) has its control, bidi and zero-width
// characters made visible as escapes (package internal/visible: `\x1b`,
// `\u202e`), then is escaped for Slack's mrkdwn (& < >), so "<!channel>" or
// "<https://evil|click>" show as typed; mrkdwn texts are verbatim (no
// automatic links or mentions), messages are sent with parse=none and no
// unfurling, and long values are cut.
package alert

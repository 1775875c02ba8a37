package alert

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/slack-go/slack"
)

// A DeliveryError is an alert Slack did not take. Its message names the
// Slack call, Slack's error, and for configuration problems the setting to
// fix; it never holds a credential.
type DeliveryError struct {
	Op       string // "chat.postMessage", "chat.update", "webhook"
	Code     string // Slack's error ("invalid_auth"), "http_503", "rate_limited", "network", "canceled"
	Setting  string // the setting to fix, "" when it is not a configuration problem
	Hint     string // what to do
	Attempts int    // calls made
	// Retryable reports that trying again later may succeed (rate limits,
	// 5xx, network errors, a deadline); configuration errors are not.
	Retryable bool
	detail    string // redacted underlying error
}

func (e *DeliveryError) Error() string {
	s := fmt.Sprintf("slack %s failed: %s", e.Op, e.Code)
	if e.Attempts > 1 {
		s += fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	if e.detail != "" && e.detail != e.Code {
		s += " (" + e.detail + ")"
	}
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

// Slack Web API errors that are worth retrying.
func retryableCode(code string) bool {
	switch code {
	case "internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited":
		return true
	}
	return false
}

// Slack errors of chat.update that mean the message can no longer be
// edited: post a new one instead.
func messageGone(code string) bool {
	switch code {
	case "message_not_found", "cant_update_message", "edit_window_closed", "thread_not_found":
		return true
	}
	return false
}

// failure is a classified error of one call.
type failure struct {
	code       string
	retryable  bool
	retryAfter time.Duration // rate limited: wait this long
	detail     string
}

// classify sorts an error of slack-go into what to do with it. red removes
// credentials from the text kept.
func classify(err error, red redactor) failure {
	var rl *slack.RateLimitedError
	var se slack.SlackErrorResponse
	var sc slack.StatusCodeError
	var ue *url.Error
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return failure{code: "canceled", retryable: true, detail: "deadline or cancellation before Slack answered"}
	case errors.As(err, &rl):
		return failure{code: "rate_limited", retryable: true, retryAfter: rl.RetryAfter}
	case errors.As(err, &se):
		return failure{code: se.Err, retryable: retryableCode(se.Err)}
	case errors.As(err, &sc) && sc.Code == http.StatusTooManyRequests:
		return failure{code: "rate_limited", retryable: true} // no Retry-After: the caller's backoff
	case errors.As(err, &sc):
		return failure{code: fmt.Sprintf("http_%d", sc.Code), retryable: sc.Code >= 500, detail: red.clean(sc.Status)}
	case errors.As(err, &ue):
		// url.Error quotes the URL, which for a webhook is the secret:
		// keep only what went wrong.
		return failure{code: "network", retryable: true, detail: red.clean(ue.Err.Error())}
	}
	return failure{code: "error", retryable: false, detail: red.clean(err.Error())}
}

// hint returns the setting to fix and what to do for a permanent error.
func hint(op, code string, s Settings) (setting, what string) {
	src := s.source()
	if op == opWebhook {
		switch code {
		case "http_404", "http_403", "http_401", "http_410":
			return src, "the incoming webhook was refused (removed, revoked, or its channel archived): create a new webhook and store its URL in " + src
		case "http_400":
			return "", "Slack refused the message cfwatch built: report it as a cfwatch bug"
		}
		return "", ""
	}
	switch code {
	case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type", "no_permission", "ekm_access_denied":
		return src, "Slack does not accept the bot token: store a valid bot token (xoxb-…) of an installed app in " + src
	case "missing_scope":
		return "Slack app scopes", "the Slack app lacks the chat:write scope: add it under OAuth & Permissions and reinstall the app"
	case "channel_not_found":
		return EnvChannel, fmt.Sprintf("the bot sees no channel %q: set %s to the channel's ID (C0123…) and invite the app to it", s.Channel, EnvChannel)
	case "not_in_channel":
		return EnvChannel, fmt.Sprintf("the app is not a member of %q: invite it (/invite @app) or give it the chat:write.public scope", s.Channel)
	case "is_archived", "channel_is_archived":
		return EnvChannel, fmt.Sprintf("%s names an archived channel (%q)", EnvChannel, s.Channel)
	case "restricted_action", "restricted_action_read_only_channel", "restricted_action_thread_only_channel", "restricted_action_non_threadable_channel":
		return EnvChannel, fmt.Sprintf("the workspace does not let the app post in %q", s.Channel)
	case "msg_too_long", "invalid_blocks", "invalid_arguments", "no_text", "too_many_attachments", "invalid_form_data":
		return "", "Slack refused the message cfwatch built: report it as a cfwatch bug"
	}
	return "", ""
}

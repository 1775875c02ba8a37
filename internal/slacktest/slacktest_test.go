package slacktest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

const token = "xoxb-test-token"

func client(s *Server, tok string) *slack.Client {
	return slack.New(tok, slack.OptionAPIURL(s.APIURL()))
}

func TestPostAndUpdate(t *testing.T) {
	s := Start(t, token)
	ctx := context.Background()
	c := client(s, token)
	blocks := slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*hi*", false, true), nil, nil))
	ch, ts, err := c.PostMessageContext(ctx, "#"+ChannelName, slack.MsgOptionText("hi", false), blocks)
	if err != nil || ch != Channel || ts == "" {
		t.Fatalf("post: %q %q %v", ch, ts, err)
	}
	if _, _, err := c.PostMessageContext(ctx, Channel, slack.MsgOptionText("reply", false), slack.MsgOptionTS(ts)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := c.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText("edited", false)); err != nil {
		t.Fatal(err)
	}
	top := s.TopLevel(Channel)
	if len(top) != 1 || top[0].Text != "edited" || top[0].Edits != 1 || !strings.Contains(string(top[0].Blocks), "*hi*") {
		t.Fatalf("top-level: %+v", top)
	}
	if r := s.Replies(Channel, ts); len(r) != 1 || r[0].Text != "reply" {
		t.Fatalf("replies: %+v", r)
	}
	if _, _, _, err := c.UpdateMessageContext(ctx, ch, "1.2", slack.MsgOptionText("x", false)); err == nil || err.Error() != "message_not_found" {
		t.Errorf("update of a missing message: %v", err)
	}
}

func TestJSONBody(t *testing.T) {
	s := Start(t, token)
	req, _ := http.NewRequest("POST", s.APIURL()+"chat.postMessage", strings.NewReader(`{"channel":"C0CFWATCH","text":"json"}`))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"ok":true`) || len(s.Messages(Channel)) != 1 {
		t.Fatalf("%s", body)
	}
}

func TestErrors(t *testing.T) {
	s := Start(t, token)
	ctx := context.Background()
	text := slack.MsgOptionText("x", false)

	if _, _, err := client(s, "xoxb-wrong").PostMessageContext(ctx, Channel, text); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("wrong token: %v", err)
	}
	c := client(s, token)
	if _, _, err := c.PostMessageContext(ctx, "#random", text); err == nil || err.Error() != "channel_not_found" {
		t.Errorf("unknown channel: %v", err)
	}
	s.Fail(PostMessage, RateLimited(3*time.Second), HTTPError(500), SlackError("not_in_channel"))
	var rl *slack.RateLimitedError
	if _, _, err := c.PostMessageContext(ctx, Channel, text); !errors.As(err, &rl) || rl.RetryAfter != 3*time.Second {
		t.Errorf("429: %v", err)
	}
	var sc slack.StatusCodeError
	if _, _, err := c.PostMessageContext(ctx, Channel, text); !errors.As(err, &sc) || sc.Code != 500 {
		t.Errorf("500: %v", err)
	}
	if _, _, err := c.PostMessageContext(ctx, Channel, text); err == nil || err.Error() != "not_in_channel" {
		t.Errorf("queued ok:false: %v", err)
	}
	if _, _, err := c.PostMessageContext(ctx, Channel, text); err != nil {
		t.Errorf("after the queued failures: %v", err)
	}
	// Blocks beyond Block Kit's limits are refused like Slack does.
	long := slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("x", 151), false, false))
	if _, _, err := c.PostMessageContext(ctx, Channel, text, slack.MsgOptionBlocks(long)); err == nil || err.Error() != "invalid_blocks" {
		t.Errorf("header of 151 characters: %v", err)
	}
	calls := s.Calls()
	if len(calls) != 7 || calls[2].Status != 429 || calls[3].Status != 500 || !calls[5].OK() {
		t.Errorf("calls: %+v", calls)
	}
}

func TestWebhook(t *testing.T) {
	s := Start(t, token)
	ctx := context.Background()
	msg := &slack.WebhookMessage{Text: "hello"}
	if err := slack.PostWebhookContext(ctx, s.WebhookURL(), msg); err != nil {
		t.Fatal(err)
	}
	if m := s.Messages(WebhookChannel); len(m) != 1 || m[0].Text != "hello" {
		t.Fatalf("%+v", m)
	}
	var sc slack.StatusCodeError
	if err := slack.PostWebhookContext(ctx, s.WebhookURL()+"x", msg); !errors.As(err, &sc) || sc.Code != 404 {
		t.Errorf("unknown webhook: %v", err)
	}
	s.FailAlways(Webhook, RateLimited(2*time.Second))
	var rl *slack.RateLimitedError
	if err := slack.PostWebhookContext(ctx, s.WebhookURL(), msg); !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
		t.Errorf("429: %v", err)
	}
	s.Recover()
	if err := slack.PostWebhookContext(ctx, s.WebhookURL(), msg); err != nil {
		t.Errorf("after Recover: %v", err)
	}
}

// Package slacktest is a fake Slack for tests: an HTTP server that answers
// chat.postMessage and chat.update like Slack's Web API (form or JSON
// bodies, a bot token, ok:false errors, 429 with Retry-After, 5xx) and an
// incoming webhook, and keeps the channel's messages so that tests can
// assert what a person would see.
//
// Point slack-go at it with slack.OptionAPIURL(s.APIURL()) and the bot
// token s.Token, or post to s.WebhookURL().
//
// It checks what Slack checks and tests could otherwise get wrong: the
// token, the channel, that blocks are valid JSON within Block Kit's limits
// (50 blocks, header 150 characters, section text 3,000, 10 fields of 2,000,
// 10 context elements), and that chat.update names an existing message by
// channel ID and ts.
package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Channel is the ID of the one channel the server has, and ChannelName its
// name; chat.postMessage accepts either (with or without '#').
const (
	Channel     = "C0CFWATCH"
	ChannelName = "alerts"
)

// WebhookChannel is the channel of messages posted through the webhook.
const WebhookChannel = "webhook"

// Method names, as used by Fail and in Call.Method.
const (
	PostMessage = "chat.postMessage"
	Update      = "chat.update"
	Webhook     = "webhook"
)

// A Failure is how the server answers one call instead of doing it.
type Failure struct {
	Status     int           // HTTP status; 0 means 200 (with Error: ok:false)
	RetryAfter time.Duration // sent as Retry-After (whole seconds) with 429
	Error      string        // ok:false error code, e.g. "invalid_auth"
}

// RateLimited answers 429 with Retry-After.
func RateLimited(retryAfter time.Duration) Failure {
	return Failure{Status: http.StatusTooManyRequests, RetryAfter: retryAfter, Error: "ratelimited"}
}

// HTTPError answers with an HTTP status and an HTML body, as Slack's load
// balancers do for 5xx.
func HTTPError(status int) Failure { return Failure{Status: status} }

// SlackError answers 200 {"ok":false,"error":code}.
func SlackError(code string) Failure { return Failure{Error: code} }

// A Call is one request the server answered.
type Call struct {
	Method   string // PostMessage, Update or Webhook
	Channel  string // as sent
	TS       string // chat.update: the message updated
	ThreadTS string
	Text     string
	Blocks   json.RawMessage
	Status   int    // HTTP status answered
	Error    string // ok:false error or webhook error body; "" when it succeeded
	Result   string // the ts of the message posted or updated, when it succeeded
}

// OK reports whether the call succeeded.
func (c Call) OK() bool { return c.Status == http.StatusOK && c.Error == "" }

// A Message is a message as the channel shows it now.
type Message struct {
	Channel  string
	TS       string
	ThreadTS string // a reply: the ts of its parent
	Text     string
	Blocks   json.RawMessage
	Edits    int // chat.update calls applied
}

// A Server is a fake Slack. It stops when the test ends.
type Server struct {
	// Token is the bot token the Web API accepts.
	Token string

	srv         *httptest.Server
	webhookPath string

	mu       sync.Mutex
	calls    []Call
	messages []*Message
	queued   map[string][]Failure
	always   map[string]*Failure
	seq      int
}

// Start starts a fake Slack whose Web API accepts token and whose webhook
// URL ends in a random-looking secret path.
func Start(tb testing.TB, token string) *Server {
	tb.Helper()
	s := &Server{
		Token:       token,
		webhookPath: "/services/T0CFWATCH/B0CFWATCH/" + fmt.Sprintf("%x", time.Now().UnixNano()),
		queued:      make(map[string][]Failure),
		always:      make(map[string]*Failure),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/chat.postMessage", s.postMessage)
	mux.HandleFunc("POST /api/chat.update", s.update)
	mux.HandleFunc("POST /services/", s.webhook)
	s.srv = httptest.NewServer(mux)
	tb.Cleanup(s.srv.Close)
	return s
}

// APIURL is the Web API's base URL, for slack.OptionAPIURL.
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// WebhookURL is the incoming webhook's URL.
func (s *Server) WebhookURL() string { return s.srv.URL + s.webhookPath }

// Fail queues failures for the next calls of method (PostMessage, Update
// or Webhook), answered in order before the method works again.
func (s *Server) Fail(method string, fs ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queued[method] = append(s.queued[method], fs...)
}

// FailAlways makes every call of method fail with f until Recover.
func (s *Server) FailAlways(method string, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.always[method] = &f
}

// Recover ends FailAlways and drops queued failures.
func (s *Server) Recover() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.always)
	clear(s.queued)
}

// Calls returns every call answered so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsOf returns the calls of one method.
func (s *Server) CallsOf(method string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Messages returns the messages of a channel (Channel or WebhookChannel),
// top-level messages and replies, in the order they were posted.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if m.Channel == channel {
			out = append(out, *m)
		}
	}
	return out
}

// TopLevel returns the channel's messages that are not thread replies.
func (s *Server) TopLevel(channel string) []Message {
	var out []Message
	for _, m := range s.Messages(channel) {
		if m.ThreadTS == "" {
			out = append(out, m)
		}
	}
	return out
}

// Replies returns the replies in the thread of the message ts.
func (s *Server) Replies(channel, ts string) []Message {
	var out []Message
	for _, m := range s.Messages(channel) {
		if m.ThreadTS == ts {
			out = append(out, m)
		}
	}
	return out
}

// request is a chat.* call's parameters, from a form or a JSON body.
type request struct {
	Token    string
	Channel  string
	TS       string
	ThreadTS string
	Text     string
	Blocks   json.RawMessage
}

func readRequest(r *http.Request) (request, error) {
	var q request
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		q.Token = strings.TrimPrefix(h, "Bearer ")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return q, err
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		var m struct {
			Channel  string          `json:"channel"`
			TS       string          `json:"ts"`
			ThreadTS string          `json:"thread_ts"`
			Text     string          `json:"text"`
			Blocks   json.RawMessage `json:"blocks"`
		}
		if err := json.Unmarshal(body, &m); err != nil {
			return q, err
		}
		q.Channel, q.TS, q.ThreadTS, q.Text, q.Blocks = m.Channel, m.TS, m.ThreadTS, m.Text, m.Blocks
		return q, nil
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return q, err
	}
	if t := v.Get("token"); t != "" {
		q.Token = t
	}
	q.Channel, q.TS, q.ThreadTS, q.Text = v.Get("channel"), v.Get("ts"), v.Get("thread_ts"), v.Get("text")
	if b := v.Get("blocks"); b != "" {
		q.Blocks = json.RawMessage(b)
	}
	return q, nil
}

// failure returns the failure to answer the next call of method with, if
// any. s.mu is held.
func (s *Server) failure(method string) *Failure {
	if f := s.always[method]; f != nil {
		return f
	}
	if q := s.queued[method]; len(q) > 0 {
		f := q[0]
		s.queued[method] = q[1:]
		return &f
	}
	return nil
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	q, err := readRequest(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	c := Call{Method: PostMessage, Channel: q.Channel, ThreadTS: q.ThreadTS, Text: q.Text, Blocks: q.Blocks}
	if s.answerFailure(w, &c, err) {
		return
	}
	if code := s.check(q, false); code != "" {
		s.slackError(w, &c, code)
		return
	}
	if q.ThreadTS != "" && s.find(Channel, q.ThreadTS) == nil {
		s.slackError(w, &c, "thread_not_found")
		return
	}
	s.seq++
	m := &Message{Channel: Channel, TS: fmt.Sprintf("1700000000.%06d", s.seq*100), ThreadTS: q.ThreadTS, Text: q.Text, Blocks: q.Blocks}
	s.messages = append(s.messages, m)
	c.Result = m.TS
	s.ok(w, &c, map[string]any{"ok": true, "channel": Channel, "ts": m.TS,
		"message": map[string]any{"type": "message", "text": m.Text, "ts": m.TS, "thread_ts": m.ThreadTS}})
}

func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	q, err := readRequest(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	c := Call{Method: Update, Channel: q.Channel, TS: q.TS, Text: q.Text, Blocks: q.Blocks}
	if s.answerFailure(w, &c, err) {
		return
	}
	if code := s.check(q, true); code != "" {
		s.slackError(w, &c, code)
		return
	}
	m := s.find(q.Channel, q.TS)
	if m == nil {
		s.slackError(w, &c, "message_not_found")
		return
	}
	m.Text, m.Edits = q.Text, m.Edits+1
	if q.Blocks != nil {
		m.Blocks = q.Blocks
	}
	c.Result = m.TS
	s.ok(w, &c, map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS, "text": m.Text})
}

func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	defer s.mu.Unlock()
	c := Call{Method: Webhook, Channel: WebhookChannel}
	answer := func(status int, text string) {
		c.Status = status
		if status != http.StatusOK {
			c.Error = text
		}
		s.calls = append(s.calls, c)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(status)
		io.WriteString(w, text)
	}
	if r.URL.Path != s.webhookPath {
		answer(http.StatusNotFound, "no_service")
		return
	}
	if f := s.failure(Webhook); f != nil {
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(f.RetryAfter/time.Second)))
		}
		status := f.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		msg := f.Error
		if msg == "" {
			msg = http.StatusText(status)
		}
		answer(status, msg)
		return
	}
	var m struct {
		Text   string          `json:"text"`
		Blocks json.RawMessage `json:"blocks"`
	}
	if err != nil || json.Unmarshal(body, &m) != nil {
		answer(http.StatusBadRequest, "invalid_payload")
		return
	}
	c.Text, c.Blocks = m.Text, m.Blocks
	if m.Text == "" && len(m.Blocks) == 0 {
		answer(http.StatusBadRequest, "no_text")
		return
	}
	if checkBlocks(m.Blocks) != "" {
		answer(http.StatusBadRequest, "invalid_blocks")
		return
	}
	s.seq++
	s.messages = append(s.messages, &Message{Channel: WebhookChannel, TS: fmt.Sprintf("1700000000.%06d", s.seq*100), Text: m.Text, Blocks: m.Blocks})
	answer(http.StatusOK, "ok")
}

// answerFailure answers c with a queued failure or a bad request; it
// reports whether it did. s.mu is held.
func (s *Server) answerFailure(w http.ResponseWriter, c *Call, readErr error) bool {
	if readErr != nil {
		s.slackError(w, c, "invalid_form_data")
		return true
	}
	f := s.failure(c.Method)
	if f == nil {
		return false
	}
	switch {
	case f.Status == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(int(f.RetryAfter/time.Second)))
		c.Status, c.Error = f.Status, f.Error
		s.calls = append(s.calls, *c)
		writeJSON(w, f.Status, map[string]any{"ok": false, "error": f.Error})
	case f.Status != 0 && f.Status != http.StatusOK:
		c.Status, c.Error = f.Status, http.StatusText(f.Status)
		s.calls = append(s.calls, *c)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "<html><body>%d %s</body></html>", f.Status, http.StatusText(f.Status))
	default:
		s.slackError(w, c, f.Error)
	}
	return true
}

// check returns the ok:false error Slack would answer q with, or "".
func (s *Server) check(q request, update bool) string {
	switch {
	case q.Token == "":
		return "not_authed"
	case q.Token != s.Token:
		return "invalid_auth"
	case q.Channel == "":
		return "channel_not_found"
	}
	if update {
		if q.Channel != Channel {
			return "channel_not_found"
		}
	} else if ch := strings.TrimPrefix(q.Channel, "#"); ch != Channel && ch != ChannelName {
		return "channel_not_found"
	}
	if q.Text == "" && len(q.Blocks) == 0 {
		return "no_text"
	}
	if len(q.Text) > 40000 {
		return "msg_too_long"
	}
	return checkBlocks(q.Blocks)
}

// find returns the message ts of channel, or nil. s.mu is held.
func (s *Server) find(channel, ts string) *Message {
	for _, m := range s.messages {
		if m.Channel == channel && m.TS == ts {
			return m
		}
	}
	return nil
}

func (s *Server) slackError(w http.ResponseWriter, c *Call, code string) {
	c.Status, c.Error = http.StatusOK, code
	s.calls = append(s.calls, *c)
	writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": code})
}

func (s *Server) ok(w http.ResponseWriter, c *Call, v any) {
	c.Status = http.StatusOK
	s.calls = append(s.calls, *c)
	writeJSON(w, http.StatusOK, v)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

package alert

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/slack-go/slack"

	"github.com/cfwatch/cfwatch/detectors"
)

// Slack calls, as named in errors and logs.
const (
	opPost    = "chat.postMessage"
	opUpdate  = "chat.update"
	opWebhook = "webhook"
	opLog     = "log"
)

// Kinds of message an incident sends.
const (
	kindNew      = "new"      // the first message of an incident
	kindUpdate   = "update"   // new evidence
	kindResolved = "resolved" // the resolution
)

// msgRef is a posted message: its channel ID and ts (bot only).
type msgRef struct{ channel, ts string }

// message is one message to send.
type message struct {
	kind    string
	text    string
	blocks  []slack.Block
	thread  string // bot: reply in this thread
	finding detectors.Finding
	mc      MessageContext
}

// A sender delivers messages: the bot (Web API), a webhook, or the log.
type sender interface {
	post(ctx context.Context, m message) (msgRef, error)
	// update replaces a posted message; only when editable().
	update(ctx context.Context, ref msgRef, m message) error
	// editable reports whether posted messages have a ts to update and to
	// thread replies on.
	editable() bool
	postOp() string
}

// botSender posts with a bot token: chat.postMessage and chat.update.
type botSender struct {
	client  *slack.Client
	channel string
}

func newBotSender(s Settings, hc *http.Client) *botSender {
	opts := []slack.Option{slack.OptionHTTPClient(hc)}
	if s.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(s.APIURL))
	}
	return &botSender{client: slack.New(s.BotToken.Reveal(), opts...), channel: s.Channel}
}

func (b *botSender) editable() bool { return true }
func (b *botSender) postOp() string { return opPost }

// msgOptions: the fallback text as it is (already escaped), parse=none so
// Slack does not link names, and no unfurling of anything that looks like
// a URL.
func msgOptions(m message) []slack.MsgOption {
	opts := []slack.MsgOption{
		slack.MsgOptionText(m.text, false),
		slack.MsgOptionParse(false),
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
	}
	if len(m.blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(m.blocks...))
	}
	return opts
}

func (b *botSender) post(ctx context.Context, m message) (msgRef, error) {
	opts := msgOptions(m)
	if m.thread != "" {
		opts = append(opts, slack.MsgOptionTS(m.thread))
	}
	ch, ts, err := b.client.PostMessageContext(ctx, b.channel, opts...)
	return msgRef{channel: ch, ts: ts}, err
}

func (b *botSender) update(ctx context.Context, ref msgRef, m message) error {
	_, _, _, err := b.client.UpdateMessageContext(ctx, ref.channel, ref.ts, msgOptions(m)...)
	return err
}

// webhookSender posts to an incoming webhook: every message is a new one,
// with no ts to update or thread on.
type webhookSender struct {
	url string
	hc  *http.Client
}

func (w *webhookSender) editable() bool { return false }
func (w *webhookSender) postOp() string { return opWebhook }

func (w *webhookSender) post(ctx context.Context, m message) (msgRef, error) {
	no := false
	msg := &slack.WebhookMessage{Text: m.text, UnfurlLinks: &no, UnfurlMedia: &no, Parse: "none"}
	if len(m.blocks) > 0 {
		msg.Blocks = &slack.Blocks{BlockSet: m.blocks}
	}
	return msgRef{}, slack.PostWebhookCustomHTTPContext(ctx, w.url, w.hc, msg)
}

func (w *webhookSender) update(context.Context, msgRef, message) error {
	panic("alert: webhook messages cannot be updated") // callers check editable
}

// logSender writes alerts to the log, when no Slack is configured.
type logSender struct{ log *slog.Logger }

func (l *logSender) editable() bool { return false }
func (l *logSender) postOp() string { return opLog }

func (l *logSender) post(ctx context.Context, m message) (msgRef, error) {
	f := m.finding
	level, msg := slog.LevelWarn, "alert"
	if f.Severity == detectors.SeverityCritical {
		level = slog.LevelError
	}
	switch m.kind {
	case kindUpdate:
		msg = "alert update"
	case kindResolved:
		level, msg = slog.LevelInfo, "alert resolved"
	}
	l.log.Log(ctx, level, msg,
		"rule", ruleID(f.Rule), "severity", plain(string(f.Severity), 20), "key", plain(f.Key, 400),
		"distribution", plain(f.DistributionID, 40), "host", plain(f.Host, maxHostLen), "group", plain(f.Group, maxPathLen),
		"window", span(f.FirstSeen, f.LastSeen), "failing", countText(f), "clients", f.ClientsText(),
		"files", m.mc.Files,
		"paths", plainList(f.Paths, maxPathLen), "examples", plainList(f.Examples, maxExampleLen),
		"cause", plain(f.Cause, maxProseLen), "remedy", plain(f.Remedy, maxProseLen),
		"report", ReportCommand(f, m.mc.ReportSources...))
	return msgRef{}, nil
}

func (l *logSender) update(context.Context, msgRef, message) error {
	panic("alert: logged alerts cannot be updated") // callers check editable
}

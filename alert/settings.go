package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Environment variables read by SettingsFromEnv. ingest --local and the
// Lambda read the same names.
const (
	EnvBotToken       = "SLACK_BOT_TOKEN"        // bot token (xoxb-…), with EnvChannel
	EnvChannel        = "SLACK_CHANNEL"          // channel ID (C0123…) or #name for the bot token
	EnvWebhookURL     = "SLACK_WEBHOOK_URL"      // incoming webhook URL, instead of a bot token
	EnvSecretARN      = "SLACK_SECRET_ARN"       // Secrets Manager secret holding the token or webhook
	EnvTokenParameter = "SLACK_TOKEN_PARAMETER"  // SSM SecureString parameter holding the token or webhook
	EnvAPIURL         = "SLACK_API_URL"          // Slack-compatible Web API base URL (tests)
	EnvCooldown       = "CFWATCH_ALERT_COOLDOWN" // Go duration, default 1h
)

// DefaultCooldown is how long an incident stays open without new failures,
// and how often a webhook may post about one incident.
const DefaultCooldown = time.Hour

// Settings say where alerts go. The zero value sends them to the log only.
type Settings struct {
	BotToken   Secret // chat.postMessage / chat.update with Channel
	Channel    string // channel ID or #name, for BotToken
	WebhookURL Secret // incoming webhook, used when there is no BotToken
	APIURL     string // Web API base URL ("" is Slack's); for tests and Slack-compatible servers
	Cooldown   time.Duration
	// Source names where the credential came from ("SLACK_BOT_TOKEN",
	// "Secrets Manager secret arn:…", "SSM parameter /cfwatch/slack"), for
	// error messages that say which setting to fix. Never the value.
	Source string
}

// Enabled reports whether alerts go to Slack.
func (s Settings) Enabled() bool { return !s.BotToken.IsZero() || !s.WebhookURL.IsZero() }

// Mode is "bot", "webhook" or "log".
func (s Settings) Mode() string {
	switch {
	case !s.BotToken.IsZero():
		return "bot"
	case !s.WebhookURL.IsZero():
		return "webhook"
	}
	return "log"
}

// String describes the settings without credentials.
func (s Settings) String() string {
	d := "alerts to " + s.Mode()
	if s.Mode() == "bot" {
		d += " channel " + s.Channel
	}
	if s.Source != "" {
		d += " (credential from " + s.Source + ")"
	}
	return d
}

// SettingsFromEnv reads the alert settings from the environment (getenv is
// os.Getenv in production, a map in tests):
//
//   - SLACK_BOT_TOKEN and SLACK_CHANNEL, or SLACK_WEBHOOK_URL: the
//     credential itself (local use);
//   - SLACK_SECRET_ARN: a Secrets Manager secret whose SecretString is a
//     JSON object {"bot_token": "xoxb-…", "webhook_url": "https://hooks…",
//     "channel": "C…"} (any of the keys), or a bare token or webhook URL;
//   - SLACK_TOKEN_PARAMETER: an SSM SecureString parameter (read with
//     decryption) whose value is a bot token or a webhook URL;
//   - SLACK_CHANNEL: the channel for a bot token; it overrides a channel in
//     the secret;
//   - SLACK_API_URL: a Slack-compatible Web API base URL;
//   - CFWATCH_ALERT_COOLDOWN: a Go duration (default 1h).
//
// With none of the credential variables set, alerts go to the log only.
// Setting a credential both directly and through a secret, or through both
// Secrets Manager and SSM, is an error. A bot token wins over a webhook URL
// when a secret holds both.
//
// It calls AWS at most once: call it once per process (a Lambda's cold
// start). awsCfg is used only when a secret is named; its endpoint comes
// from awsCfg.BaseEndpoint or the SDK's AWS_ENDPOINT_URL_SECRETS_MANAGER /
// AWS_ENDPOINT_URL_SSM configuration. Errors name the variable and the
// secret, never its value.
func SettingsFromEnv(ctx context.Context, getenv func(string) string, awsCfg aws.Config) (Settings, error) {
	env := func(k string) string { return strings.TrimSpace(getenv(k)) }
	s := Settings{Channel: env(EnvChannel), APIURL: env(EnvAPIURL), Cooldown: DefaultCooldown}
	if v := env(EnvCooldown); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return Settings{}, fmt.Errorf("alert settings: %s=%q: want a positive Go duration such as 30m or 2h", EnvCooldown, v)
		}
		s.Cooldown = d
	}
	if s.APIURL != "" {
		u, err := url.Parse(s.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Settings{}, fmt.Errorf("alert settings: %s: want an http(s) URL such as https://slack.com/api/", EnvAPIURL)
		}
		if !strings.HasSuffix(s.APIURL, "/") {
			s.APIURL += "/"
		}
	}
	direct := env(EnvBotToken) != "" || env(EnvWebhookURL) != ""
	arn, param := env(EnvSecretARN), env(EnvTokenParameter)
	switch {
	case arn != "" && param != "":
		return Settings{}, fmt.Errorf("alert settings: set %s or %s, not both", EnvSecretARN, EnvTokenParameter)
	case direct && (arn != "" || param != ""):
		return Settings{}, fmt.Errorf("alert settings: set %s/%s or a secret (%s, %s), not both", EnvBotToken, EnvWebhookURL, EnvSecretARN, EnvTokenParameter)
	case direct:
		if v := env(EnvBotToken); v != "" {
			s.BotToken, s.Source = NewSecret(v), EnvBotToken
		} else {
			s.WebhookURL, s.Source = NewSecret(env(EnvWebhookURL)), EnvWebhookURL
		}
	case arn != "":
		s.Source = EnvSecretARN + " (Secrets Manager secret " + arn + ")"
		if err := s.fromSecretsManager(ctx, awsCfg, arn); err != nil {
			return Settings{}, err
		}
	case param != "":
		s.Source = EnvTokenParameter + " (SSM parameter " + param + ")"
		if err := s.fromSSM(ctx, awsCfg, param); err != nil {
			return Settings{}, err
		}
	}
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// Validate checks that the settings can work: a bot token needs a
// channel, and credentials must look like what they are meant to be.
func (s Settings) Validate() error {
	if !s.BotToken.IsZero() {
		if !strings.HasPrefix(s.BotToken.Reveal(), "xox") {
			return fmt.Errorf("alert settings: the bot token from %s does not look like a Slack token (xoxb-…)", s.source())
		}
		if s.Channel == "" {
			return fmt.Errorf("alert settings: a bot token (%s) needs %s: a channel ID such as C0123456789, or #name", s.source(), EnvChannel)
		}
	}
	if !s.WebhookURL.IsZero() && !isURL(s.WebhookURL.Reveal()) {
		return fmt.Errorf("alert settings: the webhook URL from %s is not an http(s) URL", s.source())
	}
	if s.Cooldown < 0 {
		return errors.New("alert settings: negative cooldown")
	}
	return nil
}

func (s Settings) source() string {
	if s.Source != "" {
		return s.Source
	}
	return "the settings"
}

func isURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func (s *Settings) fromSecretsManager(ctx context.Context, cfg aws.Config, arn string) error {
	out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return fmt.Errorf("alert settings: reading %s: %w", s.Source, err)
	}
	if out.SecretString == nil {
		return fmt.Errorf("alert settings: %s has no SecretString (a binary secret): store the token, the webhook URL or a JSON object as text", s.Source)
	}
	v := strings.TrimSpace(*out.SecretString)
	if strings.HasPrefix(v, "{") {
		var obj struct {
			BotToken   string `json:"bot_token"`
			WebhookURL string `json:"webhook_url"`
			Channel    string `json:"channel"`
		}
		if err := json.Unmarshal([]byte(v), &obj); err != nil {
			// Not %w: the JSON error may quote the secret.
			return fmt.Errorf("alert settings: %s is not a valid JSON object (want {\"bot_token\": …, \"webhook_url\": …, \"channel\": …})", s.Source)
		}
		if obj.BotToken == "" && obj.WebhookURL == "" {
			return fmt.Errorf("alert settings: %s has neither bot_token nor webhook_url", s.Source)
		}
		s.BotToken, s.WebhookURL = NewSecret(obj.BotToken), NewSecret(obj.WebhookURL)
		if s.Channel == "" {
			s.Channel = strings.TrimSpace(obj.Channel)
		}
		if !s.BotToken.IsZero() {
			s.WebhookURL = Secret{}
		}
		return nil
	}
	return s.fromValue(v)
}

func (s *Settings) fromSSM(ctx context.Context, cfg aws.Config, name string) error {
	out, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil {
		return fmt.Errorf("alert settings: reading %s: %w", s.Source, err)
	}
	if out.Parameter == nil || out.Parameter.Value == nil {
		return fmt.Errorf("alert settings: %s has no value", s.Source)
	}
	return s.fromValue(strings.TrimSpace(*out.Parameter.Value))
}

// fromValue takes a bare secret value: a token or a webhook URL.
func (s *Settings) fromValue(v string) error {
	switch {
	case strings.HasPrefix(v, "xox"):
		s.BotToken = NewSecret(v)
	case isURL(v):
		s.WebhookURL = NewSecret(v)
	default:
		return fmt.Errorf("alert settings: %s holds neither a Slack token (xoxb-…) nor a webhook URL (https://hooks.slack.com/…) nor a JSON object", s.Source)
	}
	return nil
}

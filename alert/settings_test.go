package alert

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/mototest"
	"github.com/cfwatch/cfwatch/internal/slacktest"
)

func getenv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestSettingsFromEnv(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		env     map[string]string
		mode    string
		wantErr string
	}{
		{"none", nil, "log", ""},
		{"bot", map[string]string{EnvBotToken: testToken, EnvChannel: "C0123"}, "bot", ""},
		{"webhook", map[string]string{EnvWebhookURL: "https://hooks.slack.com/services/T/B/X"}, "webhook", ""},
		{"bot without channel", map[string]string{EnvBotToken: testToken}, "", "needs SLACK_CHANNEL"},
		{"not a token", map[string]string{EnvBotToken: "hunter2", EnvChannel: "C1"}, "", "does not look like a Slack token"},
		{"not a url", map[string]string{EnvWebhookURL: "hooks.slack.com/x"}, "", "not an http(s) URL"},
		{"direct and secret", map[string]string{EnvBotToken: testToken, EnvSecretARN: "arn:x"}, "", "not both"},
		{"two secrets", map[string]string{EnvSecretARN: "arn:x", EnvTokenParameter: "/p"}, "", "not both"},
		{"bad cooldown", map[string]string{EnvCooldown: "soon"}, "", "CFWATCH_ALERT_COOLDOWN"},
		{"bad api url", map[string]string{EnvAPIURL: "localhost"}, "", "SLACK_API_URL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := SettingsFromEnv(ctx, getenv(c.env), aws.Config{})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), testToken) {
					t.Errorf("error quotes the credential: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Mode() != c.mode || s.Cooldown != time.Hour {
				t.Errorf("mode %s cooldown %v", s.Mode(), s.Cooldown)
			}
		})
	}
	s, err := SettingsFromEnv(ctx, getenv(map[string]string{EnvCooldown: "20m", EnvAPIURL: "http://127.0.0.1:9/api"}), aws.Config{})
	if err != nil || s.Cooldown != 20*time.Minute || s.APIURL != "http://127.0.0.1:9/api/" {
		t.Errorf("got %+v, %v", s, err)
	}
}

// TestSecretsFromAWS reads the credential from Secrets Manager and SSM
// served by moto, posts with it, and checks that it never reaches the log
// output or an error.
func TestSecretsFromAWS(t *testing.T) {
	moto := mototest.Start(t)
	ctx := context.Background()
	cfg := moto.Config()
	cfg.BaseEndpoint = aws.String(moto.Endpoint)
	sm := secretsmanager.NewFromConfig(cfg)
	ps := ssm.NewFromConfig(cfg)
	e := newEnv(t)

	secret := func(name, value string) string {
		out, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.ARN)
	}
	jsonARN := secret("cfwatch/slack-json", `{"bot_token":"`+testToken+`","channel":"`+slacktest.Channel+`"}`)
	bareARN := secret("cfwatch/slack-bare", testToken)
	hookARN := secret("cfwatch/slack-hook", e.slack.WebhookURL())
	badARN := secret("cfwatch/slack-bad", "not-a-credential-"+testToken[5:])
	if _, err := ps.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/cfwatch/slack-token"), Value: aws.String(testToken), Type: ssmtypes.ParameterTypeSecureString}); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		env  map[string]string
		mode string
	}{
		{"secrets manager json", map[string]string{EnvSecretARN: jsonARN}, "bot"},
		{"secrets manager bare token", map[string]string{EnvSecretARN: bareARN, EnvChannel: slacktest.Channel}, "bot"},
		{"secrets manager webhook", map[string]string{EnvSecretARN: hookARN}, "webhook"},
		{"ssm securestring", map[string]string{EnvTokenParameter: "/cfwatch/slack-token", EnvChannel: "#" + slacktest.ChannelName}, "bot"},
	}
	f := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 2*time.Minute, 1)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.env[EnvAPIURL] = e.slack.APIURL()
			s, err := SettingsFromEnv(ctx, getenv(c.env), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if s.Mode() != c.mode {
				t.Fatalf("mode %s, want %s", s.Mode(), c.mode)
			}
			n := e.notifier(t, s, Options{})
			n.opts.Logger.Info("alert settings", "settings", s, "token", s.BotToken, "webhook", s.WebhookURL)
			before := len(e.slack.Calls())
			if err := n.Notify(ctx, origin(i), []detectors.Finding{f}); err != nil {
				t.Fatal(err)
			}
			calls := e.slack.Calls()
			if len(calls) != before+1 || !calls[len(calls)-1].OK() {
				t.Fatalf("the credential did not work: %+v", calls[before:])
			}
		})
	}

	// Errors name the secret, never its value.
	var errs []error
	for _, env := range []map[string]string{
		{EnvSecretARN: badARN},
		{EnvSecretARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:missing-AbCdEf"},
		{EnvTokenParameter: "/cfwatch/missing"},
	} {
		_, err := SettingsFromEnv(ctx, getenv(env), cfg)
		if err == nil {
			t.Fatalf("%v: no error", env)
		}
		errs = append(errs, err)
	}
	if !strings.Contains(errs[0].Error(), "cfwatch/slack-bad") {
		t.Errorf("error does not name the secret: %v", errs[0])
	}
	// A wrong token from a secret fails without showing it.
	wrongARN := secret("cfwatch/slack-wrong", `{"bot_token":"xoxb-0000-WrongSeCrEt","channel":"C0CFWATCH"}`)
	s, err := SettingsFromEnv(ctx, getenv(map[string]string{EnvSecretARN: wrongARN, EnvAPIURL: e.slack.APIURL()}), cfg)
	if err != nil {
		t.Fatal(err)
	}
	nerr := e.notifier(t, s, Options{}).Notify(ctx, origin(99), []detectors.Finding{f})
	if nerr == nil || !strings.Contains(nerr.Error(), "invalid_auth") || !strings.Contains(nerr.Error(), "cfwatch/slack-wrong") {
		t.Errorf("err = %v, want invalid_auth naming the secret", nerr)
	}
	errs = append(errs, nerr)
	e.noSecrets(t, []string{testToken, testToken[5:], "WrongSeCrEt", e.slack.WebhookURL()}, errs...)
}

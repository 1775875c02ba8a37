package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/internal/cli"
	"github.com/cfwatch/cfwatch/internal/cli/ingestcmd"
	"github.com/cfwatch/cfwatch/internal/slacktest"
)

// The command line as users meet it: the cfwatch binary, built once per
// test run, run as a process: its exit status, stdout and stderr.

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// cfwatchBin builds cmd/cfwatch (and returns its path), once; TestMain
// removes it.
func cfwatchBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "cfwatch-bin"); buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", binDir, "../../cmd/cfwatch").CombinedOutput()
		if err != nil {
			buildErr = errors.New("building cmd/cfwatch: " + err.Error() + "\n" + string(out))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, "cfwatch")
}

type result struct {
	code           int
	stdout, stderr string
}

// cfwatch runs the binary with args, in dir ("" is the test's), with env
// added to a minimal environment.
func cfwatch(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	bin := cfwatchBin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null"}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("cfwatch %q: %v", args, err)
	}
	return result{code, stdout.String(), stderr.String()}
}

var cliStart = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// genLogs writes three hours of logs from 2026-11-20T00:00Z with the edge
// refusing POSTs over the last two, with cfwatch loggen, into dir.
func genLogs(t *testing.T, dir string) {
	t.Helper()
	r := cfwatch(t, "", nil, "loggen", "--out", dir, "--start", "2026-11-20", "--duration", "3h", "--rate", "3000", "--scenario", "method-rejected")
	if r.code != 0 || !strings.Contains(r.stderr, "cfwatch loggen: wrote 12 files") {
		t.Fatalf("loggen: exit %d\n%s", r.code, r.stderr)
	}
}

// Every mistake: exit status 2, stdout empty, stderr a one-line reason
// naming the command, then the usage.
func TestCLIMistakes(t *testing.T) {
	logs := t.TempDir()
	genLogs(t, logs)
	src := []string{"report", "--source", logs}
	for _, c := range []struct {
		args   []string
		reason string
	}{
		{[]string{"bogus"}, `cfwatch: unknown command "bogus": want audit, completion, ingest, loggen, probe, report or version`},
		{[]string{"reprot"}, `(did you mean report?)`},
		{[]string{"ingest", "--bogus"}, "cfwatch ingest: unknown flag --bogus"},
		{[]string{"ingest", "backfill", "--bogus"}, "cfwatch ingest backfill: unknown flag --bogus"},
		{[]string{"ingest", "ddl", "--bogus"}, "cfwatch ingest ddl: unknown flag --bogus"},
		{[]string{"ingest", "extra"}, `cfwatch ingest: unknown command "extra": want backfill or ddl`},
		{[]string{"ingest", "ddl", "extra"}, `cfwatch ingest ddl: unexpected argument "extra": ddl takes flags only`},
		{[]string{"ingest"}, "cfwatch ingest: --local and --out are required"},
		{[]string{"ingest", "backfill"}, "cfwatch ingest backfill: --source is required"},
		{[]string{"ingest", "backfill", "--source", "s3://b/p", "--from", "yesterday"}, `cfwatch ingest backfill: --from "yesterday": want a date such as 2026-11-20 (midnight UTC) or an RFC 3339 time`},
		{[]string{"loggen", "--bogus"}, "cfwatch loggen: unknown flag --bogus"},
		{[]string{"loggen"}, "cfwatch loggen: one of --out DIR or --single FILE.gz is required"},
		{[]string{"report"}, "cfwatch report: no --source given"},
		{[]string{"report", "extra"}, `cfwatch report: unexpected argument "extra"`},
		{[]string{"report", "--sinec", "2h"}, "cfwatch report: unknown flag --sinec (did you mean --since?)"},
		{[]string{"report", "--top"}, "cfwatch report: flag needs an argument: --top"},
		{append(src, "--top", "0"), "cfwatch report: --top 0: want 1 or more"},
		{append(src, "--top", "-3"), "cfwatch report: --top -3: want 1 or more"},
		{append(src, "--top", "x"), `cfwatch report: --top "x": want a whole number`},
		{append(src, "--from", "20/11/2026"), `--from "20/11/2026": want a date such as 2026-11-20`},
		{append(src, "--format", "json", "--out", "x.html"), "cfwatch report: --format json, but --out x.html names an HTML file"},
		{append(src, "--format", "xml"), `cfwatch report: --format: unknown format "xml"`},
		{append(src, "--set", "auth-403-burst.min_count=8"), `cfwatch report: --set: unknown setting "auth-403-burst.min_count": did you mean auth_403_burst.min_count?`},
		{append(src, "--set", "auth_403_burst.min_count=x"), `cfwatch report: --set: auth_403_burst.min_count: want a whole number, got "x"`},
		{append(src, "--set", "window=soon"), `window: want a duration such as "5m" or "1h30m", got "soon"`},
		{[]string{"ingest", "--local", logs, "--out", t.TempDir(), "--set", "auth-403-burst=1"}, `cfwatch ingest: --set: unknown setting "auth-403-burst": did you mean auth_403_burst?`},
	} {
		r := cfwatch(t, "", nil, c.args...)
		first, rest, _ := strings.Cut(r.stderr, "\n")
		if r.code != 2 || r.stdout != "" || !strings.Contains(first, c.reason) || !strings.HasPrefix(rest, "Usage:\n  cfwatch") {
			t.Errorf("cfwatch %q: exit %d, stdout %q, stderr:\n%s\nwant exit 2, the reason %q on the first line, then the usage", c.args, r.code, r.stdout, r.stderr, c.reason)
		}
		for _, goName := range []string{"int64", "strconv", "json:", "Go struct", "pflag"} {
			if strings.Contains(first, goName) {
				t.Errorf("cfwatch %q: %q speaks Go", c.args, first)
			}
		}
	}
	// audit and probe parse their own flags: the same rule, with their usage.
	for _, c := range []struct {
		args   []string
		reason string
	}{
		{[]string{"audit", "--bogus"}, "cfwatch audit: unknown flag: --bogus"},
		{[]string{"audit"}, "cfwatch audit: give a FILE or --distribution"},
		{[]string{"audit", "x.json", "--format", "xml"}, `cfwatch audit: --format "xml"`},
		{[]string{"probe"}, "cfwatch probe: want exactly one URL, got 0 arguments"},
		{[]string{"probe", "--bogus", "https://app.example.com"}, "cfwatch probe: "},
	} {
		r := cfwatch(t, "", nil, c.args...)
		first, rest, _ := strings.Cut(r.stderr, "\n")
		if r.code != 2 || r.stdout != "" || !strings.Contains(first, c.reason) || !strings.Contains(rest, "usage: cfwatch "+c.args[0]) {
			t.Errorf("cfwatch %q: exit %d, stdout %q, stderr:\n%s\nwant exit 2, the reason %q on the first line, then the usage", c.args, r.code, r.stdout, r.stderr, c.reason)
		}
	}

	// Input that cannot be read is no usage mistake: the reason alone.
	r := cfwatch(t, "", nil, "report", "--source", filepath.Join(logs, "missing"))
	if r.code != 2 || !strings.Contains(r.stderr, "missing") || strings.Contains(r.stderr, "Usage:") {
		t.Errorf("missing source: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// Help lists the subcommands and exits 0, on stdout.
func TestCLIHelp(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"report", "ingest", "loggen", "version", "completion"}},
		{[]string{"ingest", "--help"}, []string{"backfill", "ddl", "--local", "--out"}},
		{[]string{"help", "ingest"}, []string{"backfill", "ddl"}},
		{[]string{"ingest", "backfill", "--help"}, []string{"--source", "--from", "a date"}},
		{[]string{"report", "--help"}, []string{"--source", "--format", "--out", "--top"}},
		{[]string{"loggen", "--help"}, []string{"method-rejected", "--scenario"}},
	} {
		r := cfwatch(t, "", nil, c.args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("cfwatch %q: exit %d, stderr %q", c.args, r.code, r.stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("cfwatch %q lacks %q:\n%s", c.args, w, r.stdout)
			}
		}
	}
}

// version, --version on any command, and the release stamps of -ldflags -X.
func TestCLIVersion(t *testing.T) {
	v := cfwatch(t, "", nil, "version")
	if v.code != 0 || !regexp.MustCompile(`^cfwatch \S+\nrevision: .+\ngo: +go1\.\d+\S* \w+/\w+\n$`).MatchString(v.stdout) {
		t.Errorf("version: exit %d:\n%s", v.code, v.stdout)
	}
	for _, args := range [][]string{{"--version"}, {"ingest", "--version"}, {"report", "--version"}} {
		if r := cfwatch(t, "", nil, args...); r.code != 0 || r.stdout != v.stdout {
			t.Errorf("cfwatch %q: exit %d:\n%s\nwant the version's\n%s", args, r.code, r.stdout, v.stdout)
		}
	}
	// The thin mains say so.
	var out bytes.Buffer
	e := cli.Env{Stdout: &out, Stderr: &out, Getenv: os.Getenv}
	if code := cli.Execute(context.Background(), ingestcmd.New(e), []string{"--version"}, e); code != 0 || !strings.HasPrefix(out.String(), "ingest ") || !strings.Contains(out.String(), "(cfwatch)") {
		t.Errorf("ingest --version: exit %d:\n%s", code, &out)
	}

	// A release build's stamps.
	if testing.Short() {
		return
	}
	bin := filepath.Join(t.TempDir(), "cfwatch")
	const pkg = "github.com/cfwatch/cfwatch/internal/cli"
	ldflags := "-X " + pkg + ".version=v1.2.3 -X " + pkg + ".revision=0123456789abcdef0123456789abcdef01234567 -X " + pkg + ".revisionTime=2026-11-20T12:00:00Z -X " + pkg + ".modified=true"
	if b, err := exec.Command("go", "build", "-ldflags", ldflags, "-o", bin, "../../cmd/cfwatch").CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	got, err := exec.Command(bin, "--version").Output()
	want := "cfwatch v1.2.3\nrevision: 0123456789abcdef0123456789abcdef01234567, 2026-11-20T12:00:00Z, modified\n"
	if err != nil || !strings.HasPrefix(string(got), want) {
		t.Errorf("stamped --version: %v\n%s\nwant it to start\n%s", err, got, want)
	}
}

// Completion scripts for bash, zsh and fish; they ask cfwatch for the
// words (cfwatch __complete), which name the subcommands and the values
// of the flags that have a fixed set. In bash, the script completes.
func TestCLICompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		r := cfwatch(t, "", nil, "completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, "cfwatch") || !strings.Contains(r.stdout, "__complete") {
			t.Errorf("completion %s: exit %d, %d bytes\n%s", shell, r.code, len(r.stdout), r.stderr)
		}
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", ""}, []string{"report", "ingest", "loggen", "version", "completion"}},
		{[]string{"__complete", "ingest", ""}, []string{"backfill", "ddl"}},
		{[]string{"__complete", "report", "--format", ""}, []string{"text", "json", "markdown", "html"}},
		{[]string{"__complete", "report", "--fail-on", ""}, []string{"critical", "warning", "none"}},
		{[]string{"__complete", "loggen", "--scenario", ""}, []string{"healthy", "method-rejected", "auth-403-callback"}},
		{[]string{"__complete", "report", "--so"}, []string{"--source"}},
	} {
		r := cfwatch(t, "", nil, c.args...)
		for _, w := range c.want {
			if !strings.Contains(r.stdout, w+"\n") && !strings.Contains(r.stdout, w+"\t") {
				t.Errorf("cfwatch %q lacks %q:\n%s", c.args, w, r.stdout)
			}
		}
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to run the script in")
	}
	cfwatchBin(t)
	// _get_comp_words_by_ref is bash-completion's; a minimal one where it
	// is not installed.
	script := `[ -r /usr/share/bash-completion/bash_completion ] && . /usr/share/bash-completion/bash_completion
type _get_comp_words_by_ref >/dev/null 2>&1 || _get_comp_words_by_ref() {
	cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
}
source <(cfwatch completion bash)
COMP_LINE="cfwatch ingest b"; COMP_WORDS=(cfwatch ingest b); COMP_CWORD=2; COMP_POINT=${#COMP_LINE}
__start_cfwatch
printf '%s\n' "${COMPREPLY[@]}"`
	cmd := exec.Command(bash, "-c", script)
	cmd.Env = []string{"PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	// Its stderr holds compopt's complaint: no completion is under way.
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) != "backfill" {
		t.Errorf("bash completion of `cfwatch ingest b`: %v\n%q", err, out)
	}
}

// --from and --until take dates, their midnight UTC.
func TestCLIDates(t *testing.T) {
	logs := t.TempDir()
	genLogs(t, logs)
	r := cfwatch(t, "", nil, "report", "--source", logs, "--from", "2026-11-20", "--until", "2026-11-21", "--format", "json", "--fail-on", "none")
	var rep struct {
		Window struct{ From, Until time.Time }
		Totals struct{ Requests int64 }
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 0 {
		t.Fatalf("exit %d, %v\n%s", r.code, err, r.stderr)
	}
	if !rep.Window.From.Equal(cliStart) || !rep.Window.Until.Equal(cliStart.Add(24*time.Hour)) || rep.Totals.Requests == 0 {
		t.Errorf("window %v – %v, %d requests", rep.Window.From, rep.Window.Until, rep.Totals.Requests)
	}
}

// --out's extension sets the format; --format agreeing with it is fine.
func TestCLIFormatFromOut(t *testing.T) {
	logs := t.TempDir()
	genLogs(t, logs)
	dir := t.TempDir()
	for name, check := range map[string]func(string) bool{
		"report.html": func(s string) bool { return strings.HasPrefix(strings.ToLower(s), "<!doctype html") },
		"report.HTM":  func(s string) bool { return strings.HasPrefix(strings.ToLower(s), "<!doctype html") },
		"report.md":   func(s string) bool { return strings.HasPrefix(s, "## cfwatch report") },
		"report.json": func(s string) bool { return json.Valid([]byte(s)) },
		"report.txt":  func(s string) bool { return strings.HasPrefix(s, "cfwatch report") },
		"report.out":  func(s string) bool { return strings.HasPrefix(s, "cfwatch report") }, // unknown: text
	} {
		r := cfwatch(t, dir, nil, "report", "--source", logs, "--from", "2026-11-20", "--until", "2026-11-20T03:00:00Z", "--fail-on", "none", "--out", name)
		data, err := os.ReadFile(filepath.Join(dir, name))
		if r.code != 0 || err != nil || !check(string(data)) || r.stdout != "" {
			t.Errorf("--out %s: exit %d, %v, stderr %q; file starts %.80q", name, r.code, err, r.stderr, data)
		}
	}
	r := cfwatch(t, dir, nil, "report", "--source", logs, "--from", "2026-11-20", "--until", "2026-11-20T03:00:00Z", "--fail-on", "none", "--out", "r.md", "--format", "md")
	if data, _ := os.ReadFile(filepath.Join(dir, "r.md")); r.code != 0 || !strings.HasPrefix(string(data), "## cfwatch report") {
		t.Errorf("--format md --out r.md: exit %d, %s", r.code, r.stderr)
	}
	// A refused combination writes nothing.
	cfwatch(t, dir, nil, "report", "--source", logs, "--format", "text", "--out", "refused.json")
	if _, err := os.Stat(filepath.Join(dir, "refused.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("refused --out written: %v", err)
	}
}

// The Slack message's "Dig further" command runs as it is: pasted into a
// shell, from another directory, it reports on the logs ingest read, for
// the finding's host and window.
func TestCLIDigFurther(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	// A path a shell must have quoted.
	logs := filepath.Join(t.TempDir(), "my logs", "it's here")
	genLogs(t, logs)
	slack := slacktest.Start(t, "xoxb-dig-further-test-token-0123456789")
	env := []string{"SLACK_BOT_TOKEN=" + slack.Token, "SLACK_CHANNEL=" + slacktest.Channel, "SLACK_API_URL=" + slack.APIURL()}
	r := cfwatch(t, filepath.Dir(logs), env, "ingest", "--local", "it's here", "--out", t.TempDir())
	if r.code != 0 || !strings.Contains(r.stdout, "method-rejected") {
		t.Fatalf("ingest: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	top := slack.TopLevel(slacktest.Channel)
	if len(top) != 1 {
		t.Fatalf("%d Slack messages, want 1", len(top))
	}
	var blocks []struct {
		Text struct{ Text string } `json:"text"`
	}
	if err := json.Unmarshal(top[0].Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	var command string
	for _, b := range blocks {
		if rest, ok := strings.CutPrefix(b.Text.Text, "*Dig further*\n```"); ok {
			command = strings.TrimSuffix(rest, "```")
		}
	}
	// Slack's mrkdwn escapes &, < and >; the command has none of them.
	if !strings.HasPrefix(command, "cfwatch report --source ") || strings.ContainsAny(command, "&<>") {
		t.Fatalf("Dig further: %q", command)
	}
	if !strings.Contains(command, " --host app.example.com") || !strings.Contains(command, `'\''`) {
		t.Errorf("Dig further lacks the host or the quoted path: %s", command)
	}
	// Run in a shell, from elsewhere, with cfwatch on the PATH.
	cmd := exec.Command(sh, "-c", command+" --format json --fail-on none")
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + t.TempDir(), "AWS_EC2_METADATA_DISABLED=true"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", command, err, &stderr)
	}
	var rep struct {
		Input    struct{ Files int }
		Totals   struct{ Requests int64 }
		Findings []struct{ Rule string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Input.Files == 0 || rep.Totals.Requests == 0 || len(rep.Findings) == 0 || rep.Findings[0].Rule != "method-rejected" {
		t.Errorf("%s: %d files, %d requests, findings %v", command, rep.Input.Files, rep.Totals.Requests, rep.Findings)
	}
}

// What the programs link: cfwatch no DuckDB (cgo; it must cross-compile
// with CGO_ENABLED=0), and the Lambda's bootstrap (cmd/ingest) none of the
// other commands, so that its package and cold start stay small.
func TestLinkedPackages(t *testing.T) {
	deps := func(args ...string) []string {
		t.Helper()
		cmd := exec.Command("go", append([]string{"list", "-deps"}, args...)...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list %v: %v", args, err)
		}
		return strings.Fields(string(out))
	}
	for _, p := range deps("../../cmd/cfwatch") {
		if strings.Contains(p, "duckdb") {
			t.Errorf("cmd/cfwatch links %s", p)
		}
	}
	for _, p := range deps("-tags", "lambda.norpc", "../../cmd/ingest") {
		switch p {
		case "github.com/cfwatch/cfwatch/internal/cli/reportcmd", "github.com/cfwatch/cfwatch/internal/cli/loggencmd",
			"github.com/cfwatch/cfwatch/report", "github.com/cfwatch/cfwatch/local", "github.com/cfwatch/cfwatch/athena", "github.com/cfwatch/cfwatch/loggen":
			t.Errorf("cmd/ingest, the Lambda's bootstrap, links %s", p)
		}
		if strings.Contains(p, "duckdb") {
			t.Errorf("cmd/ingest links %s", p)
		}
	}
}

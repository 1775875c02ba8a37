// Command coldstart measures how long a Lambda function's binary (a
// provided.al2023 "bootstrap") takes from exec to its first poll for work:
// the GET /2018-06-01/runtime/invocation/next request every custom runtime
// makes once its initialisation is done. scripts/bench-ingest.sh runs it
// on ingest's Lambda build.
//
//	coldstart [-n 20] [-timeout 5s] [-env KEY=VALUE]… BOOTSTRAP
//
// It serves a stand-in Runtime API on 127.0.0.1, starts the binary N times
// in a row with AWS_LAMBDA_RUNTIME_API pointing at it and the environment a
// function has (region, credentials as environment variables, function
// name and memory, a HOME with no AWS configuration; -env adds the
// function's own variables), and ends each run as soon as the first poll
// arrives. A binary that reports an init error, exits or does not poll
// within the timeout fails the measurement.
//
// It prints each run's milliseconds to stderr and one line to stdout:
//
//	runs=N min_ms=… median_ms=… max_ms=… first_ms=…
//
// first_ms is the first run, whose binary may not yet be in the page cache;
// min, median and max are over all runs. Lambda's own cold start adds the
// sandbox's creation and the download of the code, which no local
// measurement sees; this is the part the binary controls.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

type envFlag []string

func (e *envFlag) String() string     { return strings.Join(*e, " ") }
func (e *envFlag) Set(s string) error { *e = append(*e, s); return nil }

func main() {
	n := flag.Int("n", 20, "runs")
	timeout := flag.Duration("timeout", 5*time.Second, "longest wait for the first poll")
	var extra envFlag
	flag.Var(&extra, "env", "KEY=VALUE for the function's environment (repeatable)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: coldstart [-n 20] [-timeout 5s] [-env KEY=VALUE]… BOOTSTRAP")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || *n < 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := measure(flag.Arg(0), *n, *timeout, extra); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

// event is what the stand-in Runtime API saw.
type event struct {
	at   time.Time
	kind string // "poll" or "init-error"
	body string
}

func measure(bin string, n int, timeout time.Duration, extra []string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	events := make(chan event, 16)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		events <- event{at: time.Now(), kind: "poll"}
		<-r.Context().Done() // no work: hold the poll until the process is gone
	})
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 4096))
		events <- event{at: time.Now(), kind: "init-error", body: string(b)}
		w.WriteHeader(http.StatusAccepted)
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	defer srv.Close()

	home, err := os.MkdirTemp("", "coldstart-home")
	if err != nil {
		return err
	}
	defer os.RemoveAll(home)
	env := []string{
		"AWS_LAMBDA_RUNTIME_API=" + ln.Addr().String(),
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"HOME=" + home, // no ~/.aws: the SDK finds what a function finds
		"LANG=en_US.UTF-8",
		"TZ=:UTC",
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIDCOLDSTARTEXAMPLE",
		"AWS_SECRET_ACCESS_KEY=coldstart/secret/not/used",
		"AWS_SESSION_TOKEN=coldstart-session-token",
		"AWS_LAMBDA_FUNCTION_NAME=cfwatch-ingest",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/cfwatch-ingest",
		"AWS_LAMBDA_LOG_STREAM_NAME=coldstart",
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_EXECUTION_ENV=AWS_Lambda_provided.al2023",
		"_HANDLER=bootstrap",
	}
	env = append(env, extra...)

	var ms []float64
	for i := range n {
		d, err := once(bin, env, events, timeout)
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		ms = append(ms, float64(d.Microseconds())/1000)
		fmt.Fprintf(os.Stderr, "run %d: %.1f ms\n", i+1, ms[i])
	}
	first := ms[0]
	slices.Sort(ms)
	median := ms[len(ms)/2]
	if len(ms)%2 == 0 {
		median = (ms[len(ms)/2-1] + ms[len(ms)/2]) / 2
	}
	fmt.Printf("runs=%d min_ms=%.1f median_ms=%.1f max_ms=%.1f first_ms=%.1f\n", n, ms[0], median, ms[len(ms)-1], first)
	return nil
}

// once starts the binary and returns the time from the start to its first
// poll.
func once(bin string, env []string, events <-chan event, timeout time.Duration) (time.Duration, error) {
	for len(events) > 0 { // nothing left from an earlier run
		<-events
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = env
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cancel() // SIGKILL
		<-exited
	}
	select {
	case ev := <-events:
		stop()
		if ev.kind != "poll" {
			return 0, fmt.Errorf("init error reported: %s\n%s", ev.body, out.String())
		}
		return ev.at.Sub(t0), nil
	case err := <-exited:
		if err == nil {
			err = errors.New("exit status 0")
		}
		return 0, fmt.Errorf("the binary exited before polling (%v):\n%s", err, out.String())
	case <-time.After(timeout):
		stop()
		return 0, fmt.Errorf("no poll within %v:\n%s", timeout, out.String())
	}
}

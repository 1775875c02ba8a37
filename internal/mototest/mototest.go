// Package mototest runs moto_server, the moto AWS emulator, for tests of the
// AWS APIs other than S3 (SQS, Secrets Manager, SSM, Glue, Athena,
// EventBridge), talked to through the real aws-sdk-go-v2 clients.
//
// moto_server comes with the machine (moto 5.2, Python 3.11). Start looks for
// it in $CFWATCH_MOTO_SERVER, then PATH. When it is missing the test is
// skipped, except in CI (CI=true), where that is a failure.
package mototest

import (
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/cfwatch/cfwatch/internal/testenv"
)

// A Server is a moto_server on 127.0.0.1. It stops when the test that
// started it ends. Its state is its own: every Start gets a fresh server.
type Server struct {
	Endpoint string // http://127.0.0.1:PORT
	Region   string

	proc *testenv.Process
}

// Binary returns the path of moto_server, or "" when there is none.
func Binary() string {
	if p := os.Getenv("CFWATCH_MOTO_SERVER"); p != "" {
		return p
	}
	if p, err := exec.LookPath("moto_server"); err == nil {
		return p
	}
	return ""
}

// Start starts a moto_server for tb and waits until it answers. It skips tb
// when moto_server is not installed (and fails it in CI).
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin := Binary()
	if bin == "" {
		msg := "moto_server not found: install moto 5.2 (pip install 'moto[server]==5.2.*'), or set CFWATCH_MOTO_SERVER to its path"
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip("skipping: " + msg)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := start(bin)
		if err == nil {
			tb.Cleanup(s.proc.Stop)
			return s
		}
		lastErr = err
	}
	tb.Fatalf("mototest: %v", lastErr)
	return nil
}

func start(bin string) (*Server, error) {
	ports, err := testenv.FreePorts(1)
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(ports[0])
	s := &Server{Endpoint: "http://" + ports[0], Region: "us-east-1"}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", port)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_DEFAULT_REGION="+s.Region,
	)
	// moto's own API answers once the server is up.
	s.proc, err = testenv.StartProcess(cmd, s.Endpoint+"/moto-api/data.json", 60*time.Second)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Log returns what the server printed.
func (s *Server) Log() string { return s.proc.Log() }

// Config returns an AWS configuration for the server: its region and static
// test credentials. Give clients BaseEndpoint = s.Endpoint (see Endpoint).
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:      s.Region,
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""),
	}
}

// Env returns environment variables that point a child process's AWS SDK
// at the server (AWS_ENDPOINT_URL and test credentials).
func (s *Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + s.Endpoint,
		"AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing",
		"AWS_REGION=" + s.Region,
	}
}

// Command cfwatch-probe is a temporary entry point for cfwatch probe
// (package probe) until it is wired as a cfwatch subcommand.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/cfwatch/cfwatch/probe"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := probe.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

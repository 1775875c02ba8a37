// Command report audits CloudFront access logs over a time window: the
// same as `cfwatch report`.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/cfwatch/cfwatch/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Report(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// Command cfwatch-audit runs "cfwatch audit" until the cfwatch command
// carries it: it reads CloudFront distribution settings (a distribution
// config, a CloudFormation or Terraform file, or the live distribution) and
// reports the settings that break NextAuth sign-in.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/cfwatch/cfwatch/audit"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := audit.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

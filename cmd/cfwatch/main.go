// Command cfwatch finds what breaks sign-in on Next.js/NextAuth sites
// behind Amazon CloudFront, from CloudFront's access logs:
//
//	cfwatch report    audit the logs, or their Parquet dataset, over a time window
//	cfwatch ingest    turn the logs into an Athena-ready Parquet dataset (backfill, ddl)
//	cfwatch audit     check a distribution's settings (config JSON, CloudFormation, Terraform, live) for what breaks NextAuth
//	cfwatch probe     run NextAuth's post-deploy checks against the live site
//	cfwatch loggen    write synthetic logs, optionally with injected failures
//	cfwatch version   print the version
//	cfwatch completion bash|zsh|fish|powershell
//
// See `cfwatch help COMMAND` for each command's flags.
package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/cfwatch/cfwatch/audit"
	"github.com/cfwatch/cfwatch/internal/cli"
	"github.com/cfwatch/cfwatch/internal/cli/ingestcmd"
	"github.com/cfwatch/cfwatch/internal/cli/loggencmd"
	"github.com/cfwatch/cfwatch/internal/cli/reportcmd"
	"github.com/cfwatch/cfwatch/probe"
)

func main() {
	os.Exit(cli.Run(func(e cli.Env) *cobra.Command {
		return cli.NewRoot(e, reportcmd.New(e), ingestcmd.New(e),
			cli.Passthrough(e, "audit [FILE…] [--distribution E…]", "Check a distribution's settings for what breaks NextAuth, before users meet it",
				"Reads get-distribution-config JSON, CloudFormation/SAM templates, Terraform JSON or a live distribution\n(--distribution) and names each setting that will break sign-in. See cfwatch audit --help.", audit.Main),
			cli.Passthrough(e, "probe URL", "Run NextAuth's post-deploy checks against the live site",
				"Requests the auth endpoints the way a browser does and tells CloudFront's refusals from NextAuth's answers.\nSee cfwatch probe --help.", probe.Main),
			loggencmd.New(e))
	}))
}

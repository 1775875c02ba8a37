// Command cfwatch finds what breaks sign-in on Next.js/NextAuth sites
// behind Amazon CloudFront, from CloudFront's access logs:
//
//	cfwatch report    audit the logs, or their Parquet dataset, over a time window
//	cfwatch ingest    turn the logs into an Athena-ready Parquet dataset (backfill, ddl)
//	cfwatch loggen    write synthetic logs, optionally with injected failures
//	cfwatch version   print the version
//	cfwatch completion bash|zsh|fish|powershell
//
// See `cfwatch help COMMAND` for each command's flags.
package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/cfwatch/cfwatch/internal/cli"
	"github.com/cfwatch/cfwatch/internal/cli/ingestcmd"
	"github.com/cfwatch/cfwatch/internal/cli/loggencmd"
	"github.com/cfwatch/cfwatch/internal/cli/reportcmd"
)

func main() {
	os.Exit(cli.Run(func(e cli.Env) *cobra.Command {
		return cli.NewRoot(e, reportcmd.New(e), ingestcmd.New(e), loggencmd.New(e))
	}))
}

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

	"github.com/cfwatch/cfwatch/internal/cli"
)

func main() { os.Exit(cli.Run(cli.Cfwatch)) }

// Command loggen writes synthetic CloudFront access logs: the same as
// `cfwatch loggen` (see `loggen --help`).
package main

import (
	"os"

	"github.com/cfwatch/cfwatch/internal/cli"
	"github.com/cfwatch/cfwatch/internal/cli/loggencmd"
)

func main() { os.Exit(cli.Run(loggencmd.New)) }

// Command report audits CloudFront access logs over a time window: the
// same as `cfwatch report` (see `report --help`).
package main

import (
	"os"

	"github.com/cfwatch/cfwatch/internal/cli"
	"github.com/cfwatch/cfwatch/internal/cli/reportcmd"
)

func main() { os.Exit(cli.Run(reportcmd.New)) }

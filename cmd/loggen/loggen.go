// Command loggen writes synthetic CloudFront access logs: the same as
// `cfwatch loggen`.
package main

import (
	"os"

	"github.com/cfwatch/cfwatch/internal/cli"
)

func main() { os.Exit(cli.Loggen(os.Args[1:])) }

// Command kgunzip decompresses stdin to stdout with klauspost/compress/gzip:
// the baseline that scripts/bench-report.sh measures report against.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/gzip"
)

func main() {
	zr, err := gzip.NewReader(bufio.NewReaderSize(os.Stdin, 1<<20))
	if err == nil {
		_, err = io.Copy(os.Stdout, zr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kgunzip:", err)
		os.Exit(1)
	}
}

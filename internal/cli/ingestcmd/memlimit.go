package ingestcmd

import (
	"runtime/debug"
	"strconv"
)

// localMemoryLimit is the Go heap's soft limit per file processed at once
// outside Lambda. A file's Parquet writers hold their row groups' pages
// until the row group ends (a 1,000,000-line hour is one row group of about
// 80 MB): with Go's default GOGC=100 the heap doubles what is live before
// collecting, and such a file peaks at 197–205 MB resident without the
// limit, 156–166 MB with it, in the same time.
const localMemoryLimit = 160 << 20

// setMemoryLimit sets the Go runtime's soft memory limit unless GOMEMLIMIT
// does: in Lambda 80% of the function's memory (the rest is the runtime's
// and the binary's), elsewhere localMemoryLimit per file processed at once.
func setMemoryLimit(getenv func(string) string, files int) {
	if getenv("GOMEMLIMIT") != "" {
		return
	}
	if mb, err := strconv.ParseInt(getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), 10, 64); err == nil && mb > 0 {
		debug.SetMemoryLimit(mb << 20 * 8 / 10)
		return
	}
	debug.SetMemoryLimit(int64(max(files, 1)) * localMemoryLimit)
}

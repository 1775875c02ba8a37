// Package cli holds what cfwatch's commands share at their top level.
package cli

import (
	"fmt"
	"io"
	"runtime/debug"
)

// ExitPanic is the exit status of a command that panicked: that of an
// error (2), not the Go runtime's raw crash.
const ExitPanic = 2

// Guard runs a command's main function and returns its exit status. A panic
// on the calling goroutine does not escape: it is written to stderr as an
// error naming the command (the value quoted, so that no byte of a log
// reaches the terminal raw), with the stack for a bug report, and the
// status is ExitPanic.
func Guard(name string, stderr io.Writer, main func() int) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "%s: internal error: %q\n%s: this is a bug in cfwatch; please report it with the stack below\n%s",
				name, fmt.Sprint(r), name, debug.Stack())
			code = ExitPanic
		}
	}()
	return main()
}

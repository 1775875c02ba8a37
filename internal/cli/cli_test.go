package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestGuard(t *testing.T) {
	var stderr bytes.Buffer
	if code := Guard("report", &stderr, func() int { return 3 }); code != 3 || stderr.Len() != 0 {
		t.Errorf("no panic: exit %d, stderr %q", code, stderr.String())
	}
	code := Guard("report", &stderr, func() int {
		var m map[string]int
		//lint:ignore SA5000 the panic is the point
		m["x"] = 1 // a nil map: a runtime panic
		return 0
	})
	out := stderr.String()
	if code != ExitPanic || !strings.HasPrefix(out, `report: internal error: "assignment to entry in nil map"`) || !strings.Contains(out, "cli_test.go") {
		t.Errorf("exit %d, stderr:\n%s", code, out)
	}
	// A value from a log cannot write control bytes to the terminal.
	stderr.Reset()
	Guard("report", &stderr, func() int { panic("bad \x1b[31mred") })
	if strings.Contains(stderr.String(), "\x1b") {
		t.Errorf("raw ESC in %q", stderr.String())
	}
}

package logparse_test

import (
	"strconv"
	"strings"
	"testing"
)

// TestShortValuesNotShown: a bad value is never repeated in the error,
// short ones included: a six-digit one-time code or a token fragment in the
// wrong column reaches stderr, the Lambda's log and every report format
// through the error. The error gives the value's length.
func TestShortValuesNotShown(t *testing.T) {
	for _, c := range []struct {
		col   int
		value string
	}{
		{0, "483920"},     // a one-time code where the date goes
		{1, "tok_9Qz"},    // a token fragment where the time goes
		{1, "\x1b[2J"},    // an escape sequence
		{0, "eyJhbGciOi"}, // the start of a JWT
	} {
		o := readString(t, header33+with(c.col, c.value)+"\n")
		if len(o.errs) != 1 {
			t.Fatalf("%q: errors %v", c.value, o.errs)
		}
		msg := o.errs[0].Error()
		if strings.Contains(msg, c.value) || !strings.Contains(msg, "("+strconv.Itoa(len(c.value))+" bytes, not shown)") {
			t.Errorf("%q: error %q", c.value, msg)
		}
	}
}

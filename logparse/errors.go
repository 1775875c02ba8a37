package logparse

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Reasons a line is skipped, or a value left unknown (a field error, see
// Reader.FieldErrors), wrapped by ParseError.Err.
var (
	ErrFieldCount  = errors.New("more fields than the #Fields header declares")
	ErrNumber      = errors.New("invalid number")
	ErrRange       = errors.New("number out of range")
	ErrTime        = errors.New("invalid date or time")
	ErrIP          = errors.New("invalid IP address")
	ErrNoTime      = errors.New("record has no date and time or timestamp")
	ErrJSON        = errors.New("invalid JSON record")
	ErrLineTooLong = errors.New("line longer than the 1 MiB limit")
)

// ErrNotAccessLog is wrapped by the FormatError returned for input that is
// not a CloudFront access log (an RTMP streaming log, a file of something
// else).
var ErrNotAccessLog = errors.New("not a CloudFront access log")

// A ParseError reports a line that could not be read. The line is skipped and
// counted; reading goes on with the next line. The same type reports a field
// error (Reader.FieldErrors): one value that could not be read, in a record
// that is kept.
type ParseError struct {
	Name   string // the input's name (file or object key), if known
	Line   int    // line number, counting from 1
	Column int    // field position in the line, counting from 1; 0 if none
	Field  string // field name from the header, if the error is about a field
	Value  string // the offending value's length: the value may hold a secret
	Err    error  // why: one of the Err* values above
}

func (e *ParseError) Error() string {
	var b strings.Builder
	if e.Name != "" {
		b.WriteString(e.Name)
		b.WriteByte(':')
	}
	b.WriteString("line ")
	b.WriteString(strconv.Itoa(e.Line))
	if e.Column > 0 {
		b.WriteString(", field ")
		b.WriteString(strconv.Itoa(e.Column))
		if e.Field != "" {
			b.WriteString(" (")
			b.WriteString(e.Field)
			b.WriteByte(')')
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	if e.Value != "" {
		b.WriteByte(' ')
		b.WriteString(e.Value)
	}
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// A StreamError ends reading: the input itself failed (a corrupt or truncated
// gzip stream, a failed network read) after Records records had been read.
type StreamError struct {
	Name    string
	Records int // records read before the failure
	Line    int // last complete line read
	Err     error
}

func (e *StreamError) Error() string {
	name := e.Name
	if name == "" {
		name = "input"
	}
	return fmt.Sprintf("%s: read failed after %d records (line %d): %v", name, e.Records, e.Line, e.Err)
}

func (e *StreamError) Unwrap() error { return e.Err }

// A FormatError ends reading: the input is not a CloudFront access log.
type FormatError struct {
	Name   string
	Line   int
	Reason string
	// Parquet is set when the input is a Parquet file (its first bytes
	// are Parquet's magic): a standard logging v2 Parquet log, or a file
	// of cfwatch's dataset, which a Reader does not read.
	Parquet bool
}

func (e *FormatError) Error() string {
	name := e.Name
	if name == "" {
		name = "input"
	}
	return fmt.Sprintf("%s:line %d: %v: %s", name, e.Line, ErrNotAccessLog, e.Reason)
}

func (e *FormatError) Unwrap() error { return ErrNotAccessLog }

// shownValue returns v as an error may show it: its length only. A bad
// value may be a cookie, a token or a fragment of one (a line whose columns
// are shifted, a one-time code), whatever its length, and errors reach
// stderr, the Lambda's log and every report format.
func shownValue(v string) string {
	return "(" + strconv.Itoa(len(v)) + " bytes, not shown)"
}

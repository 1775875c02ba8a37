// Package logparse reads Amazon CloudFront access logs as a stream of typed
// records.
//
// It reads standard logs in every layout CloudFront has written (the legacy
// W3C files with 12 to 33 fields, standard logging v2 in W3C with any
// selection and order of fields, and v2 JSON), gzipped or plain, detected from
// the content. Memory does not grow with the input: the input is read in
// blocks of 256 KiB and records are sliced out of them without copying.
package logparse

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// Format is the kind of log a Reader found.
type Format uint8

// Formats a Reader reads.
const (
	FormatUnknown Format = iota
	FormatW3C            // tab- (or space-) separated values, legacy or v2
	FormatJSON           // standard logging v2 JSON, one object per line
)

func (f Format) String() string {
	switch f {
	case FormatW3C:
		return "w3c"
	case FormatJSON:
		return "json"
	case FormatParquet:
		return "parquet"
	}
	return "unknown"
}

// A Reader reads records from a CloudFront access log.
//
// Read returns a *ParseError for a line it cannot read; that line is skipped
// and the next Read goes on with the following one. Any other error ends the
// input: a *StreamError (corrupt or truncated gzip, failed read) or a
// *FormatError (not an access log).
//
// When the input is gzipped, decompression runs on a second goroutine, ahead
// of parsing. Call Close if you stop reading before Read returns io.EOF or an
// error that ends the input.
type Reader struct {
	// Name names the input (a file name or object key) in errors.
	Name string

	in     io.Reader
	src    *blockSource
	ahead  *readAhead
	opened bool

	cur     string // unread part of the current block
	srcErr  error  // what ended the block source (io.EOF at the end)
	line    int    // lines consumed so far
	err     error  // sticky error that ends reading
	layout  layout
	sawData bool // a data line has been read (for format detection)
	// jsonKnown counts the known fields of the last JSON object read.
	jsonKnown int
	// jsonKey is the key of the JSON value being stored, for field errors.
	jsonKey string
	format  Format

	records int
	skipped int

	// Field errors: those of the record Read returned last, and how many
	// in all.
	fieldErrs     []*ParseError
	fieldErrCount int

	// consumed counts the input bytes loaded (decompressed); runaway the
	// bytes of the line being dropped as too long. Both bound how much of
	// an input is read before it is refused (see Read).
	consumed int64
	runaway  int64

	tabs tabIndex // tab offsets in the line being parsed

	// Date cache: logs hold a few distinct dates, parsed once each.
	lastDate    string
	lastDateDay int64
}

// NewReader returns a Reader that reads from r, which may be gzipped.
func NewReader(r io.Reader) *Reader {
	return &Reader{in: r}
}

// Records returns how many records Read has returned.
func (r *Reader) Records() int { return r.records }

// Skipped returns how many lines were skipped because they could not be read.
func (r *Reader) Skipped() int { return r.skipped }

// FieldErrors returns the field errors of the record Read returned last:
// values that could not be read, which the record holds as unknown
// ([Record.Invalid]). Each names the input, line, field and a redacted
// excerpt of the value. The slice is valid until the next Read; it is
// empty for a record without such a value.
func (r *Reader) FieldErrors() []*ParseError { return r.fieldErrs }

// FieldErrorCount returns how many field errors the records read so far
// had, in all.
func (r *Reader) FieldErrorCount() int { return r.fieldErrCount }

// Line returns how many input lines have been consumed.
func (r *Reader) Line() int { return r.line }

// Format returns the format of the last record read.
func (r *Reader) Format() Format { return r.format }

// Fields returns the field names of the current #Fields header (or of the
// 33-field default layout if the input has none yet).
func (r *Reader) Fields() []string {
	if r.layout.names == nil {
		return LegacyFields()
	}
	return append([]string(nil), r.layout.names...)
}

// Close stops the decompression goroutine, if any. It does not close the
// underlying reader.
func (r *Reader) Close() error {
	if r.ahead != nil {
		r.ahead.stop()
		r.ahead = nil
	}
	if r.err == nil {
		r.err = io.ErrClosedPipe
	}
	return nil
}

func (r *Reader) open() error {
	r.opened = true
	br := bufio.NewReaderSize(r.in, 64<<10)
	magic, err := br.Peek(len(ParquetMagic))
	if err != nil && err != io.EOF {
		return &StreamError{Name: r.Name, Err: err}
	}
	if IsParquet(magic) {
		return &FormatError{Name: r.Name, Line: 1, Parquet: true,
			Reason: "it is a Parquet file: read it with a ParquetReader"}
	}
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return &StreamError{Name: r.Name, Err: fmt.Errorf("gzip: %w", err)}
		}
		r.src = &blockSource{r: jsonInput(zr)}
		r.ahead = startReadAhead(r.src)
		return nil
	}
	r.src = &blockSource{r: jsonInput(br)}
	return nil
}

// nextBlock loads the next block into r.cur. Once the source has ended, it
// keeps returning the error that ended it.
func (r *Reader) nextBlock() (tooLong bool, err error) {
	if r.srcErr != nil {
		return false, r.srcErr
	}
	var b block
	if r.ahead != nil {
		b, err = r.ahead.next()
	} else {
		b, err = r.src.next()
	}
	if err != nil {
		r.srcErr = err
		return false, err
	}
	r.cur = b.text
	r.consumed += int64(len(b.text) + b.discarded)
	switch {
	case b.tooLong:
		r.runaway = int64(b.discarded)
	case b.text == "":
		r.runaway += int64(b.discarded)
	default:
		r.runaway = 0
	}
	return b.tooLong, nil
}

// Bounds on how much input is read before it is refused as not a log, so
// that a binary file, a gzip bomb or an endless line costs little: no
// record in the first maxLinesWithoutRecord lines or maxBytesWithoutRecord
// bytes (decompressed), or one line that runs on past maxRunawayLine.
const (
	maxLinesWithoutRecord = 1000
	maxBytesWithoutRecord = 4 << 20
	maxRunawayLine        = 64 << 20
)

// refuseRunaway returns the FormatError that ends reading an input that
// goes on without giving records, or nil.
func (r *Reader) refuseRunaway() error {
	var reason string
	switch {
	case r.runaway > maxRunawayLine:
		reason = fmt.Sprintf("line %d runs on past %d MiB without an end", r.line, maxRunawayLine>>20)
	case r.records > 0:
		return nil
	case r.line > maxLinesWithoutRecord:
		reason = fmt.Sprintf("no record in its first %d lines", maxLinesWithoutRecord)
	case r.consumed > maxBytesWithoutRecord:
		reason = fmt.Sprintf("no record in its first %d MiB", maxBytesWithoutRecord>>20)
	default:
		return nil
	}
	return r.refuse(&FormatError{Name: r.Name, Line: r.line, Reason: reason})
}

// refuse ends reading with err.
func (r *Reader) refuse(err error) error {
	r.err = err
	if r.ahead != nil {
		r.ahead.stop()
		r.ahead = nil
	}
	return err
}

// Read reads the next record into rec, overwriting it. It returns io.EOF at
// the end of the input.
func (r *Reader) Read(rec *Record) error {
	if r.err != nil {
		return r.err
	}
	if !r.opened {
		if err := r.open(); err != nil {
			r.err = err
			return err
		}
	}
	if len(r.fieldErrs) > 0 {
		clear(r.fieldErrs)
		r.fieldErrs = r.fieldErrs[:0]
	}
	for {
		if r.records == 0 || r.runaway > 0 {
			if err := r.refuseRunaway(); err != nil {
				return err
			}
		}
		if r.cur == "" {
			tooLong, err := r.nextBlock()
			if err != nil {
				return r.fail(err)
			}
			if tooLong {
				r.cur = ""
				r.line++
				r.skipped++
				return &ParseError{Name: r.Name, Line: r.line, Err: ErrLineTooLong}
			}
			continue
		}
		line := r.takeLine()
		start := r.line
		line = strings.TrimRight(line, "\r")
		if len(line) == 0 {
			continue
		}
		if start == 1 && strings.HasPrefix(line, "\uFEFF") {
			line = line[3:]
		}
		var err error
		switch line[0] {
		case '#':
			if err := r.directive(line); err != nil {
				r.err = err
				return err
			}
			continue
		case '{':
			r.format = FormatJSON
			line, err = r.jsonObject(line)
			if err == nil {
				err = r.parseJSON(line, rec)
			}
			if !r.sawData && r.jsonKnown == 0 {
				r.err = &FormatError{Name: r.Name, Line: start,
					Reason: "the JSON object that starts it has no CloudFront log field"}
				return r.err
			}
		case ' ', '\t':
			if strings.TrimSpace(line) == "" {
				continue
			}
			fallthrough
		default:
			if !r.sawData && r.layout.fields == nil && !looksLikeDate(line) {
				r.err = &FormatError{Name: r.Name, Line: start,
					Reason: "no #Fields header and the first line does not start with a date"}
				return r.err
			}
			r.format = FormatW3C
			err = r.parseW3C(line, rec)
		}
		r.sawData = true
		if err != nil {
			r.skipped++
			if pe, ok := err.(*ParseError); ok {
				pe.Name, pe.Line = r.Name, start
			}
			if len(r.fieldErrs) > 0 {
				clear(r.fieldErrs)
				r.fieldErrs = r.fieldErrs[:0]
			}
			return err
		}
		for _, fe := range r.fieldErrs {
			fe.Name, fe.Line = r.Name, start
		}
		r.fieldErrCount += len(r.fieldErrs)
		rec.Line = start
		r.records++
		return nil
	}
}

// takeLine removes the next line from r.cur and returns it without its
// newline.
func (r *Reader) takeLine() string {
	r.line++
	i := strings.IndexByte(r.cur, '\n')
	if i < 0 {
		line := r.cur
		r.cur = ""
		return line
	}
	line := r.cur[:i]
	r.cur = r.cur[i+1:]
	return line
}

// fail records err as the end of reading.
func (r *Reader) fail(err error) error {
	switch {
	case err == errBinary:
		err = &FormatError{Name: r.Name, Line: 1,
			Reason: "it is binary: its start holds NUL bytes or control characters, which CloudFront's logs never have"}
	case err != io.EOF:
		err = &StreamError{Name: r.Name, Records: r.records, Line: r.line, Err: err}
	}
	return r.refuse(err)
}

// directive handles a line starting with '#'.
func (r *Reader) directive(line string) error {
	rest, ok := cutPrefixFold(line, "#Fields:")
	if !ok {
		return nil // #Version and comments
	}
	names := strings.Fields(rest)
	l := newLayout(names)
	if reason := l.duplicate(); reason != "" {
		return &FormatError{Name: r.Name, Line: r.line, Reason: reason}
	}
	if reason := l.notAccessLog(); reason != "" {
		return &FormatError{Name: r.Name, Line: r.line, Reason: reason}
	}
	r.layout = l
	return nil
}

// jsonObject returns the whole JSON object that starts on line: the line
// itself, or, for an object printed over several lines, the lines up to the
// one that closes it.
func (r *Reader) jsonObject(line string) (string, error) {
	if strings.HasSuffix(strings.TrimRight(line, " \t"), "}") {
		return line, nil
	}
	var b strings.Builder
	b.WriteString(line)
	for {
		for r.cur == "" {
			tooLong, err := r.nextBlock()
			if err != nil || tooLong {
				// The next Read reports an error; a line too long ends
				// the object, which then fails to parse.
				return b.String(), nil
			}
		}
		next := strings.TrimRight(r.takeLine(), "\r")
		b.WriteByte('\n')
		b.WriteString(next)
		if b.Len() > maxLineLen {
			return "", &ParseError{Err: ErrLineTooLong}
		}
		if strings.HasSuffix(strings.TrimRight(next, " \t"), "}") {
			break
		}
	}
	return b.String(), nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// looksLikeDate reports whether s starts like "2019-12-04".
func looksLikeDate(s string) bool {
	if len(s) < 10 {
		return false
	}
	for i := 0; i < 10; i++ {
		c := s[i]
		if i == 4 || i == 7 {
			if c != '-' {
				return false
			}
		} else if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

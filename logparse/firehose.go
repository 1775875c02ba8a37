package logparse

import (
	"bufio"
	"io"
)

// objectLines puts a newline between JSON objects that follow each other
// on one line, as Firehose concatenates records ("{…}{…}", with or without
// spaces between them), so that each object is a line of its own: a
// delivery of thousands of records with no newline is then read record by
// record, not refused as one line over the length limit. Braces inside
// strings are not counted. Only inputs that start with '{' go through it
// (see jsonInput), so W3C logs cost nothing.
type objectLines struct {
	r     io.Reader
	in    [64 << 10]byte
	out   []byte // scanned, not yet returned
	buf   []byte // out's backing array
	err   error  // what ended r
	depth int
	str   bool // inside a string
	esc   bool // after a backslash in a string
	ended bool // a top-level object ended and no newline has followed
}

func (o *objectLines) Read(p []byte) (int, error) {
	for len(o.out) == 0 {
		if o.err != nil {
			return 0, o.err
		}
		n, err := o.r.Read(o.in[:])
		o.out = o.scan(o.buf[:0], o.in[:n])
		o.buf = o.out[:0]
		o.err = err
	}
	n := copy(p, o.out)
	o.out = o.out[n:]
	return n, nil
}

// scan appends b to dst with a newline before each top-level object that
// follows another on the same line.
func (o *objectLines) scan(dst, b []byte) []byte {
	for _, c := range b {
		switch {
		case o.str:
			switch {
			case o.esc:
				o.esc = false
			case c == '\\':
				o.esc = true
			case c == '"':
				o.str = false
			}
		case c == '"':
			o.str = true
		case c == '{':
			if o.depth == 0 && o.ended {
				dst = append(dst, '\n')
			}
			o.ended = false
			o.depth++
		case c == '}':
			if o.depth > 0 {
				o.depth--
				o.ended = o.depth == 0
			}
		case c == '\n':
			o.ended = false
		}
		dst = append(dst, c)
	}
	return dst
}

// jsonInput returns r, through objectLines when its first character (after
// blanks and a byte order mark) is '{': JSON records, perhaps back to back.
func jsonInput(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(512)
	for len(head) > 0 {
		switch {
		case head[0] == ' ' || head[0] == '\t' || head[0] == '\r' || head[0] == '\n':
			head = head[1:]
			continue
		case len(head) >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF:
			head = head[3:]
			continue
		case head[0] == '{':
			return &objectLines{r: br}
		}
		break
	}
	return br
}

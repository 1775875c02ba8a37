package logparse

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"unsafe"
)

const (
	// blockSize is how much input is read at a time. Records are sliced out
	// of a block without copying, so a block is the unit of allocation: about
	// 500 typical lines share one.
	blockSize = 256 << 10
	// maxLineLen bounds one line (and one multi-line JSON record). CloudFront
	// truncates long fields, so a real line is far shorter.
	maxLineLen = 1 << 20
)

// errBinary ends a block source whose input starts with binary content; the
// Reader turns it into a FormatError.
var errBinary = errors.New("binary content")

// A block is a run of whole input lines. A line longer than a block comes
// in a block of its own, copied once to its exact size. If tooLong is set, a
// line exceeded maxLineLen and was dropped: text is empty and discarded
// counts the bytes of it dropped so far. A block with no text and only
// discarded bytes reports progress through the rest of that line.
type block struct {
	text      string
	tooLong   bool
	discarded int
}

// blockSource cuts a byte stream into blocks of whole lines.
//
// Each block is read into a freshly allocated buffer that is never written
// again once handed out, which is what makes the zero-copy conversion to a
// string safe: the bytes behind a returned string are immutable from then on.
// Memory per line is bounded: a line that does not fit in a block is put
// together in a scratch buffer (never handed out, reused) and handed out as
// one exact-size copy, and the rest of a line longer than maxLineLen is read
// into the scratch buffer and dropped.
type blockSource struct {
	r       io.Reader
	carry   string // start of a line that continues in the next block
	discard bool   // skipping the rest of a line longer than maxLineLen
	err     error  // sticky: io.EOF, errBinary or the read error
	checked bool   // the first block was checked for binary content
	long    []byte // scratch for long lines and dropped bytes; carry may point into it
	spare   []byte // a block buffer that was filled but never handed out
}

func (s *blockSource) next() (block, error) {
	for {
		if s.err != nil {
			if s.carry != "" && s.err == io.EOF {
				// The last line has no newline. The carry may be a view of
				// the scratch buffer, which is reused: copy it.
				text := strings.Clone(s.carry)
				s.carry = ""
				return block{text: text}, nil
			}
			return block{}, s.err
		}
		if s.discard {
			return s.dropLine(), nil
		}
		buf := s.spare
		s.spare = nil
		if buf == nil {
			buf = make([]byte, blockSize)
		}
		k := copy(buf, s.carry)
		s.carry = ""
		k = s.fill(buf, k)
		data := buf[:k]
		if !s.checked {
			s.checked = true
			if looksBinary(data) {
				s.err = errBinary
				continue
			}
		}
		if s.err != nil && s.err != io.EOF {
			// The stream failed: a partial last line is not trustworthy.
			if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
				return block{text: view(data[:i+1])}, nil
			}
			s.spare = buf
			continue
		}
		if s.err == io.EOF {
			if k == 0 {
				s.spare = buf
				continue
			}
			return block{text: view(data)}, nil
		}
		// Block full: hand out the whole lines and carry the rest over. buf
		// is not written after this point (the carry is copied out of it
		// into the next block), so the string views are immutable.
		if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
			if i < blockSize/8 {
				// A few lines, then one that fills the block: copy them
				// out and keep the buffer for that line, rather than pin
				// a whole block to a few records.
				text := string(data[:i+1])
				s.carry = view(buf[:copy(buf, data[i+1:])])
				s.spare = buf
				return block{text: text}, nil
			}
			s.carry = view(data[i+1:])
			return block{text: view(data[:i+1])}, nil
		}
		// One line fills the block: put it together in the scratch buffer.
		if s.long == nil {
			s.long = make([]byte, 0, maxLineLen+blockSize)
		}
		s.long = append(s.long[:0], data...)
		s.spare = buf
		if b, ok := s.longLine(); ok {
			return b, nil
		}
	}
}

// fill reads into buf[k:] until it is full or the input ends, and returns
// the new length.
func (s *blockSource) fill(buf []byte, k int) int {
	for k < len(buf) && s.err == nil {
		var n int
		n, s.err = s.r.Read(buf[k:])
		k += n
	}
	return k
}

// longLine reads the rest of the line that starts in s.long, a block's
// worth at a time, and returns it copied to its exact size (or, longer than
// maxLineLen, as a tooLong block). It returns false when the stream failed
// first: the partial line is dropped.
func (s *blockSource) longLine() (block, bool) {
	for {
		start := len(s.long)
		end := min(start+blockSize, cap(s.long))
		s.long = s.long[:s.fill(s.long[:end], start)]
		i := bytes.IndexByte(s.long[start:], '\n')
		switch {
		case i >= 0:
			i += start
			s.carry = view(s.long[i+1:]) // copied before the scratch is reused
			if i > maxLineLen {
				return block{tooLong: true, discarded: i + 1}, true
			}
			return block{text: string(s.long[:i+1])}, true
		case s.err == io.EOF:
			if len(s.long) > maxLineLen {
				return block{tooLong: true, discarded: len(s.long)}, true
			}
			return block{text: string(s.long)}, true
		case s.err != nil:
			return block{}, false
		case len(s.long) > maxLineLen:
			s.discard = true
			return block{tooLong: true, discarded: len(s.long)}, true
		}
	}
}

// dropLine reads up to a block of the line being discarded into the
// scratch buffer and drops it, up to its newline.
func (s *blockSource) dropLine() block {
	buf := s.long[:blockSize]
	k := s.fill(buf, 0)
	if i := bytes.IndexByte(buf[:k], '\n'); i >= 0 {
		s.discard = false
		s.carry = view(buf[i+1 : k])
		return block{discarded: i + 1}
	}
	return block{discarded: k}
}

// view returns b as a string without copying; b must not be written again.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// looksBinary reports whether the start of an input is binary rather than
// text: CloudFront escapes control characters in every field, so its logs
// hold no NUL byte and few control characters besides tabs and newlines.
func looksBinary(p []byte) bool {
	if bytes.IndexByte(p, 0) >= 0 {
		return true
	}
	ctl := 0
	for _, c := range p {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			ctl++
		}
	}
	return ctl > len(p)/20
}

// readAhead runs a blockSource on its own goroutine, so that decompression
// (or a network read) of the next blocks overlaps with parsing this one.
type readAhead struct {
	blocks chan blockOrErr
	done   chan struct{}
}

type blockOrErr struct {
	b   block
	err error
}

// readAheadBlocks is how many blocks may wait, decoded, for the parser:
// memory stays within a few MiB whatever the input size.
const readAheadBlocks = 3

func startReadAhead(src *blockSource) *readAhead {
	ra := &readAhead{blocks: make(chan blockOrErr, readAheadBlocks), done: make(chan struct{})}
	go func() {
		defer close(ra.blocks)
		for {
			b, err := src.next()
			select {
			case ra.blocks <- blockOrErr{b, err}:
			case <-ra.done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return ra
}

func (ra *readAhead) next() (block, error) {
	be, ok := <-ra.blocks
	if !ok {
		return block{}, io.ErrClosedPipe
	}
	return be.b, be.err
}

// stop tells the goroutine to end. It does not wait: the goroutine may be
// inside a read of the underlying stream, which ends when that stream does.
func (ra *readAhead) stop() {
	select {
	case <-ra.done:
	default:
		close(ra.done)
	}
}

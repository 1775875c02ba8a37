package logparse

import (
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

// A block is a run of whole input lines. If tooLong is set, text is instead
// the start of one line that exceeded maxLineLen; the rest of that line was
// discarded.
type block struct {
	text    string
	tooLong bool
}

// blockSource cuts a byte stream into blocks of whole lines.
//
// Each block is read into a freshly allocated buffer that is never written
// again once handed out, which is what makes the zero-copy conversion to a
// string safe: the bytes behind a returned string are immutable from then on.
type blockSource struct {
	r       io.Reader
	carry   string // start of a line that continues in the next block
	discard bool   // skipping the rest of a line longer than maxLineLen
	err     error  // sticky: io.EOF or the read error
}

func (s *blockSource) next() (block, error) {
	for {
		if s.err != nil {
			if s.carry != "" && s.err == io.EOF {
				// The last line has no newline.
				text := s.carry
				s.carry = ""
				return block{text: text}, nil
			}
			return block{}, s.err
		}
		size := max(blockSize, 2*len(s.carry))
		buf := make([]byte, size)
		k := copy(buf, s.carry)
		s.carry = ""
		for k < size && s.err == nil {
			var n int
			n, s.err = s.r.Read(buf[k:])
			k += n
		}
		// buf is not written after this point (the carry is copied out of
		// it into the next block), so the string view is immutable.
		data := unsafe.String(unsafe.SliceData(buf), k)
		if s.discard {
			i := strings.IndexByte(data, '\n')
			if i < 0 {
				continue
			}
			s.discard = false
			data = data[i+1:]
		}
		if s.err != nil && s.err != io.EOF {
			// The stream failed: a partial last line is not trustworthy.
			if i := strings.LastIndexByte(data, '\n'); i >= 0 {
				return block{text: data[:i+1]}, nil
			}
			continue
		}
		if s.err == io.EOF {
			if data == "" {
				continue
			}
			return block{text: data}, nil
		}
		// Block full: hand out the whole lines and carry the rest over.
		i := strings.LastIndexByte(data, '\n')
		if i < 0 {
			if len(data) >= maxLineLen {
				s.discard = true
				return block{text: data[:maxLineLen], tooLong: true}, nil
			}
			s.carry = data
			continue
		}
		s.carry = data[i+1:]
		return block{text: data[:i+1]}, nil
	}
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

package reportcmd

import (
	"fmt"
	"io"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/cfwatch/cfwatch/local"
)

// progressLine draws a run's progress on one terminal line, redrawn in
// place with \r at most every progressEvery, and first only after
// progressDelay, so that a quick run draws nothing.
type progressLine struct {
	w     io.Writer
	now   func() time.Time
	start time.Time
	last  time.Time
	drawn bool
}

const (
	progressEvery = 200 * time.Millisecond
	progressDelay = 300 * time.Millisecond
)

func newProgressLine(w io.Writer, now func() time.Time) *progressLine {
	return &progressLine{w: w, now: now, start: now()}
}

// update is a report.Options.Progress callback.
func (p *progressLine) update(pr local.Progress) {
	t := p.now()
	if t.Sub(p.start) < progressDelay || t.Sub(p.last) < progressEvery {
		return
	}
	p.last, p.drawn = t, true
	// \x1b[K clears what a longer previous line left.
	fmt.Fprintf(p.w, "\r%s\x1b[K", formatProgress(pr, t.Sub(p.start)))
}

// clear erases the line, if one was drawn. A nil progressLine does nothing.
func (p *progressLine) clear() {
	if p == nil || !p.drawn {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[K")
	p.drawn = false
}

// formatProgress writes a progress line: "reading 12/96 files · 4.1 MiB of
// 40 MiB (10%) · 20 MiB/s · 2s left".
func formatProgress(pr local.Progress, elapsed time.Duration) string {
	s := fmt.Sprintf("reading %d/%d files · %s", pr.FilesDone, pr.FilesTotal, humanize.IBytes(uint64(pr.BytesDone)))
	if pr.BytesTotal > 0 {
		done := min(pr.BytesDone, pr.BytesTotal)
		s += fmt.Sprintf(" of %s (%d%%)", humanize.IBytes(uint64(pr.BytesTotal)), done*100/pr.BytesTotal)
	}
	if elapsed >= time.Second/2 && pr.BytesDone > 0 {
		rate := float64(pr.BytesDone) / elapsed.Seconds()
		s += fmt.Sprintf(" · %s/s", humanize.IBytes(uint64(rate)))
		if left := time.Duration(float64(pr.BytesTotal-pr.BytesDone) / rate * float64(time.Second)); left >= time.Second {
			s += " · " + left.Round(time.Second).String() + " left"
		}
	}
	return s
}
